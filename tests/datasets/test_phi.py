"""PHI guard: planted identifiers are found by kind, clean clinical notes stay quiet, values never leak."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from typer.testing import CliRunner

from configs.phi import PhiConfigError, load_phi_config
from datasets.io import write_encounters
from datasets.phi import (
    PHI_KINDS,
    PhiScanner,
    PhiThresholdError,
    check_training_data,
    keep_person,
    phi_rate,
    scan_summary,
)
from datasets.schema import Encounter

PLANTED = {
    "person": "Maria Alvarez",
    "mrn": "00123456",
    "date": "March 14, 2021",
    "phone": "(217) 555-0142",
    "email": "maria.alvarez@example.com",
    "ssn": "536-22-1847",
    "address": "1420 Maple Grove Avenue",
    "url": "https://portal.example-health.org/records/88",
    "ip": "192.168.10.44",
}
DIRTY_NOTE = f"""PATIENT NAME: {PLANTED["person"]}    MRN: {PLANTED["mrn"]}
Date of service: {PLANTED["date"]}. Seen today with her husband for follow-up of hypertension.
SUBJECTIVE: 63-year-old woman with hypertension since 2015 reports good adherence.
She lives at {PLANTED["address"]}, Springfield, IL 62704. Phone {PLANTED["phone"]},
e-mail {PLANTED["email"]}, SSN {PLANTED["ssn"]}. Portal: {PLANTED["url"]}; device IP {PLANTED["ip"]}.
ASSESSMENT/PLAN: Essential hypertension, controlled. Continue lisinopril 10 mg daily.
"""
CLEAN_NOTE = """SUBJECTIVE: 67-year-old man with Parkinson disease diagnosed in 2010 and Crohn's disease since 2004.
A Foley catheter was placed during his admission in 2019. Homans sign negative. Babinski downgoing, Romberg
negative, Hoffmann sign absent. Strength 5/5 throughout. BP 132/84. Glasgow Coma Scale 15.
MEDICATIONS: Coumadin 5 mg daily, Sinemet 25/100 t.i.d., Tylenol p.r.n., Lasix 20 mg b.i.d.
Bell's palsy in 2015. Hodgkin lymphoma in remission since 2012. Follow up in 3 months.
ASSESSMENT: Parkinson disease, stable. PLAN: Continue Sinemet. Return to clinic in 6 weeks.
"""


@pytest.fixture(scope="module")
def scanner() -> PhiScanner:
    return PhiScanner()


def test_phi_scanner_finds_every_planted_kind(scanner: PhiScanner) -> None:
    findings = scanner.scan_text(DIRTY_NOTE)
    found = {f.kind: DIRTY_NOTE[f.start : f.end] for f in findings}
    assert set(found) == set(PHI_KINDS)
    for kind, value in PLANTED.items():
        assert value in [DIRTY_NOTE[f.start : f.end] for f in findings if f.kind == kind], kind


def test_phi_scanner_stays_quiet_on_clean_clinical_note(scanner: PhiScanner) -> None:
    assert scanner.scan_text(CLEAN_NOTE) == []


@pytest.mark.parametrize(
    "text",
    ["Diagnosed in 2019.", "BP 120/80, strength 5/5.", "Sinemet 25/100.", "Seen 3 times in 2020 and 2021."],
)
def test_phi_scanner_ignores_bare_years_and_ratios(scanner: PhiScanner, text: str) -> None:
    assert [f.kind for f in scanner.scan_text(text)] == []


@pytest.mark.parametrize(
    "text",
    ["Seen on 03/14/2021.", "Seen on 3/14/21.", "Seen on 2021-03-14.", "Seen on 14 March 2021.", "Seen in March 2021."],
)
def test_phi_scanner_flags_dates_finer_than_the_year(scanner: PhiScanner, text: str) -> None:
    assert [f.kind for f in scanner.scan_text(text)] == ["date"]


@pytest.mark.parametrize("text", ["Medical record # 4471229.", "MR#: 88-11902", "Chart number: A123456"])
def test_phi_scanner_flags_labelled_record_numbers(scanner: PhiScanner, text: str) -> None:
    assert [f.kind for f in scanner.scan_text(text)] == ["mrn"]


def test_phi_report_never_contains_identifier_values(scanner: PhiScanner) -> None:
    encounters = [Encounter(encounter_id="e1", text=DIRTY_NOTE), Encounter(encounter_id="e2", text=CLEAN_NOTE)]
    scans = list(scanner.scan_encounters(encounters))
    summary = scan_summary(scans)
    dumped = json.dumps([s.to_json_dict() for s in scans]) + json.dumps(summary.to_json_dict())
    for value in PLANTED.values():
        assert value not in dumped
    assert scans[0].counts()["person"] >= 1
    assert summary.records == 2 and summary.records_with_findings == 1 and summary.rate == 0.5


def test_phi_rate_is_share_of_records_with_findings(scanner: PhiScanner) -> None:
    encounters = [Encounter(encounter_id=str(i), text=CLEAN_NOTE) for i in range(3)]
    encounters.append(Encounter(encounter_id="dirty", text=DIRTY_NOTE))
    assert phi_rate(encounters, scanner) == 0.25
    assert phi_rate([], scanner) == 0.0


def test_check_training_data_raises_with_rate_threshold_and_override(scanner: PhiScanner) -> None:
    encounters = [Encounter(encounter_id="a", text=DIRTY_NOTE), Encounter(encounter_id="b", text=CLEAN_NOTE)]
    with pytest.raises(PhiThresholdError, match=r"PHI001 1 of 2 records \(50.0%\) .* threshold of 5.0% .*--allow-phi"):
        check_training_data(encounters, 0.05, False, scanner=scanner)


def test_check_training_data_allow_phi_warns_without_values(
    scanner: PhiScanner, caplog: pytest.LogCaptureFixture
) -> None:
    encounters = [Encounter(encounter_id="a", text=DIRTY_NOTE)]
    with caplog.at_level(logging.WARNING, logger="datasets.phi"):
        summary = check_training_data(encounters, 0.05, True, scanner=scanner)
    assert summary.rate == 1.0
    assert "--allow-phi" in caplog.text
    assert all(value not in caplog.text for value in PLANTED.values())


def test_check_training_data_passes_clean_data_with_configured_threshold(scanner: PhiScanner) -> None:
    summary = check_training_data([Encounter(encounter_id="a", text=CLEAN_NOTE)], scanner=scanner)
    assert summary.records_with_findings == 0


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("History of Parkinson disease.", False),
        ("Bell's palsy resolved.", False),
        ("Continue Lovenox daily.", False),
        ("Glasgow Coma Scale 15.", False),
        ("Bactrim DS one tablet.", False),
        ("She saw Janet Green last week.", True),
        ("Continue his Plavix.", False),
    ],
)
def test_keep_person_filters_clinical_false_positives(text: str, kept: bool) -> None:
    settings = load_phi_config()
    spans = {
        "History of Parkinson disease.": "Parkinson",
        "Bell's palsy resolved.": "Bell",
        "Continue Lovenox daily.": "Continue Lovenox",
        "Glasgow Coma Scale 15.": "Glasgow Coma Scale",
        "Bactrim DS one tablet.": "Bactrim DS",
        "She saw Janet Green last week.": "Janet Green",
        "Continue his Plavix.": "his Plavix",
    }
    start = text.index(spans[text])
    assert keep_person(text, start, start + len(spans[text]), settings) is kept


def test_phi_config_rejects_unknown_keys(tmp_path: Path) -> None:
    path = tmp_path / "phi.yaml"
    path.write_text("max_record_rate: 0.1\nmax_rate: 0.2\n")
    with pytest.raises(PhiConfigError, match=r"PHI002 .*max_rate: Extra inputs are not permitted. Allowed keys: "):
        load_phi_config(path)


def test_phi_config_default_threshold_is_five_percent() -> None:
    assert load_phi_config().max_record_rate == 0.05


def test_phi_scan_cli_prints_kinds_and_counts_only(scanner: PhiScanner, tmp_path: Path) -> None:
    from serving.cli.main import app

    source = tmp_path / "notes.jsonl"
    write_encounters(
        source, [Encounter(encounter_id="a", text=DIRTY_NOTE), Encounter(encounter_id="b", text=CLEAN_NOTE)]
    )
    out = tmp_path / "findings.jsonl"
    result = CliRunner().invoke(app, ["phi-scan", str(source), "--out", str(out), "--max-rate", "0.6"])
    assert result.exit_code == 0, result.output
    assert "records scanned: 2; records with findings: 1; findings rate: 50.0%" in result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["encounter_id"] for line in lines] == ["a", "b"]
    assert lines[1] == {"encounter_id": "b", "has_phi": False, "counts": {}, "findings": []}
    for value in PLANTED.values():
        assert value not in result.output and value not in out.read_text()
    failing = CliRunner().invoke(app, ["phi-scan", str(source), "--max-rate", "0.1"])
    assert failing.exit_code == 1
