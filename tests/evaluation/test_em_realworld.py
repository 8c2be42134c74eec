"""The leveler on unlabelled real notes: every note is levelled without error, and the report has its keys."""

from __future__ import annotations

from pathlib import Path

import pytest

from datasets.schema import Encounter
from evaluation.em_realworld import level_report


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


@pytest.mark.slow
@pytest.mark.shared_data
def test_level_report_runs_on_every_mtsamples_office_note(shared_data_dir: Path) -> None:
    from datasets.readers.mtsamples import read_mtsamples

    notes = list(read_mtsamples(shared_data_dir / "mtsamples" / "mtsamples_unique.csv", office_only=True))
    report = level_report(notes, sample=0)
    assert report["n"] == len(notes) > 100
    assert report["n_errors"] == 0
