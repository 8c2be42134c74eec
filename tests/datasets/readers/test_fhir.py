"""FHIR R4 reader and Bundle writer on the synthetic fixtures in tests/fixtures/fhir."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle

from datasets.io import BadRecordError, ReadReport
from datasets.readers.fhir import AGE_EXTENSION, MEDCODE_ID_SYSTEM, encounter_to_fhir_bundle, read_fhir
from datasets.schema import Encounter

FHIR = Path(__file__).resolve().parents[2] / "fixtures" / "fhir"
ROUND_TRIP_FIELDS = (
    "encounter_id", "text", "patient_id", "date_of_service", "setting", "age", "sex", "specialty", "provider_id",
    "payer", "claim",
)  # fmt: skip


def _encounter() -> Encounter:
    return Encounter.model_validate(
        {
            "encounter_id": "synthetic/visit 42",
            "text": "SYNTHETIC TEST NOTE - not a real patient.\nKnee pain; injection of the right knee. Ünïcode ok.",
            "patient_id": "p-42",
            "date_of_service": "2025-01-15",
            "setting": "office",
            "age": 71,
            "sex": "M",
            "specialty": "Orthopedic",
            "provider_id": "dr-3",
            "payer": "Acme Health",
            "claim": {
                "lines": [
                    {"code": "99213", "modifiers": ["25"], "dx": ["M17.11", "E11.9"]},
                    {"code": "20610", "modifiers": ["RT"], "dx": ["M17.11"]},
                    {"code": "J3301", "units": 4, "dx": ["M17.11"]},
                ]
            },
        }
    )


def test_fhir_bundle_maps_encounter_patient_document_and_claim() -> None:
    encounters = {e.encounter_id: e for e in read_fhir(FHIR / "bundle.json")}
    visit = encounters["enc-1"]
    assert visit.text.startswith("SYNTHETIC TEST NOTE") and "ECG performed" in visit.text  # base64 text/plain
    assert visit.patient_id == "pat-1"  # subject given as the Patient's urn:uuid fullUrl
    assert (visit.sex, visit.age, str(visit.date_of_service)) == ("F", 65, "2024-03-12")
    assert visit.setting == "office"
    assert (visit.provider_id, visit.payer) == ("dr-7", "Medicare")
    assert visit.claim is not None
    assert [(line.code, line.modifiers, line.units, line.dx) for line in visit.claim.lines] == [
        ("99214", ["25"], 1, ["E11.9", "I10"]),
        ("93000", [], 1, ["I10"]),
    ]


def test_fhir_bundle_reads_html_and_binary_attachments() -> None:
    encounters = {e.encounter_id: e for e in read_fhir(FHIR / "bundle.json")}
    video = encounters["enc-2"]
    assert video.setting == "telehealth"
    assert video.text == (
        "SYNTHETIC TEST NOTE - not a real patient.\nVideo visit for seasonal allergic rhinitis & cough.\n"
        "Plan: intranasal steroid."
    )
    emergency = encounters["enc-3"]
    assert emergency.setting == "emergency" and "laceration" in emergency.text  # text from Binary/bin-3
    assert emergency.patient_id is None


def test_fhir_url_attachment_is_reported_not_fetched() -> None:
    report = ReadReport()
    ids = [e.encounter_id for e in read_fhir(FHIR / "bundle.json", report=report)]
    assert "enc-4" not in ids
    assert len(report.bad) == 1
    bad = report.bad[0]
    assert (bad.source, bad.line) == ("bundle.json", 1)
    assert bad.reason.startswith("DocumentReference/doc-4 content 1: attachment has only a url")
    assert "example.org" not in bad.reason


def test_fhir_ndjson_resources_are_grouped_and_bad_lines_reported() -> None:
    report = ReadReport()
    encounters = {e.encounter_id: e for e in read_fhir(FHIR / "resources.ndjson", report=report)}
    assert set(encounters) == {"enc-1", "doc-9"}
    assert encounters["enc-1"].claim is not None and len(encounters["enc-1"].claim.lines) == 2
    standalone = encounters["doc-9"]  # a DocumentReference without an encounter becomes its own encounter
    assert (standalone.patient_id, str(standalone.date_of_service), standalone.age) == ("pat-1", "2024-06-01", 65)
    reasons = {b.line: b.reason for b in report.bad}
    assert reasons[5].startswith("invalid Encounter: period.start")
    assert reasons[6].startswith("invalid JSON")
    assert "not-a-date" not in reasons[5]  # the invalid value is not quoted back


def test_fhir_ndjson_of_bundles_streams_each_bundle() -> None:
    ids = [e.encounter_id for e in read_fhir(FHIR / "bundles.ndjson")]
    assert ids == ["enc-1", "enc-2", "enc-3", "synthetic/visit 42"]


def test_fhir_raise_mode_stops_at_first_bad_record() -> None:
    with pytest.raises(BadRecordError, match=r"bundle.json:1: DocumentReference/doc-4"):
        list(read_fhir(FHIR / "bundle.json", on_error="raise"))


def test_fhir_writer_output_validates_as_r4_bundle() -> None:
    bundle = encounter_to_fhir_bundle(_encounter())
    parsed = Bundle.model_validate(bundle)
    kinds = [entry.resource.get_resource_type() for entry in parsed.entry or [] if entry.resource is not None]
    assert kinds == ["Patient", "Encounter", "DocumentReference", "Claim"]
    encounter = bundle["entry"][1]["resource"]
    assert encounter["id"] == "synthetic-visit-42"  # FHIR ids allow [A-Za-z0-9-.] only
    assert encounter["identifier"] == [{"system": MEDCODE_ID_SYSTEM, "value": "synthetic/visit 42"}]
    assert encounter["extension"][0]["url"] == AGE_EXTENSION
    data = bundle["entry"][2]["resource"]["content"][0]["attachment"]["data"]
    assert base64.b64decode(data).decode("utf-8") == _encounter().text


def test_fhir_round_trip_encounter_bundle_encounter(tmp_path: Path) -> None:
    original = _encounter()
    path = tmp_path / "one.json"
    path.write_text(json.dumps(encounter_to_fhir_bundle(original)), encoding="utf-8")
    (back,) = list(read_fhir(path))
    for name in ROUND_TRIP_FIELDS:
        assert getattr(back, name) == getattr(original, name), name


def test_fhir_round_trip_minimal_encounter(tmp_path: Path) -> None:
    original = Encounter(encounter_id="e1", text="SYNTHETIC TEST NOTE - not a real patient.")
    path = tmp_path / "one.ndjson"
    path.write_text(json.dumps(encounter_to_fhir_bundle(original)) + "\n", encoding="utf-8")
    (back,) = list(read_fhir(path))
    assert back.to_json_dict() == original.to_json_dict()


def test_fhir_claim_item_without_encounter_is_reported_when_ambiguous(tmp_path: Path) -> None:
    bundle = json.loads((FHIR / "bundle.json").read_text())
    claim = next(e["resource"] for e in bundle["entry"] if e["resource"]["resourceType"] == "Claim")
    for item in claim["item"]:
        del item["encounter"]
    path = tmp_path / "b.json"
    path.write_text(json.dumps(bundle))
    report = ReadReport()
    encounters = {e.encounter_id: e for e in read_fhir(path, report=report)}
    assert encounters["enc-1"].claim is None
    assert any("Claim/claim-1: 2 item(s) name no encounter" in b.reason for b in report.bad)
