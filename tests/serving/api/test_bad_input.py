"""Bad input gets a clear 4xx with a stable code and nothing is stored (DESIGN.md: one bad record loses nothing)."""

from __future__ import annotations

import json

import pytest

from serving.db.tables import AccessLogEntry, EncounterRecord, ReviewItem, SuggestionRow
from tests.serving.api.conftest import Service, encounter

TABLES = (EncounterRecord, ReviewItem, SuggestionRow, AccessLogEntry)
HUGE = "diabetes " * 30_000  # 270 kB > the 200 kB default


def _raw(body: bytes) -> dict:
    return {"content": body, "headers": {"content-type": "application/json"}}


CASES = {
    "invalid_json": (_raw(b'{"encounter_id": "x", "text": '), 400, "API009"),
    "not_an_object": (_raw(b"[1, 2, 3]"), 422, "API008"),
    "non_utf8": (_raw(b'{"encounter_id": "x", "text": "caf\xe9 \xff"}'), 400, "API009"),
    "wrong_types": ({"json": {"encounter_id": 5, "text": ["a"], "age": "old"}}, 422, "API008"),
    "missing_text": ({"json": {"encounter_id": "x"}}, 422, "API008"),
    "empty_note": ({"json": encounter("bad-empty", text="   \n ")}, 422, "API008"),
    "huge_note": ({"json": encounter("bad-huge", text=HUGE)}, 413, "API006"),
    "unknown_icd_in_claim": (
        {"json": encounter("bad-icd", claim={"lines": [{"code": "99213", "dx": ["E11.9", "U99.99"]}]})},
        422,
        "API010",
    ),
    "malformed_code_in_claim": (
        {"json": encounter("bad-shape", claim={"lines": [{"code": "9", "dx": ["E11.9"]}]})},
        422,
        "API008",
    ),
    "unknown_hcpcs_in_claim": (
        {"json": encounter("bad-hcpcs", claim={"lines": [{"code": "Z9999", "dx": ["E11.9"]}]})},
        422,
        "API010",
    ),
    "bad_date": ({"json": encounter("bad-date", date_of_service="2026-02-31")}, 422, "API008"),
}


def _counts(service: Service) -> tuple[int, ...]:
    return tuple(service.count(table) for table in TABLES)


@pytest.mark.parametrize("case", list(CASES), ids=list(CASES))
def test_suggest_bad_input_is_a_clear_4xx_and_stores_nothing(service: Service, case: str) -> None:
    kwargs, status, code = CASES[case]
    if case == "unknown_hcpcs_in_claim" and not service.app.state.engine.codesets.has_cms:
        pytest.skip("HCPCS validation needs the CMS tables (MEDCODE_DATA_DIR)")
    before = _counts(service)
    headers = {**service.headers("coder"), **kwargs.get("headers", {})}
    response = service.client.post(
        "/api/v1/suggest", headers=headers, **{k: v for k, v in kwargs.items() if k != "headers"}
    )
    assert (response.status_code, response.json()["code"]) == (status, code), response.text
    assert response.json()["detail"].endswith((".", ")")), "messages end with the next step"
    assert _counts(service) == before


def test_request_body_over_the_limit_is_413_before_parsing(service: Service) -> None:
    limit = service.settings.max_body_bytes
    body = json.dumps({"mode": "suggest", "encounters": [{"encounter_id": "x", "text": "a" * limit}]}).encode()
    headers = {**service.headers("coder"), "content-type": "application/json"}
    response = service.client.post("/api/v1/batch", headers=headers, content=body)
    assert (response.status_code, response.json()["code"]) == (413, "API007")


def test_audit_unknown_claim_codes_are_listed(service: Service) -> None:
    record = encounter("bad-audit", claim={"lines": [{"code": "99213", "dx": ["E11.9", "U99.99", "X00.0ZZZ"]}]})
    response = service.client.post("/api/v1/audit", json=record, headers=service.headers("compliance"))
    assert response.status_code == 422
    assert "U99.99" in response.json()["detail"] and "X00.0ZZZ" in response.json()["detail"]


def test_unknown_route_and_method_have_codes(service: Service) -> None:
    assert service.client.get("/api/v1/nope").json()["code"] == "API021"
    assert service.client.put("/api/v1/suggest", json={}).json()["code"] == "API022"


def test_decision_body_rejects_unknown_fields(service: Service) -> None:
    response = service.client.post(
        "/api/v1/review-queue/1/decisions",
        json={"decisions": [{"suggestion_id": 1, "action": "accept", "extra": 1}]},
        headers=service.headers("coder"),
    )
    assert response.status_code in (404, 422)
    response = service.client.post(
        "/api/v1/review-queue/1/decisions",
        json={"decisions": [{"action": "approve"}]},
        headers=service.headers("coder"),
    )
    assert response.status_code in (404, 422)
