"""Versioning, refresh and the behaviour without CMS tables, on small tables built in a temporary folder."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from datasets.codesets import CodeSetFileError, CodeSets, CodeSetUnavailableError, UnknownTableError, refresh_from

MUE_HEADER = "hcpcs_code,mue_units,mue_mai,mue_rationale\n"


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text)
    return path


def test_registry_without_cms_tables_still_serves_icd_and_hcc(tmp_path: Path, codesets: CodeSets) -> None:
    bare = CodeSets(codesets.cache_dir, [tmp_path / "nothing-here"])
    assert bare.icd10cm.is_billable("E11.9")
    assert bare.hcc("V28").hccs_for("E11.9") == ["HCC38"]
    assert not bare.has_cms
    with pytest.raises(CodeSetUnavailableError, match=r"CS002 .*nothing-here.*medcode codesets refresh"):
        _ = bare.cms
    assert next(row.name for row in bare.info()) == "ICD-10-CM"


def test_registry_picks_the_table_version_in_force_on_the_date_of_service(tmp_path: Path, codesets: CodeSets) -> None:
    source = tmp_path / "src"
    _write(source, "ncci_mue_practitioner_2024-07.csv", MUE_HEADER + "20610,2,2,Anatomic\n")
    _write(source, "ncci_mue_practitioner_2025-01.csv", MUE_HEADER + "20610,3,2,Anatomic\n")
    tables = CodeSets(tmp_path / "cache", [source]).cms
    units = {day: tables.mue("20610", day).max_units for day in (dt.date(2024, 9, 1), dt.date(2025, 2, 1))}  # type: ignore[union-attr]
    assert units == {dt.date(2024, 9, 1): 2, dt.date(2025, 2, 1): 3}
    assert tables.mue("20610", dt.date(2023, 1, 1)).version == "2024-07"  # type: ignore[union-attr]


def test_refresh_ingests_a_newer_file_and_rebuilds(tmp_path: Path) -> None:
    source, newer = tmp_path / "src", tmp_path / "newer"
    _write(source, "ncci_mue_practitioner_2024-07.csv", MUE_HEADER + "99214,2,3,Clinical: Data\n")
    _write(newer, "ncci_mue_practitioner_2025-04.csv", MUE_HEADER + "99214,1,3,Clinical: Data\n")
    managed = tmp_path / "cache" / "refreshed"
    registry = CodeSets(tmp_path / "cache", [source, managed])
    assert registry.cms.mue("99214", dt.date(2025, 5, 1)).max_units == 2  # type: ignore[union-attr]
    ingested = refresh_from(newer, registry, managed)
    assert [(s.spec.name, s.version) for s in ingested] == [("ncci_mue", "2025-04")]
    assert registry.cms.mue("99214", dt.date(2025, 5, 1)).max_units == 1  # type: ignore[union-attr]
    assert registry.cms.mue("99214", dt.date(2024, 8, 1)).max_units == 2  # type: ignore[union-attr]


def test_refresh_refuses_a_malformed_file_naming_line_and_column(tmp_path: Path, codesets: CodeSets) -> None:
    bad = tmp_path / "bad"
    _write(bad, "ncci_mue_practitioner_2025-04.csv", MUE_HEADER + "99214,2,3,ok\n99215,two,3,ok\n")
    managed = tmp_path / "managed"
    with pytest.raises(CodeSetFileError, match=r"CS003 .*ncci_mue_practitioner_2025-04.csv:3 column 'mue_units'"):
        refresh_from(bad, CodeSets(tmp_path / "cache", [managed]), managed)
    assert not managed.exists()


def test_refresh_refuses_files_it_does_not_know(tmp_path: Path) -> None:
    _write(tmp_path / "odd", "ptp_edits.txt", "x\n")
    with pytest.raises(UnknownTableError, match="CS004"):
        refresh_from(tmp_path / "odd", CodeSets(tmp_path / "cache", []), tmp_path / "managed")


def test_registry_info_lists_every_shared_table(cms: object, codesets: CodeSets) -> None:
    names = {row.name for row in codesets.info()}
    assert {
        "ICD-10-CM",
        "CMS-HCC V24",
        "CMS-HCC V28",
        "NCCI PTP edits (practitioner)",
        "NCCI medically unlikely edits (practitioner)",
        "NCCI add-on code edits",
        "HCPCS Level II",
        "Restructured BETOS (RBCS) categories",
        "Physician fee schedule RVUs",
    } <= names
    ptp = next(row for row in codesets.info() if row.name.startswith("NCCI PTP"))
    assert ptp.rows == 2_546_017
