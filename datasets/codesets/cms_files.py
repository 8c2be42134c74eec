"""The CMS source files medcode ingests: their names, columns and how each row becomes an index row.

One :class:`CmsTableSpec` per table kind. File names carry the version (``ncci_ptp_practitioner_2024-07.csv.gz``);
the version's first day is when that file came into force. Parsing fails loudly on a malformed row (file, line,
column), never skipping it. The expected layouts are documented in ``datasets/codesets/README.md``.
"""

from __future__ import annotations

import csv
import datetime as dt
import gzip
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets.codesets.errors import CodeSetFileError

Row = tuple[Any, ...]


def _iso_date(value: str) -> str | None:
    """``YYYY-MM-DD``, ``YYYYMMDD`` or the AOC file's Julian ``YYYYDDD`` to ISO; empty to None."""
    value = value.strip()
    if not value or value == "*":
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        dt.date.fromisoformat(value)
        return value
    if re.fullmatch(r"\d{8}", value):
        return dt.date(int(value[:4]), int(value[4:6]), int(value[6:])).isoformat()
    if re.fullmatch(r"\d{7}", value):
        return (dt.date(int(value[:4]), 1, 1) + dt.timedelta(days=int(value[4:]) - 1)).isoformat()
    raise ValueError(f"not a date: {value!r}")


def _float(value: str) -> float:
    return round(float(value), 4) if value.strip() else 0.0


def _code(value: str) -> str:
    code = value.strip().upper()
    if not code:
        raise ValueError("empty code")
    return code


@dataclass(frozen=True)
class CmsTableSpec:
    """One kind of CMS table: how its files are named and how a CSV row maps to an index row."""

    name: str
    title: str
    file_pattern: re.Pattern[str]
    required_columns: tuple[str, ...]
    index_columns: tuple[str, ...]
    convert: Callable[[dict[str, str]], Row]
    source: str
    indexes: tuple[tuple[str, ...], ...] = ()


def _ptp_row(r: dict[str, str]) -> Row:
    indicator = int(r["modifier_indicator"])
    if indicator not in (0, 1, 9):
        raise ValueError(f"modifier_indicator must be 0, 1 or 9, got {indicator}")
    return (_code(r["column1"]), _code(r["column2"]), indicator, _iso_date(r["deletion_date"]), r["rationale"])


def _mue_row(r: dict[str, str]) -> Row:
    return (_code(r["hcpcs_code"]), int(r["mue_units"]), int(r["mue_mai"]), r["mue_rationale"])


def _aoc_row(r: dict[str, str]) -> Row:
    return (
        int(r["edit_type"]),
        _code(r["addon_code"]),
        _code(r["primary_code"]),
        _iso_date(r["edit_effective_date"]),
        _iso_date(r["edit_deletion_date"]),
        r["special_instructions"],
    )


def _hcpcs_row(r: dict[str, str]) -> Row:
    return (
        _code(r["code"]),
        r["section"],
        r["description"],
        r["betos"],
        r["type_of_service"],
        r["coverage"],
        _iso_date(r["date_added"]),
        _iso_date(r["date_terminated"]),
    )


def _rbcs_row(r: dict[str, str]) -> Row:
    return (
        _code(r["code"]),
        r["procedure"],
        r["category"],
        r["subcategory"],
        r["family"],
        _iso_date(r["code_date_added"]),
        _iso_date(r["code_date_ended"]),
    )


def _pfs_row(r: dict[str, str]) -> Row:
    return (
        _code(r["code"]),
        r["modifier"].strip().upper(),
        r["status_code"],
        _float(r["work_rvu"]),
        _float(r["non_fac_pe_rvu"]),
        _float(r["facility_pe_rvu"]),
        _float(r["mp_rvu"]),
        _float(r["non_facility_total"]),
        _float(r["facility_total"]),
        r["glob_days"].strip(),
        r["mult_proc"],
        r["bilat_surg"],
        _float(r["conv_factor"]),
        _iso_date(r["date_start"]),
        _iso_date(r["date_end"]),
    )


def _modifier_row(r: dict[str, str]) -> Row:
    return (r["modifier"].strip().upper(), r["kind"], r["category"], r["description"])


def _pos_row(r: dict[str, str]) -> Row:
    return (r["code"].strip(), r["kind"], r["name"])


_VERSION = r"(?P<version>\d{4}(?:-\d{2})?)"
CMS_TABLES: tuple[CmsTableSpec, ...] = (
    CmsTableSpec(
        "ncci_ptp",
        "NCCI PTP edits (practitioner)",
        re.compile(rf"^ncci_ptp_practitioner_{_VERSION}\.csv(?:\.gz)?$"),
        ("column1", "column2", "modifier_indicator", "deletion_date", "rationale"),
        ("column1", "column2", "modifier_indicator", "deletion_date", "rationale"),
        _ptp_row,
        "CMS NCCI procedure-to-procedure edits, practitioner services",
        (("column1", "column2"),),
    ),
    CmsTableSpec(
        "ncci_mue",
        "NCCI medically unlikely edits (practitioner)",
        re.compile(rf"^ncci_mue_practitioner_{_VERSION}\.csv(?:\.gz)?$"),
        ("hcpcs_code", "mue_units", "mue_mai", "mue_rationale"),
        ("code", "mue_units", "mue_mai", "rationale"),
        _mue_row,
        "CMS NCCI MUE, practitioner services",
        (("code",),),
    ),
    CmsTableSpec(
        "ncci_aoc",
        "NCCI add-on code edits",
        re.compile(rf"^ncci_aoc_{_VERSION}\.csv(?:\.gz)?$"),
        ("edit_type", "addon_code", "primary_code", "edit_effective_date", "edit_deletion_date"),
        ("edit_type", "addon_code", "primary_code", "effective_date", "deletion_date", "special_instructions"),
        _aoc_row,
        "CMS NCCI add-on code edits",
        (("addon_code",),),
    ),
    CmsTableSpec(
        "hcpcs",
        "HCPCS Level II",
        re.compile(rf"^hcpcs_level2_{_VERSION}\.csv(?:\.gz)?$"),
        ("code", "section", "description", "betos", "type_of_service", "coverage", "date_added"),
        ("code", "section", "description", "betos", "type_of_service", "coverage", "date_added", "date_terminated"),
        _hcpcs_row,
        "CMS HCPCS Level II alpha-numeric file (public domain long descriptions)",
        (("code",),),
    ),
    CmsTableSpec(
        "rbcs",
        "Restructured BETOS (RBCS) categories",
        re.compile(rf"^rbcs_{_VERSION}\.csv(?:\.gz)?$"),
        ("code", "procedure", "category", "subcategory", "family"),
        ("code", "procedure", "category", "subcategory", "family", "date_added", "date_ended"),
        _rbcs_row,
        "CMS Restructured BETOS Classification System",
        (("code",),),
    ),
    CmsTableSpec(
        "pfs_rvu",
        "Physician fee schedule RVUs",
        re.compile(rf"^pfs_rvu_{_VERSION}\.csv(?:\.gz)?$"),
        ("code", "modifier", "work_rvu", "non_facility_total", "facility_total", "glob_days", "conv_factor"),
        (
            "code",
            "modifier",
            "status_code",
            "work_rvu",
            "non_fac_pe_rvu",
            "facility_pe_rvu",
            "mp_rvu",
            "non_facility_total",
            "facility_total",
            "global_days",
            "mult_proc",
            "bilat_surg",
            "conversion_factor",
            "date_start",
            "date_end",
        ),
        _pfs_row,
        "CMS Medicare physician fee schedule relative value file",
        (("code", "modifier"),),
    ),
    CmsTableSpec(
        "modifiers",
        "CPT/HCPCS modifiers",
        re.compile(rf"^modifiers_{_VERSION}\.csv(?:\.gz)?$"),
        ("modifier", "kind", "category", "description"),
        ("modifier", "kind", "category", "description"),
        _modifier_row,
        "CMS modifier list (HCPCS descriptions; CPT modifier text omitted)",
        (("modifier",),),
    ),
    CmsTableSpec(
        "place_of_service",
        "Place of service codes",
        re.compile(r"^place_of_service(?:_(?P<version>\d{4}(?:-\d{2})?))?\.csv$"),
        ("code", "kind", "name"),
        ("code", "kind", "name"),
        _pos_row,
        "CMS place of service code set",
        (("code",),),
    ),
)
SPECS_BY_NAME = {spec.name: spec for spec in CMS_TABLES}


@dataclass(frozen=True)
class CmsSourceFile:
    """A recognised source file: its table, version and the date that version came into force."""

    spec: CmsTableSpec
    path: Path
    version: str

    @property
    def effective_from(self) -> dt.date:
        if self.version == "current":  # an undated file (place of service): in force for every date
            return dt.date(1900, 1, 1)
        year, _, month = self.version.partition("-")
        return dt.date(int(year), int(month or 1), 1)


def recognise(path: Path) -> CmsSourceFile | None:
    """The table a file belongs to, from its name; None when it is not a code-set file."""
    for spec in CMS_TABLES:
        match = spec.file_pattern.match(path.name)
        if match:
            return CmsSourceFile(spec, path, match.group("version") or "current")
    return None


def read_rows(source: CmsSourceFile) -> Iterator[Row]:
    """Parse every row of a source file, raising :class:`CodeSetFileError` on the first bad one."""
    with gzip.open(source.path, "rb") if source.path.suffix == ".gz" else source.path.open("rb") as binary:
        reader = csv.DictReader(io.TextIOWrapper(binary, encoding="utf-8-sig", newline=""))
        missing = [c for c in source.spec.required_columns if c not in (reader.fieldnames or [])]
        if missing:
            raise CodeSetFileError(str(source.path), 1, missing[0], f"missing columns {missing}")
        for row in reader:
            try:
                yield source.spec.convert(row)
            except (ValueError, KeyError, TypeError) as error:
                column = _guess_column(source.spec, row, error)
                raise CodeSetFileError(str(source.path), reader.line_num, column, str(error)) from None


def _guess_column(spec: CmsTableSpec, row: dict[str, str], error: Exception) -> str:
    message = str(error)
    for column in spec.required_columns:
        value = row.get(column)
        if value is not None and value and repr(value) in message:
            return column
    return "?"
