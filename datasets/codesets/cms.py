"""CMS tables (NCCI PTP/MUE/AOC, HCPCS II, RBCS, fee schedule, modifiers, POS) behind one dated query API.

The CSV sources are ingested once into a compact SQLite index in the cache folder (2.5 M PTP pairs in about 20 s);
opening the index afterwards costs milliseconds, and a PTP lookup for a whole claim is one indexed query. Every
query takes the date of service: it picks the table version in force on that date (the newest version whose first
day is on or before it; the oldest when the date precedes them all) and then applies each row's own dates.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from datasets.codesets._sqlite import ReadOnlyDatabase, build_atomically
from datasets.codesets.cms_files import CMS_TABLES, SPECS_BY_NAME, CmsSourceFile, read_rows, recognise
from datasets.codesets.errors import CodeSetUnavailableError

INDEX_SCHEMA_VERSION = 1
# Modifiers that may bypass a PTP edit with modifier indicator 1 (NCCI policy manual, chapter I, section E).
PTP_BYPASS_MODIFIERS = frozenset(
    {
        "59",
        "XE",
        "XS",
        "XP",
        "XU",
        "25",
        "57",
        "24",
        "27",
        "79",
        "91",
        "E1",
        "E2",
        "E3",
        "E4",
        "F1",
        "F2",
        "F3",
        "F4",
        "F5",
        "F6",
        "F7",
        "F8",
        "F9",
        "FA",
        "LT",
        "RT",
        "LC",
        "LD",
        "LM",
        "RC",
        "RI",
        "T1",
        "T2",
        "T3",
        "T4",
        "T5",
        "T6",
        "T7",
        "T8",
        "T9",
        "TA",
    }
)


@dataclass(frozen=True)
class TableVersion:
    """One ingested version of a CMS table."""

    name: str
    title: str
    version: str
    effective_from: dt.date
    rows: int
    source_file: str
    sha256: str
    source: str


@dataclass(frozen=True)
class PtpEdit:
    """An NCCI procedure-to-procedure edit: column 2 is not payable with column 1 on the same day.

    ``modifier_indicator`` 0: never billable together; 1: allowed with a supported bypass modifier; 9: not applicable.
    """

    column1: str
    column2: str
    modifier_indicator: int
    deletion_date: dt.date | None
    rationale: str
    version: str

    def active_on(self, date_of_service: dt.date) -> bool:
        return self.deletion_date is None or date_of_service < self.deletion_date


@dataclass(frozen=True)
class MueEdit:
    code: str
    max_units: int
    adjudication_indicator: int  # 1 line edit; 2 date-of-service edit (policy); 3 date-of-service edit (clinical)
    rationale: str
    version: str


@dataclass(frozen=True)
class AddonEdit:
    """The primary codes an add-on code may be billed with (edit type 2: the contractor decides, no list)."""

    addon_code: str
    edit_type: int
    primary_codes: frozenset[str]
    version: str


@dataclass(frozen=True)
class HcpcsRecord:
    code: str
    section: str
    description: str
    betos: str
    type_of_service: str
    coverage: str
    date_added: dt.date | None
    date_terminated: dt.date | None


@dataclass(frozen=True)
class RbcsRecord:
    code: str
    procedure: str
    category: str
    subcategory: str
    family: str


@dataclass(frozen=True)
class FeeScheduleRecord:
    """Physician fee schedule RVUs for a code (and modifier, e.g. 26/TC), before geographic adjustment."""

    code: str
    modifier: str
    status_code: str
    work_rvu: float
    non_facility_total_rvu: float
    facility_total_rvu: float
    global_days: str  # 000, 010, 090, XXX, YYY, ZZZ, MMM
    conversion_factor: float
    version: str

    def payment(self, *, facility: bool = False) -> float:
        """National payment in dollars: total RVU x conversion factor (no GPCI applied)."""
        total = self.facility_total_rvu if facility else self.non_facility_total_rvu
        return round(total * self.conversion_factor, 2)

    @property
    def global_period_days(self) -> int | None:
        return int(self.global_days) if self.global_days.isdigit() else None


def _date(value: object) -> dt.date | None:
    return dt.date.fromisoformat(str(value)) if value else None


def discover_sources(folders: Iterable[Path]) -> list[CmsSourceFile]:
    """Every recognised CMS file in the folders (later folders win on the same table and version)."""
    chosen: dict[tuple[str, str], CmsSourceFile] = {}
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            source = recognise(path)
            if source is not None:
                chosen[(source.spec.name, source.version)] = source
    return sorted(chosen.values(), key=lambda s: (s.spec.name, s.effective_from))


def sources_fingerprint(sources: list[CmsSourceFile]) -> str:
    """Identity of a set of sources by name and content: the same files anywhere share one index (about 30 ms)."""
    digest = hashlib.sha256(f"schema{INDEX_SCHEMA_VERSION}".encode())
    for source in sources:
        digest.update(f"{source.path.name}|{_file_sha256(source.path)}".encode())
    return digest.hexdigest()[:16]


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fill_index(connection: sqlite3.Connection, sources: list[CmsSourceFile]) -> None:
    connection.execute(
        "CREATE TABLE table_versions (name TEXT, title TEXT, version TEXT, effective_from TEXT, rows INTEGER,"
        " source_file TEXT, sha256 TEXT, source TEXT, PRIMARY KEY (name, version))"
    )
    for spec in CMS_TABLES:
        columns = ", ".join(spec.index_columns)
        connection.execute(f"CREATE TABLE {spec.name} (version TEXT, {columns})")
    for source in sources:
        spec = source.spec
        placeholders = ", ".join("?" * (len(spec.index_columns) + 1))
        insert = f"INSERT INTO {spec.name} VALUES ({placeholders})"
        rows = ((source.version, *row) for row in read_rows(source))
        count = 0
        while batch := list(itertools.islice(rows, 50_000)):
            connection.executemany(insert, batch)
            count += len(batch)
        connection.execute(
            "INSERT INTO table_versions VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                spec.name,
                spec.title,
                source.version,
                source.effective_from.isoformat(),
                count,
                source.path.name,
                _file_sha256(source.path),
                spec.source,
            ),
        )
    for spec in CMS_TABLES:
        for number, key in enumerate(spec.indexes):
            connection.execute(f"CREATE INDEX {spec.name}_{number} ON {spec.name} (version, {', '.join(key)})")
    connection.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT)")
    connection.execute("INSERT INTO meta VALUES ('sources', ?)", (json.dumps([str(s.path) for s in sources]),))


class CmsTables:
    """Dated lookups over the ingested CMS tables.

    Args:
        index_path: the SQLite index built by :func:`build_cms_index`.
    """

    def __init__(self, index_path: Path) -> None:
        self.index_path = index_path
        self._db = ReadOnlyDatabase(index_path)
        self._versions: dict[str, list[TableVersion]] = {}
        for row in self._db.query(
            "SELECT name, title, version, effective_from, rows, source_file, sha256, source FROM table_versions"
        ):
            name, title, version, effective, rows, source_file, sha, source = row
            self._versions.setdefault(str(name), []).append(
                TableVersion(
                    str(name),
                    str(title),
                    str(version),
                    dt.date.fromisoformat(str(effective)),
                    int(str(rows)),
                    str(source_file),
                    str(sha),
                    str(source),
                )
            )
        for versions in self._versions.values():
            versions.sort(key=lambda v: v.effective_from)

    def versions(self) -> list[TableVersion]:
        """Every ingested table version, grouped by table."""
        return [v for name in sorted(self._versions) for v in self._versions[name]]

    def has(self, table: str) -> bool:
        return bool(self._versions.get(table))

    def version_on(self, table: str, date_of_service: dt.date) -> str:
        """The version of ``table`` in force on the date (the oldest one when the date precedes every version)."""
        versions = self._versions.get(table)
        if not versions:
            raise CodeSetUnavailableError(SPECS_BY_NAME[table].title, [str(self.index_path)])
        in_force = [v for v in versions if v.effective_from <= date_of_service]
        return (in_force[-1] if in_force else versions[0]).version

    # --- NCCI PTP -------------------------------------------------------------------------------------------------
    def ptp_edits(self, codes: Iterable[str], date_of_service: dt.date) -> list[PtpEdit]:
        """Active PTP edits among a claim's codes on the date of service (each ordered pair looked up once)."""
        distinct = tuple(sorted(set(codes)))
        if len(distinct) < 2:
            return []
        edits = self._ptp_rows(distinct, self.version_on("ncci_ptp", date_of_service))
        return [e for e in edits if e.column1 != e.column2 and e.active_on(date_of_service)]

    @lru_cache(maxsize=65536)  # noqa: B019 - claims repeat their code sets (an E/M with the same tests)
    def _ptp_rows(self, distinct: tuple[str, ...], version: str) -> tuple[PtpEdit, ...]:
        """Every edit of a table version between two of ``distinct`` (deleted ones too)."""
        marks = ", ".join("?" * len(distinct))
        rows = self._db.query(
            f"SELECT column1, column2, modifier_indicator, deletion_date, rationale FROM ncci_ptp"
            f" WHERE version = ? AND column1 IN ({marks}) AND column2 IN ({marks})",
            [version, *distinct, *distinct],
        )
        return tuple(
            PtpEdit(str(c1), str(c2), int(str(mi)), _date(dd), str(rat), version) for c1, c2, mi, dd, rat in rows
        )

    def ptp_edit(self, column1: str, column2: str, date_of_service: dt.date) -> PtpEdit | None:
        """The active edit for one ordered pair, or None."""
        for edit in self.ptp_edits([column1, column2], date_of_service):
            if (edit.column1, edit.column2) == (column1, column2):
                return edit
        return None

    # --- NCCI MUE -------------------------------------------------------------------------------------------------
    def mue(self, code: str, date_of_service: dt.date) -> MueEdit | None:
        return self._mue(code, self.version_on("ncci_mue", date_of_service))

    @lru_cache(maxsize=65536)  # noqa: B019 - one instance per index file, lives as long as the process
    def _mue(self, code: str, version: str) -> MueEdit | None:
        rows = self._db.query(
            "SELECT code, mue_units, mue_mai, rationale FROM ncci_mue WHERE version = ? AND code = ?", (version, code)
        )
        if not rows:
            return None
        c, units, mai, rationale = rows[0]
        return MueEdit(str(c), int(str(units)), int(str(mai)), str(rationale), version)

    # --- NCCI add-on codes ----------------------------------------------------------------------------------------
    def addon_edit(self, code: str, date_of_service: dt.date) -> AddonEdit | None:
        """The add-on edit for ``code`` in force on the date; None when ``code`` is not an add-on code then."""
        version = self.version_on("ncci_aoc", date_of_service)
        rows = self._db.query(
            "SELECT edit_type, primary_code, effective_date, deletion_date FROM ncci_aoc"
            " WHERE version = ? AND addon_code = ?",
            (version, code),
        )
        live = [
            (int(str(edit_type)), str(primary))
            for edit_type, primary, effective, deletion in rows
            if (not effective or _date(effective) <= date_of_service)  # type: ignore[operator]
            and (not deletion or date_of_service < _date(deletion))  # type: ignore[operator]
        ]
        if not live:
            return None
        edit_type = min(t for t, _ in live)
        primaries = frozenset(p for _, p in live if p != "CCCCC")
        return AddonEdit(code, edit_type, primaries, version)

    # --- Descriptive tables ---------------------------------------------------------------------------------------
    @lru_cache(maxsize=65536)  # noqa: B019
    def hcpcs(self, code: str) -> HcpcsRecord | None:
        """HCPCS Level II record (newest version), or None for CPT numbers and unknown codes."""
        versions = self._versions.get("hcpcs")
        if not versions:
            raise CodeSetUnavailableError("HCPCS Level II", [str(self.index_path)])
        rows = self._db.query(
            "SELECT code, section, description, betos, type_of_service, coverage, date_added, date_terminated"
            " FROM hcpcs WHERE version = ? AND code = ?",
            (versions[-1].version, code),
        )
        if not rows:
            return None
        c, section, description, betos, tos, coverage, added, terminated = rows[0]
        return HcpcsRecord(
            str(c), str(section), str(description), str(betos), str(tos), str(coverage), _date(added), _date(terminated)
        )

    @lru_cache(maxsize=65536)  # noqa: B019
    def rbcs(self, code: str) -> RbcsRecord | None:
        """The CMS RBCS category of a CPT/HCPCS code: a public-domain way to say what a CPT number is."""
        versions = self._versions.get("rbcs")
        if not versions:
            raise CodeSetUnavailableError("RBCS", [str(self.index_path)])
        rows = self._db.query(
            "SELECT code, procedure, category, subcategory, family FROM rbcs WHERE version = ? AND code = ?",
            (versions[-1].version, code),
        )
        return RbcsRecord(*(str(v) for v in rows[0])) if rows else None

    def fee(self, code: str, date_of_service: dt.date, modifier: str = "") -> FeeScheduleRecord | None:
        """Fee schedule RVUs for the code (global row by default; ``modifier="26"`` for the professional part)."""
        return self._fee(code, modifier, self.version_on("pfs_rvu", date_of_service))

    @lru_cache(maxsize=65536)  # noqa: B019
    def _fee(self, code: str, modifier: str, version: str) -> FeeScheduleRecord | None:
        rows = self._db.query(
            "SELECT code, modifier, status_code, work_rvu, non_facility_total, facility_total, global_days,"
            " conversion_factor FROM pfs_rvu WHERE version = ? AND code = ? AND modifier = ?",
            (version, code, modifier),
        )
        if not rows:
            return None
        c, m, status, work, nonfac, fac, global_days, cf = rows[0]
        return FeeScheduleRecord(
            str(c),
            str(m),
            str(status),
            float(str(work)),
            float(str(nonfac)),
            float(str(fac)),
            str(global_days),
            float(str(cf)),
            version,
        )

    @lru_cache(maxsize=1024)  # noqa: B019
    def modifier(self, modifier: str) -> tuple[str, str, str] | None:
        """(kind, category, description) of a modifier; CPT modifiers have no description (AMA text)."""
        versions = self._versions.get("modifiers")
        if not versions:
            raise CodeSetUnavailableError("modifiers", [str(self.index_path)])
        rows = self._db.query(
            "SELECT kind, category, description FROM modifiers WHERE version = ? AND modifier = ?",
            (versions[-1].version, modifier.upper()),
        )
        return (str(rows[0][0]), str(rows[0][1]), str(rows[0][2] or "")) if rows else None


def build_cms_index(sources: list[CmsSourceFile], target: Path) -> Path:
    """Ingest the source files into a new SQLite index at ``target`` (atomic)."""
    return build_atomically(target, lambda connection: _fill_index(connection, sources))
