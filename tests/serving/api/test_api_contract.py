"""API contract: routes, shapes, routing to the review queue, decisions, roles, limits and the access log."""

from __future__ import annotations

import base64
import logging
import re
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from serving.db.tables import AccessLogEntry, Decision, EncounterRecord, ReviewItem
from tests.serving.api.conftest import Service, encounter, running_service

NOTE = encounter()["text"]


def test_health_is_live_and_ready_names_the_bundle(service: Service) -> None:
    assert service.client.get("/health").json()["status"] == "ok"
    ready = service.client.get("/ready")
    assert ready.status_code == 200
    assert ready.json()["ready"] is True
    assert ready.json()["bundles"]["ICD10CM"].startswith("tiny-icd10-")


def test_openapi_lists_the_versioned_routes(service: Service) -> None:
    paths = service.client.get("/api/v1/openapi.json").json()["paths"]
    for path in (
        "/api/v1/suggest",
        "/api/v1/suggest/fhir",
        "/api/v1/audit",
        "/api/v1/hcc/gaps",
        "/api/v1/batch",
        "/api/v1/review-queue",
        "/api/v1/review-queue/{item_id}",
        "/api/v1/review-queue/{item_id}/decisions",
        "/api/v1/keys",
        "/health",
        "/ready",
    ):
        assert path in paths, path


def test_suggest_returns_ranked_codes_with_confidence_evidence_and_tier(service: Service) -> None:
    response = service.client.post("/api/v1/suggest", json=encounter("contract-1"), headers=service.headers("coder"))
    assert response.status_code == 200, response.text
    body = response.json()
    codes = [s["code"] for s in body["suggestions"] if s["system"] == "ICD10CM"]
    assert codes[:2] == sorted(codes[:2], key=lambda c: codes.index(c))
    assert {"E11.9", "I10"} <= set(codes)
    for suggestion in body["suggestions"]:
        assert 0.0 <= suggestion["confidence"] <= 1.0
        assert suggestion["tier"] in ("auto", "review")
        for span in suggestion["evidence"]:
            assert 0 <= span["start"] < span["end"] <= len(NOTE)
    diabetes = next(s for s in body["suggestions"] if s["code"] == "E11.9")
    quoted = " ".join(NOTE[e["start"] : e["end"]].lower() for e in diabetes["evidence"])
    assert "diabetes" in quoted or "type" in quoted
    assert diabetes["title"].startswith("Type 2 diabetes mellitus")
    # the note lists the diabetes without monitoring, evaluating, assessing or treating it: no HCC
    assert not any(s["system"] == "HCC" for s in body["suggestions"])


def test_suggest_gives_an_hcc_only_with_meat_evidence(service: Service) -> None:
    text = (
        "Patient seen for follow up of diabetes.\nAssessment and plan:\n1. Type 2 diabetes mellitus, stable; A1c "
        "reviewed today; continue metformin."
    )
    record = encounter("contract-meat", text=text)
    body = service.client.post("/api/v1/suggest", json=record, headers=service.headers("coder")).json()
    hcc = next(s for s in body["suggestions"] if s["system"] == "HCC" and s["code"] == "HCC38")
    quoted = {text[e["start"] : e["end"]].lower() for e in hcc["evidence"]}
    assert quoted & {"stable", "reviewed", "a1c", "continue metformin", "metformin", "continue"}, quoted


def test_suggest_parses_the_note_once(service: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """The E/M pipeline, the service detector and the HCC MEAT finder read one parsed document."""
    from models.clinical.document import ClinicalDocument

    parsed: list[str] = []
    parse = ClinicalDocument.__init__

    def counting(doc: ClinicalDocument, text: str, context: dict | None = None) -> None:
        parsed.append(text)
        parse(doc, text, context)

    monkeypatch.setattr(ClinicalDocument, "__init__", counting)
    text = "Assessment and plan:\n1. Type 2 diabetes mellitus, stable; A1c reviewed today; continue metformin."
    body = service.client.post(
        "/api/v1/suggest", json=encounter("contract-once", text=text), headers=service.headers("coder")
    ).json()
    assert {"EM", "HCC"} <= {s["system"] for s in body["suggestions"]}
    assert parsed == [text]


def test_suggest_routes_low_confidence_to_a_review_item(service: Service) -> None:
    body = service.client.post(
        "/api/v1/suggest", json=encounter("contract-route"), headers=service.headers("coder")
    ).json()
    assert body["routing"] == "review"  # the tiny model always has some low-confidence codes
    item = service.client.get(f"/api/v1/review-queue/{body['review_item_id']}", headers=service.headers("coder"))
    assert item.status_code == 200
    detail = item.json()
    assert detail["text"] == NOTE
    statuses = {s["code"]: s["status"] for s in detail["suggestions"]}
    for s in body["suggestions"]:
        if s["system"] == "ICD10CM":
            assert statuses[s["code"]] == ("auto_accepted" if s["tier"] == "auto" else "pending")


def test_suggest_all_auto_encounter_is_not_queued_unless_sampled(tiny_bundle: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with running_service(url, tiny_bundle, auto_threshold=0.0, qa_sample_rate=0.0) as running:
        body = running.client.post("/api/v1/suggest", json=encounter("auto-1"), headers=running.headers("coder")).json()
        assert (body["routing"], body["review_item_id"]) == ("auto", None)
    with running_service(
        f"sqlite:///{tmp_path / 'db2.sqlite'}", tiny_bundle, auto_threshold=0.0, qa_sample_rate=1.0
    ) as running:
        body = running.client.post("/api/v1/suggest", json=encounter("auto-2"), headers=running.headers("coder")).json()
        assert body["routing"] == "qa_sample"
        item = running.client.get(f"/api/v1/review-queue/{body['review_item_id']}", headers=running.headers("coder"))
        assert item.json()["reason"] == "qa_sample"
        assert {s["status"] for s in item.json()["suggestions"]} == {"pending"}


def _new_item(service: Service, encounter_id: str) -> dict:
    body = service.client.post("/api/v1/suggest", json=encounter(encounter_id), headers=service.headers("coder")).json()
    return service.client.get(f"/api/v1/review-queue/{body['review_item_id']}", headers=service.headers("coder")).json()


def test_review_decisions_are_stored_with_user_time_and_reason(service: Service) -> None:
    item = _new_item(service, "contract-decide")
    first, second, third = item["suggestions"][:3]
    response = service.client.post(
        f"/api/v1/review-queue/{item['id']}/decisions",
        json={
            "decisions": [
                {"suggestion_id": first["id"], "action": "accept"},
                {"suggestion_id": second["id"], "action": "reject", "reason": "not documented"},
                {"suggestion_id": third["id"], "action": "edit", "code": "e11.65", "reason": "more specific"},
                {"action": "add", "code": "I10", "reason": "missed"},
            ]
        },
        headers=service.headers("coder"),
    )
    assert response.status_code == 200, response.text
    detail = service.client.get(f"/api/v1/review-queue/{item['id']}", headers=service.headers("coder")).json()
    by_id = {s["id"]: s for s in detail["suggestions"]}
    assert by_id[first["id"]]["status"] == "accepted"
    assert by_id[second["id"]]["status"] == "rejected" and by_id[second["id"]]["final_code"] is None
    assert by_id[third["id"]]["final_code"] == "E11.65"
    assert any(s["status"] == "added" and s["final_code"] == "I10" for s in detail["suggestions"])
    decisions = detail["decisions"]
    assert [d["action"] for d in decisions] == ["accept", "reject", "edit", "add"]
    assert {d["user"] for d in decisions} == {"test-coder"}
    assert decisions[1]["reason"] == "not documented"
    assert all(d["created_at"] for d in decisions)


def test_review_item_resolves_when_nothing_is_pending(service: Service) -> None:
    item = _new_item(service, "contract-resolve")
    decisions = [
        {"suggestion_id": s["id"], "action": "accept"} for s in item["suggestions"] if s["status"] == "pending"
    ]
    response = service.client.post(
        f"/api/v1/review-queue/{item['id']}/decisions", json={"decisions": decisions}, headers=service.headers("coder")
    )
    assert response.json()["status"] == "resolved"
    listed = service.client.get("/api/v1/review-queue?status=resolved", headers=service.headers("coder")).json()
    assert item["id"] in [i["id"] for i in listed["data"]]


def test_review_edit_and_reject_need_a_reason_and_edit_a_code(service: Service) -> None:
    item = _new_item(service, "contract-reason")
    sid = item["suggestions"][0]["id"]
    url = f"/api/v1/review-queue/{item['id']}/decisions"
    for decision in (
        {"suggestion_id": sid, "action": "reject"},
        {"suggestion_id": sid, "action": "edit", "reason": "x"},
    ):
        response = service.client.post(url, json={"decisions": [decision]}, headers=service.headers("coder"))
        assert response.status_code == 422
        assert response.json()["code"] == "API018"
    unknown = {"suggestion_id": sid, "action": "edit", "code": "Z99.999", "reason": "typo"}
    response = service.client.post(url, json={"decisions": [unknown]}, headers=service.headers("coder"))
    assert response.json()["code"] == "API010"


def test_review_item_claimed_by_another_coder_is_forbidden(service: Service) -> None:
    item = _new_item(service, "contract-claim")
    claimed = service.client.post(f"/api/v1/review-queue/{item['id']}/claim", headers=service.headers("coder"))
    assert claimed.json()["assignee"] == "test-coder"
    other = service.client.get(f"/api/v1/review-queue/{item['id']}", headers=service.headers("coder2"))
    assert other.status_code == 403
    assert other.json()["detail"] == "Not enough permissions"


def test_review_item_missing_is_404(service: Service) -> None:
    response = service.client.get("/api/v1/review-queue/999999", headers=service.headers("coder"))
    assert response.status_code == 404
    assert response.json() == {"detail": "Review item not found", "code": "API004"}


def test_resuggesting_an_encounter_supersedes_its_open_item(service: Service) -> None:
    first = _new_item(service, "contract-again")
    service.client.post("/api/v1/suggest", json=encounter("contract-again"), headers=service.headers("coder"))
    old = service.client.get(f"/api/v1/review-queue/{first['id']}", headers=service.headers("coder")).json()
    assert old["status"] == "superseded"
    response = service.client.post(
        f"/api/v1/review-queue/{first['id']}/decisions",
        json={"decisions": [{"suggestion_id": first["suggestions"][0]["id"], "action": "accept"}]},
        headers=service.headers("coder"),
    )
    assert response.status_code == 409


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("post", "/api/v1/suggest", {"coder", "admin"}),
        ("post", "/api/v1/audit", {"compliance", "admin"}),
        ("post", "/api/v1/hcc/gaps", {"compliance", "admin"}),
        ("get", "/api/v1/review-queue", {"coder", "admin"}),
        ("get", "/api/v1/keys", {"admin"}),
        ("get", "/api/v1/access-log", {"compliance", "admin"}),
    ],
)
def test_roles_401_without_credentials_and_403_for_the_wrong_role(
    service: Service, method: str, path: str, allowed: set[str]
) -> None:
    call = getattr(service.client, method)
    kwargs = {"json": encounter("roles")} if method == "post" else {}
    anonymous = call(path, **kwargs)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == "API001"
    assert call(path, headers={"X-API-Key": "mc_wrong"}, **kwargs).status_code == 401
    for role in ("coder", "compliance", "admin"):
        status = call(path, headers=service.headers(role), **kwargs).status_code
        assert (status != 403) == (role in allowed), (role, status)


def test_bearer_token_from_key_exchange_authenticates(service: Service) -> None:
    token = service.client.post("/api/v1/auth/token", json={"api_key": service.keys["compliance"]}).json()
    assert token["token_type"] == "bearer" and token["role"] == "compliance"
    me = service.client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token['access_token']}"})
    assert me.json() == {"name": "test-compliance", "role": "compliance"}
    assert service.client.get("/api/v1/auth/me", headers={"Authorization": "Bearer forged.token"}).status_code == 401


def test_admin_creates_and_revokes_keys(service: Service) -> None:
    created = service.client.post(
        "/api/v1/keys", json={"name": "bob", "role": "coder"}, headers=service.headers("admin")
    )
    assert created.status_code == 201
    key = created.json()["key"]
    assert service.client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 200
    listed = service.client.get("/api/v1/keys", headers=service.headers("admin")).json()
    assert all("key" not in k and "key_hash" not in k for k in listed["data"])
    service.client.delete(f"/api/v1/keys/{created.json()['id']}", headers=service.headers("admin"))
    assert service.client.get("/api/v1/auth/me", headers={"X-API-Key": key}).status_code == 401


def test_audit_flags_an_unsupported_diagnosis_and_an_hcc_gap(service: Service) -> None:
    record = encounter(
        "contract-audit",
        text="Assessment: congestive heart failure with edema. Vital signs reviewed.",
        claim={"lines": [{"code": "99213", "dx": ["J45.909"]}]},
    )
    body = service.client.post("/api/v1/audit", json=record, headers=service.headers("compliance")).json()
    kinds = {(f["type"], f.get("icd10cm") or f.get("hcc")) for f in body["flags"]}
    assert ("unsupported_diagnosis", "J45.909") in kinds
    assert ("hcc_gap", "I50.9") in kinds
    assert body["checks"] and 0.0 <= (body["risk_score"] or 0.0) <= 1.0
    for flag in body["flags"]:
        assert flag["severity"] in ("compliance", "revenue", "denial")
        for span in flag["evidence"]:
            assert set(span) == {"start", "end"}, "note evidence is returned as offsets only"


def test_audit_without_a_claim_is_422(service: Service) -> None:
    record = encounter("contract-noclaim")
    record.pop("claim")
    response = service.client.post("/api/v1/audit", json=record, headers=service.headers("compliance"))
    assert (response.status_code, response.json()["code"]) == (422, "API011")


def test_audit_without_the_audit_engine_is_503_not_a_second_implementation(tiny_bundle: Path, tmp_path: Path) -> None:
    with running_service(f"sqlite:///{tmp_path / 'db.sqlite'}", tiny_bundle, use_audit_engine=False) as running:
        record = encounter("no-engine", claim={"lines": [{"code": "99213", "dx": ["I10"]}]})
        response = running.client.post("/api/v1/audit", json=record, headers=running.headers("compliance"))
        assert (response.status_code, response.json()["code"]) == (503, "API024")


def test_hcc_gaps_find_documented_and_recapture_gaps(service: Service) -> None:
    record = encounter(
        "contract-hcc",
        text="Assessment: chronic kidney disease stage 3. Vital signs reviewed.",
        claim={"lines": [{"code": "99213", "dx": ["E11.9"]}]},
        history=[{"date_of_service": "2025-06-01", "claim": {"lines": [{"code": "99214", "dx": ["I50.9"]}]}}],
    )
    body = service.client.post("/api/v1/hcc/gaps", json=record, headers=service.headers("compliance")).json()
    gaps = {(g["hcc"], g["kind"]) for g in body["gaps"]}
    assert ("HCC329", "documented_not_billed") in gaps
    assert ("HCC226", "recapture") in gaps
    assert body["billed"] == ["HCC38"]
    assert body["raf_delta"] is None  # no age or sex on the record


def test_hcc_gaps_price_the_gaps_and_respect_hierarchies(service: Service) -> None:
    record = encounter(
        "contract-hcc-raf",
        text="Assessment: chronic kidney disease stage 4, labs reviewed. Vital signs reviewed.",
        claim={"lines": [{"code": "99213", "dx": ["N18.4"]}]},
        history=[{"date_of_service": "2025-06-01", "claim": {"lines": [{"code": "99214", "dx": ["N18.32", "I50.9"]}]}}],
        age=74,
        sex="F",
    )
    body = service.client.post("/api/v1/hcc/gaps", json=record, headers=service.headers("compliance")).json()
    gaps = {g["hcc"]: g for g in body["gaps"]}
    assert "HCC328" not in gaps  # CKD 3b is outranked by the CKD 4 billed this year
    assert gaps["HCC226"]["kind"] == "recapture" and gaps["HCC226"]["last_coded_year"] == 2025
    assert body["raf_delta"] > 0
    assert body["raf_if_closed"] == pytest.approx(body["raf_current"] + body["raf_delta"], abs=1e-3)


def _fhir_bundle(note: str) -> dict:
    data = base64.b64encode(note.encode("utf-8")).decode("ascii")
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"resource": {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1950-02-01"}},
            {
                "resource": {
                    "resourceType": "Encounter",
                    "id": "fhir-enc-1",
                    "status": "finished",
                    "class": {"code": "AMB"},
                    "period": {"start": "2026-03-02"},
                }
            },
            {
                "resource": {
                    "resourceType": "DocumentReference",
                    "id": "d1",
                    "status": "current",
                    "content": [{"attachment": {"contentType": "text/plain", "data": data}}],
                }
            },
            {
                "resource": {
                    "resourceType": "Claim",
                    "id": "c1",
                    "diagnosis": [{"sequence": 1, "diagnosisCodeableConcept": {"coding": [{"code": "E11.9"}]}}],
                    "item": [
                        {"sequence": 1, "productOrService": {"coding": [{"code": "99213"}]}, "diagnosisSequence": [1]}
                    ],
                }
            },
        ],
    }


def test_suggest_accepts_a_fhir_bundle(service: Service) -> None:
    response = service.client.post("/api/v1/suggest/fhir", json=_fhir_bundle(NOTE), headers=service.headers("coder"))
    assert response.status_code == 200, response.text
    assert response.json()["encounter_id"] == "fhir-enc-1"
    assert "E11.9" in [s["code"] for s in response.json()["suggestions"]]


def test_fhir_bundle_without_a_note_is_422_without_values(service: Service) -> None:
    bundle = _fhir_bundle(NOTE)
    bundle["entry"] = [e for e in bundle["entry"] if e["resource"]["resourceType"] != "DocumentReference"]
    response = service.client.post("/api/v1/suggest/fhir", json=bundle, headers=service.headers("coder"))
    assert response.status_code == 422
    assert response.json()["code"] == "API017"
    assert "fhir-enc-1" not in response.text


def test_fhir_bundle_written_by_the_reader_round_trips(service: Service) -> None:
    fhir = pytest.importorskip("datasets.readers.fhir")
    from datasets.schema import Encounter

    bundle = fhir.encounter_to_fhir_bundle(Encounter.model_validate(encounter("fhir-roundtrip")))
    response = service.client.post("/api/v1/suggest/fhir", json=bundle, headers=service.headers("coder"))
    assert response.status_code == 200, response.text
    assert response.json()["encounter_id"] == "fhir-roundtrip"


def test_batch_runs_each_encounter_and_reports_bad_ones(service: Service) -> None:
    batch = {"mode": "suggest", "encounters": [encounter("batch-1"), {"encounter_id": "batch-2"}, encounter("batch-3")]}
    body = service.client.post("/api/v1/batch", json=batch, headers=service.headers("coder")).json()
    assert (body["count"], body["n_ok"]) == (3, 2)
    assert body["results"][1]["error"]["code"] == "API008"
    assert body["results"][2]["suggest"]["encounter_id"] == "batch-3"


def test_batch_over_the_limit_is_413(service: Service) -> None:
    batch = {"mode": "suggest", "encounters": [encounter(f"b{i}") for i in range(service.settings.max_batch + 1)]}
    response = service.client.post("/api/v1/batch", json=batch, headers=service.headers("coder"))
    assert (response.status_code, response.json()["code"]) == (413, "API012")


def test_batch_audit_needs_the_compliance_role(service: Service) -> None:
    batch = {"mode": "audit", "encounters": [encounter("batch-a")]}
    assert service.client.post("/api/v1/batch", json=batch, headers=service.headers("coder")).status_code == 403
    assert service.client.post("/api/v1/batch", json=batch, headers=service.headers("compliance")).status_code == 200


def test_access_log_records_who_touched_which_encounter(service: Service) -> None:
    service.client.post("/api/v1/suggest", json=encounter("contract-log"), headers=service.headers("coder"))
    page = service.client.get(
        "/api/v1/access-log?encounter_id=contract-log", headers=service.headers("compliance")
    ).json()
    assert page["data"][0]["user"] == "test-coder"
    assert page["data"][0]["action"] == "suggest"


def test_access_log_refuses_update_and_delete(service: Service) -> None:
    for statement in ("UPDATE access_log SET user = 'x'", "DELETE FROM access_log"):
        with pytest.raises((IntegrityError, DBAPIError)), service.database.writer() as session:
            session.execute(text(statement))
    with service.database.session() as session:
        assert session.scalars(select(AccessLogEntry)).first() is not None


def test_rate_limit_answers_429_with_retry_after(tiny_bundle: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    with running_service(url, tiny_bundle, rate_limit_per_minute=1, rate_limit_burst=3) as running:
        statuses = [
            running.client.get("/api/v1/auth/me", headers=running.headers("coder")).status_code for _ in range(5)
        ]
        assert statuses[:3] == [200, 200, 200]
        last = running.client.get("/api/v1/auth/me", headers=running.headers("coder"))
        assert last.status_code == 429 and last.json()["code"] == "API013"
        assert int(last.headers["Retry-After"]) >= 1
        assert running.client.get("/api/v1/auth/me", headers=running.headers("admin")).status_code == 200


def test_no_bundle_means_not_ready_and_suggest_503(tmp_path: Path) -> None:
    with running_service(f"sqlite:///{tmp_path / 'db.sqlite'}", None) as running:
        ready = running.client.get("/ready")
        assert ready.status_code == 503 and ready.json()["ready"] is False
        response = running.client.post("/api/v1/suggest", json=encounter(), headers=running.headers("coder"))
        assert response.status_code == 503
        assert response.json()["code"] == "API015"
        assert "MEDCODE_ICD_BUNDLE" in response.json()["detail"]


def test_a_bad_bundle_stops_the_start_up(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "manifest.json").write_text('{"format": "unknown.v9", "bundle_id": "x"}')
    from serving.engine import BundleLoadError

    with pytest.raises(BundleLoadError, match="BND-S06"), running_service(f"sqlite:///{tmp_path / 'db'}", folder):
        pass


def test_metrics_expose_request_counts_by_route_template(service: Service) -> None:
    service.client.get("/api/v1/review-queue/424242", headers=service.headers("coder"))
    metrics = service.client.get("/metrics").text
    assert 'route="/api/v1/review-queue/{item_id}"' in metrics
    # The item id must not become a label value (unbounded cardinality); a sample value may contain its digits.
    assert not re.search(r'="[^"]*424242[^"]*"', metrics)
    assert "medcode_ready 1.0" in metrics


def test_note_text_never_reaches_logs_or_error_bodies(service: Service, caplog: pytest.LogCaptureFixture) -> None:
    secret = "Zebulon Quixote-Marchbanks"
    caplog.set_level(logging.DEBUG)
    record = encounter("contract-phi", text=f"{secret} has type 2 diabetes mellitus.")
    record["claim"] = {"lines": [{"code": "99213", "dx": ["Q99.999"]}]}
    bad = service.client.post("/api/v1/suggest", json=record, headers=service.headers("coder"))
    wrong_type = service.client.post(
        "/api/v1/suggest",
        json={"encounter_id": secret, "text": secret, "age": secret},
        headers=service.headers("coder"),
    )
    ok = service.client.post(
        "/api/v1/suggest", json=encounter("phi-ok", text=f"{secret} diabetes"), headers=service.headers("coder")
    )
    assert ok.status_code == 200
    assert secret not in bad.text and secret not in wrong_type.text
    assert secret not in caplog.text


def test_stored_encounters_keep_no_labels(service: Service) -> None:
    record = encounter("contract-labels", gold={"icd10cm": ["E11.9"]})
    service.client.post("/api/v1/suggest", json=record, headers=service.headers("coder"))
    with service.database.session() as session:
        row = session.scalars(select(EncounterRecord).where(EncounterRecord.encounter_id == "contract-labels")).one()
        assert "gold" not in row.context and "text" not in row.context


def test_decision_rows_match_the_api(service: Service) -> None:
    with service.database.session() as session:
        assert session.scalar(select(Decision).limit(1)) is not None
        assert session.scalar(select(ReviewItem).limit(1)) is not None


def test_bundle_loads_from_an_mlflow_artifact_uri(tiny_bundle: Path) -> None:
    from serving.engine import load_component

    component = load_component(tiny_bundle.resolve().as_uri())
    assert component.bundle_id.startswith("tiny-icd10-")


def test_request_timeout_is_504(tiny_bundle: Path, tmp_path: Path) -> None:
    with running_service(f"sqlite:///{tmp_path / 'db.sqlite'}", tiny_bundle, request_timeout_s=0.0001) as running:
        response = running.client.post("/api/v1/suggest", json=encounter("slow"), headers=running.headers("coder"))
        assert (response.status_code, response.json()["code"]) == (504, "API014")


def test_web_cookie_writes_need_the_csrf_header(service: Service) -> None:
    login = service.client.post("/ui/login", data={"api_key": service.keys["coder"]}, follow_redirects=False)
    assert login.status_code == 303
    cookie = login.cookies.get("medcode_session")
    assert cookie
    service.client.cookies.set("medcode_session", cookie)
    try:
        assert service.client.get("/api/v1/auth/me").json()["name"] == "test-coder"
        blocked = service.client.post("/api/v1/suggest", json=encounter("csrf"))
        assert blocked.status_code == 403
        allowed = service.client.post("/api/v1/suggest", json=encounter("csrf"), headers={"X-Medcode-CSRF": "1"})
        assert allowed.status_code == 200
    finally:
        service.client.cookies.clear()


def test_review_queue_mine_lists_the_callers_claimed_items(service: Service) -> None:
    item = _new_item(service, "contract-mine")
    service.client.post(f"/api/v1/review-queue/{item['id']}/claim", headers=service.headers("coder2"))
    mine = service.client.get("/api/v1/review-queue?mine=true", headers=service.headers("coder2")).json()
    assert [i["id"] for i in mine["data"]] == [item["id"]]
    theirs = service.client.get("/api/v1/review-queue?mine=true", headers=service.headers("coder")).json()
    assert item["id"] not in [i["id"] for i in theirs["data"]]
