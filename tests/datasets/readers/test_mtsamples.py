"""MTSamples reader: an inline CSV for the logic, the shared file for the published counts."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from datasets.io import BadRecordError, ReadReport
from datasets.readers.errors import SourceLayoutError
from datasets.readers.mtsamples import MTSAMPLES_COLUMNS, is_office_note, read_mtsamples

ROWS = [
    ["1", "Sore throat.", " SOAP / Chart / Progress Notes ", "URI - SOAP", "SUBJECTIVE: sore throat,\nfever.", "uri"],
    ["2", "Left knee arthroscopy.", "Orthopedic", "Knee Arthroscopy", "PROCEDURE: arthroscopy.", "knee"],
    ["3", "Empty note.", "Urology", "Blank", "   ", ""],
    ["4", "Followup on hypertension.", "General Medicine", "Hypertension - Followup", "BP is controlled.", ""],
    ["5", "Follow-up CT of the chest.", "Radiology", "CT Chest - Followup", "IMPRESSION: stable nodule.", ""],
]


def _write(path: Path, rows: list[list[str]], header: tuple[str, ...] = MTSAMPLES_COLUMNS) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def test_mtsamples_maps_columns_and_keeps_extras(tmp_path: Path) -> None:
    encounters = list(read_mtsamples(_write(tmp_path / "m.csv", ROWS)))
    first = encounters[0]
    assert first.encounter_id == "mtsamples-1"
    assert first.text == "SUBJECTIVE: sore throat,\nfever."
    assert first.specialty == "SOAP / Chart / Progress Notes"
    assert first.gold is None
    assert first.model_extra == {"description": "Sore throat.", "sample_name": "URI - SOAP", "keywords": "uri"}


def test_mtsamples_reports_empty_transcription_with_line_number(tmp_path: Path) -> None:
    report = ReadReport()
    encounters = list(read_mtsamples(_write(tmp_path / "m.csv", ROWS), report=report))
    assert [e.encounter_id for e in encounters] == ["mtsamples-1", "mtsamples-2", "mtsamples-4", "mtsamples-5"]
    assert report.ok == 4
    assert len(report.bad) == 1
    # header is line 1, row 1 spans lines 2-3 (a newline inside the quoted transcription), so row 3 starts on line 5
    assert (report.bad[0].line, report.bad[0].reason) == (5, "empty transcription")


def test_mtsamples_raise_mode_stops_at_first_bad_row(tmp_path: Path) -> None:
    with pytest.raises(BadRecordError, match=r"m.csv:5: empty transcription"):
        list(read_mtsamples(_write(tmp_path / "m.csv", ROWS), on_error="raise"))


def test_mtsamples_missing_column_names_the_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "m.csv", [["1", "x"]], header=("note_id", "description"))
    with pytest.raises(SourceLayoutError, match=r"RD002 m.csv: missing column\(s\) medical_specialty"):
        list(read_mtsamples(path))


def test_mtsamples_office_filter_keeps_soap_and_followup_visits(tmp_path: Path) -> None:
    encounters = list(read_mtsamples(_write(tmp_path / "m.csv", ROWS), office_only=True))
    # SOAP specialty, and a General Medicine follow-up; not the operative note nor the follow-up CT (Radiology)
    assert [e.encounter_id for e in encounters] == ["mtsamples-1", "mtsamples-4"]


def test_is_office_note_accepts_raw_rows() -> None:
    assert is_office_note({"medical_specialty": "Office Notes", "sample_name": "Anything"})
    assert is_office_note({"medical_specialty": "Urology", "sample_name": "Prostatitis - Recheck"})
    assert not is_office_note({"medical_specialty": "Urology", "sample_name": "Cystoscopy - Followup"})
    assert not is_office_note({"medical_specialty": "Discharge Summary", "sample_name": "Followup Summary"})


@pytest.mark.shared_data
def test_mtsamples_shared_file_reads_all_unique_notes(shared_data_dir: Path) -> None:
    report = ReadReport()
    path = shared_data_dir / "mtsamples" / "mtsamples_unique.csv"
    if not path.is_file():
        pytest.skip("mtsamples_unique.csv is not in the shared data folder")
    encounters = list(read_mtsamples(path, report=report))
    assert len(encounters) == 2357
    assert report.bad == []
    assert len({e.encounter_id for e in encounters}) == 2357
    office = [e for e in encounters if is_office_note(e)]
    assert 192 <= len(office) <= 260  # 150 SOAP + 42 Office Notes, plus follow-up visits of other specialties
