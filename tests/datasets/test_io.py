from __future__ import annotations

import json
from pathlib import Path

import pytest

from datasets.io import BadRecordError, ReadReport, read_encounters, write_encounters
from datasets.schema import Encounter
from tests.datasets.test_schema import FULL_RECORD


def _encounters(n: int) -> list[Encounter]:
    return [Encounter.model_validate({**FULL_RECORD, "encounter_id": f"enc-{i}"}) for i in range(n)]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_writer_and_reader_round_trip_every_format(tmp_path: Path, suffix: str) -> None:
    original = _encounters(5)
    path = tmp_path / f"encounters{suffix}"
    assert write_encounters(path, original) == 5
    assert list(read_encounters(path)) == original


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_writer_streams_in_batches(tmp_path: Path, suffix: str) -> None:
    from datasets.io import EncounterWriter

    path = tmp_path / f"many{suffix}"
    with EncounterWriter(path, batch_size=7) as writer:
        writer.write_all(_encounters(30))
    assert [e.encounter_id for e in read_encounters(path, batch_size=4)] == [f"enc-{i}" for i in range(30)]


def test_jsonl_reader_reports_bad_records_with_line_numbers_and_keeps_good_ones(tmp_path: Path) -> None:
    good = json.dumps({"encounter_id": "a", "text": "note a"})
    lines = [
        good.encode(),
        b"{not json",
        json.dumps({"text": "no id"}).encode(),
        b"\xff\xfe bad bytes",
        json.dumps(["a", "list"]).encode(),
        json.dumps({"encounter_id": "b", "text": "note b", "age": "old"}).encode(),
        b"",
        json.dumps({"encounter_id": "c", "text": "note c"}).encode(),
    ]
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    report = ReadReport()
    ids = [e.encounter_id for e in read_encounters(path, report=report)]
    assert ids == ["a", "c"]
    assert report.ok == 2
    assert [bad.line for bad in report.bad] == [2, 3, 4, 5, 6]
    reasons = [bad.reason for bad in report.bad]
    assert "invalid JSON" in reasons[0]
    assert "encounter_id" in reasons[1]
    assert "UTF-8" in reasons[2]
    assert "JSON object" in reasons[3]
    assert "age" in reasons[4] and "old" not in reasons[4]


def test_reader_raises_on_first_bad_record_when_asked(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"encounter_id": "a", "text": "t"}\n{"encounter_id": ""}\n')
    with pytest.raises(BadRecordError, match=r"bad.jsonl:2"):
        list(read_encounters(path, on_error="raise"))


def test_bad_record_reason_never_quotes_note_text(tmp_path: Path) -> None:
    path = tmp_path / "phi.jsonl"
    path.write_text(json.dumps({"encounter_id": "a", "text": 123456789}) + "\n")
    report = ReadReport()
    assert list(read_encounters(path, report=report)) == []
    assert "123456789" not in report.bad[0].reason


def test_csv_reader_reports_bad_rows_and_keeps_good_ones(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text(
        "encounter_id,text,age,claim\n"
        'a,"multi\nline note",70,\n'
        "b,,40,\n"
        "c,note c,abc,\n"
        'd,note d,50,"{""lines"": [{""code"": ""99213""}]}"\n'
        "e,note e,50,{broken\n"
    )
    report = ReadReport()
    encounters = list(read_encounters(path, report=report))
    assert [e.encounter_id for e in encounters] == ["a", "d"]
    assert encounters[0].text == "multi\nline note"
    assert [bad.line for bad in report.bad] == [4, 5, 7]


def test_reader_names_unknown_suffix(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("x")
    with pytest.raises(ValueError, match="Cannot tell the format"):
        list(read_encounters(path))
