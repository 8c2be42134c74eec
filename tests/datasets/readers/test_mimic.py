"""MIMIC-IV and MIMIC-III readers on the synthetic fixtures in tests/fixtures (published column layouts)."""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

import pytest

from datasets.io import ReadReport
from datasets.readers.errors import SourceFileNotFoundError, SourceRowError
from datasets.readers.mimic import (
    MimicIiiFiles,
    MimicIvFiles,
    format_icd9cm,
    format_icd9pcs,
    read_mimic_iii,
    read_mimic_iv,
)

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


def test_mimic_iv_joins_icd10_codes_in_seq_order() -> None:
    report = ReadReport()
    encounters = {e.encounter_id: e for e in read_mimic_iv(MimicIvFiles.find(FIXTURES / "mimic_iv"), report=report)}
    first = encounters["mimic-iv-10000001-DS-1"]
    assert first.gold is not None
    assert first.gold.icd10cm == ["J18.9", "E11.9", "I10"]  # seq_num 1, 2, 3; the repeated E119 dropped
    assert first.patient_id == "10000001"
    assert str(first.date_of_service) == "2180-05-07"
    assert first.setting == "inpatient"
    assert (first.model_extra or {})["hadm_id"] == "20000001"
    assert '"worse at night"' in first.text  # quoted CSV field with doubled quotes and newlines


def test_mimic_iv_keeps_icd10pcs_and_drops_icd9_rows() -> None:
    encounters = {e.encounter_id: e for e in read_mimic_iv(MimicIvFiles.find(FIXTURES / "mimic_iv"))}
    knee = encounters["mimic-iv-10000004-DS-4"]
    assert (knee.model_extra or {})["icd10pcs"] == ["0SRC0JZ"]
    icd9_admission = encounters["mimic-iv-10000002-DS-2"]
    assert icd9_admission.gold is not None and icd9_admission.gold.icd10cm == []
    assert "icd10pcs" not in (icd9_admission.model_extra or {})


def test_mimic_iv_icd10_only_leaves_out_icd9_admissions() -> None:
    ids = [e.encounter_id for e in read_mimic_iv(MimicIvFiles.find(FIXTURES / "mimic_iv"), icd10_only=True)]
    assert ids == ["mimic-iv-10000001-DS-1", "mimic-iv-10000004-DS-4"]


def test_mimic_iv_reports_empty_note_by_line() -> None:
    report = ReadReport()
    list(read_mimic_iv(MimicIvFiles.find(FIXTURES / "mimic_iv"), report=report))
    assert report.ok == 3
    assert [(b.source, b.line, b.reason) for b in report.bad] == [("discharge.csv", 11, "empty text")]


def test_mimic_iv_reads_gzipped_files(tmp_path: Path) -> None:
    for relative in ("note/discharge.csv", "hosp/diagnoses_icd.csv"):
        target = tmp_path / f"{relative}.gz"
        target.parent.mkdir(parents=True, exist_ok=True)
        with (FIXTURES / "mimic_iv" / relative).open("rb") as source, gzip.open(target, "wb") as sink:
            shutil.copyfileobj(source, sink)
    files = MimicIvFiles.find(tmp_path)
    assert files.notes.name == "discharge.csv.gz" and files.procedures is None
    assert len(list(read_mimic_iv(files))) == 3


def test_mimic_iv_missing_files_lists_every_location(tmp_path: Path) -> None:
    with pytest.raises(SourceFileNotFoundError, match=r"RD001 The MIMIC-IV-Note file not found .*note/discharge.csv"):
        MimicIvFiles.find(tmp_path)


def test_mimic_iv_malformed_code_row_names_file_line_and_column(tmp_path: Path) -> None:
    diagnoses = tmp_path / "diagnoses_icd.csv"
    diagnoses.write_text("subject_id,hadm_id,seq_num,icd_code,icd_version\n1,2,1,E119,10\n1,2,x,I10,10\n")
    files = MimicIvFiles(FIXTURES / "mimic_iv" / "note" / "discharge.csv", diagnoses)
    with pytest.raises(SourceRowError, match=r"RD003 diagnoses_icd.csv:3 column 'seq_num': not an integer"):
        list(read_mimic_iv(files))


def test_mimic_iii_puts_icd9_codes_in_extra_keys_and_leaves_icd10_empty() -> None:
    report = ReadReport()
    encounters = list(read_mimic_iii(MimicIiiFiles.find(FIXTURES / "mimic_iii"), report=report))
    # ROW_ID 102 is Radiology (not a discharge summary), 103 is ISERROR=1, 105 has no text
    assert [e.encounter_id for e in encounters] == ["mimic-iii-101", "mimic-iii-104"]
    first = encounters[0]
    assert first.gold is not None and first.gold.icd10cm == []
    extra = first.model_extra or {}
    assert extra["icd9cm"] == ["428.0", "427.31", "250.60"]
    assert extra["icd9pcs"] == ["38.93"]
    assert (encounters[1].model_extra or {})["icd9cm"] == ["813.00", "E881.0", "V15.82"]
    assert [(b.line, b.reason) for b in report.bad] == [(12, "empty TEXT")]


def test_mimic_iii_category_filter_none_keeps_all_categories() -> None:
    ids = [e.encounter_id for e in read_mimic_iii(MimicIiiFiles.find(FIXTURES / "mimic_iii"), categories=None)]
    assert ids == ["mimic-iii-101", "mimic-iii-102", "mimic-iii-104"]


@pytest.mark.parametrize(
    ("raw", "dotted"), [("4019", "401.9"), ("V1582", "V15.82"), ("E8790", "E879.0"), ("250", "250"), ("0389", "038.9")]
)
def test_format_icd9cm_places_the_dot(raw: str, dotted: str) -> None:
    assert format_icd9cm(raw) == dotted


def test_format_icd9_rejects_malformed_codes() -> None:
    with pytest.raises(ValueError, match="ICD-9-CM diagnosis"):
        format_icd9cm("J189")
    assert format_icd9pcs("3893") == "38.93"
