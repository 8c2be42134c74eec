"""Model bundle loading fails before serving, naming what is wrong (G9)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from models.bundle import REQUIRED_KEYS, load_bundle, sha256_file
from models.errors import MESSAGES, BundleError, BundleIncompatibleError


def _bundle(folder: Path) -> Path:
    folder.mkdir()
    (folder / "model.onnx").write_bytes(b"onnx")
    manifest = {key: "x" for key in REQUIRED_KEYS}
    manifest.update(
        task="icd10",
        format="medcode.icd10_suggester.v1",
        codeset_versions={"icd10cm": "FY2026"},
        metrics={},
        thresholds={"auto": 0.9, "decision": 0.3},
        files={"model.onnx": sha256_file(folder / "model.onnx")},
    )
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_bundle_loads_and_reports_thresholds(tmp_path: Path) -> None:
    bundle = load_bundle(_bundle(tmp_path / "b"), task="icd10", codeset_versions={"icd10cm": "FY2026"})
    assert bundle.thresholds == {"auto": 0.9, "decision": 0.3}


def test_bundle_missing_file_is_named(tmp_path: Path) -> None:
    folder = _bundle(tmp_path / "b")
    (folder / "model.onnx").unlink()
    with pytest.raises(BundleError, match=r"BND003 .* is missing \['model.onnx'\]"):
        load_bundle(folder)


def test_bundle_without_manifest_or_folder(tmp_path: Path) -> None:
    with pytest.raises(BundleError, match="BND001 No model bundle folder"):
        load_bundle(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match=r"BND002 .* has no manifest.json"):
        load_bundle(tmp_path / "empty")


def test_bundle_codeset_mismatch_is_incompatible(tmp_path: Path) -> None:
    with pytest.raises(BundleIncompatibleError, match=r"BND006 .*'FY2026' but this installation has 'FY2027'"):
        load_bundle(_bundle(tmp_path / "b"), codeset_versions={"icd10cm": "FY2027"})


def test_bundle_checksum_mismatch(tmp_path: Path) -> None:
    folder = _bundle(tmp_path / "b")
    (folder / "model.onnx").write_bytes(b"tampered")
    with pytest.raises(BundleError, match=r"BND007 File model\.onnx"):
        load_bundle(folder)


def test_bundle_error_codes_are_unique_and_shaped() -> None:
    assert all(re.fullmatch(r"(BND0|ICD1)\d\d", code) for code in MESSAGES)
    assert len(set(MESSAGES)) == len(MESSAGES)
