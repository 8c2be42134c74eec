"""The leveler on unlabelled real notes: every note is levelled without error, and the report has its keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from datasets.schema import Encounter
from evaluation.em_realworld import level_report, main


def test_level_report_on_flattened_transcriptions() -> None:
    notes = [
        Encounter(
            encounter_id="n1",
            text="SUBJECTIVE:, Follow-up.,ASSESSMENT:,1.  Type II diabetes mellitus, uncontrolled.,2.  Hypertension, "
            "stable.,PLAN:,1.  Increase metformin to 1000 mg twice daily.,2.  Continue lisinopril 20 mg daily.",
        ),
        Encounter(encounter_id="n2", text="No headers at all, just a sentence."),
    ]
    report = level_report(notes, sample=2)
    assert report["n"] == 2 and report["n_errors"] == 0
    assert report["examples"][0]["em_code"] == "99214"
    assert set(report) >= {"codes", "mdm", "elements", "basis", "examples"}


def test_main_levels_the_office_notes_of_an_mtsamples_csv(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import csv
    import json

    from datasets.readers.mtsamples import MTSAMPLES_COLUMNS

    path = tmp_path / "mtsamples.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(MTSAMPLES_COLUMNS)
        soap = "SUBJECTIVE:, Follow-up.,ASSESSMENT:,1.  Hypertension, stable.,PLAN:,1.  Continue lisinopril daily."
        writer.writerow(["1", "Follow-up visit", " SOAP / Chart / Progress Notes", "Follow-up", soap, "soap"])
        writer.writerow(["2", "Knee surgery", " Orthopedic", "Arthroscopy", "PROCEDURE:, Knee arthroscopy.", "knee"])
    main(["--path", str(path), "--sample", "1"])
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 1 and report["n_errors"] == 0
    assert report["examples"][0]["encounter_id"].endswith("1")


@pytest.mark.slow
@pytest.mark.shared_data
def test_level_report_runs_on_every_mtsamples_office_note(shared_data_dir: Path) -> None:
    from datasets.readers.mtsamples import read_mtsamples

    notes = list(read_mtsamples(shared_data_dir / "mtsamples" / "mtsamples_unique.csv", office_only=True))
    report = level_report(notes, sample=0)
    assert report["n"] == len(notes) > 100
    assert report["n_errors"] == 0
