"""Model bundles: a folder with ``manifest.json``, ONNX files, label lists and calibration parameters (G9).

:func:`load_bundle` reads the manifest first and checks, before anything is served, that every listed file is
present with its checksum, that the task and format are the expected ones and that the code-set version matches
this installation. A bad bundle raises :class:`~models.errors.BundleError` naming what is missing and where it
looked; there is no fallback to a default model.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from models.errors import BundleError, BundleIncompatibleError

REQUIRED_KEYS: tuple[str, ...] = (
    "format",
    "bundle_id",
    "task",
    "system",
    "version",
    "codeset_versions",
    "label_space_hash",
    "data_fingerprint",
    "metrics",
    "thresholds",
    "files",
)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelBundle:
    """A checked bundle: its folder and manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def bundle_id(self) -> str:
        return str(self.manifest["bundle_id"])

    @property
    def thresholds(self) -> dict[str, float]:
        return {str(k): float(v) for k, v in self.manifest["thresholds"].items()}

    def file(self, name: str) -> Path:
        """Path of a file listed in the manifest."""
        if name not in self.manifest["files"]:
            raise BundleError("BND003", path=self.path, files=[name])
        return self.path / name


def load_bundle(
    path: str | Path,
    *,
    task: str | None = None,
    expected_format: str | None = None,
    codeset_versions: dict[str, str] | None = None,
    verify_checksums: bool = True,
) -> ModelBundle:
    """Open and check a model bundle folder.

    Args:
        path: the bundle folder.
        task: the task it must serve (``icd10``), when given.
        expected_format: the manifest ``format`` it must have, when given.
        codeset_versions: code-set versions of this installation; each one the manifest also names must match.
        verify_checksums: compare every file's sha256 with the manifest.

    Raises:
        BundleError: the folder, the manifest, a key or a file is missing, or a checksum differs.
        BundleIncompatibleError: task, format or code-set version do not match.
    """
    folder = Path(path)
    if not folder.is_dir():
        raise BundleError("BND001", path=folder.resolve())
    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise BundleError("BND002", path=folder.resolve(), task=task or "icd10")
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    missing_keys = [k for k in REQUIRED_KEYS if k not in manifest]
    if missing_keys:
        raise BundleError("BND004", path=manifest_path, keys=missing_keys)
    if task is not None and manifest["task"] != task:
        raise BundleIncompatibleError("BND005", path=folder, got=manifest["task"], expected=task)
    if expected_format is not None and manifest["format"] != expected_format:
        raise BundleIncompatibleError("BND008", path=folder, got=manifest["format"], expected=expected_format)
    for system, version in (codeset_versions or {}).items():
        built = manifest["codeset_versions"].get(system)
        if built is not None and built != version:
            raise BundleIncompatibleError("BND006", path=folder, system=system, got=built, expected=version)
    files: dict[str, str] = manifest["files"]
    missing = sorted(name for name in files if not (folder / name).is_file())
    if missing:
        raise BundleError("BND003", path=folder.resolve(), files=missing)
    if verify_checksums:
        for name, digest in files.items():
            if sha256_file(folder / name) != digest:
                raise BundleError("BND007", path=folder, file=name)
    return ModelBundle(folder, manifest)
