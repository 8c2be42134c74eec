"""Units of the service: error codes, settings validators, QA sampling, the import boundary, feedback export."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from serving.core.config import PLACEHOLDER_SECRET, Settings
from serving.errors import ERRORS, ApiError
from serving.queue import in_qa_sample
from serving.security import RateLimiter, TokenSigner, hash_key, new_api_key
from tests.serving.api.conftest import Service, encounter


def test_errors_codes_are_unique_and_messages_say_what_to_do() -> None:
    assert len(ERRORS) == len({spec.code for spec in ERRORS.values()})
    for code, spec in ERRORS.items():
        assert code.startswith("API") and len(code) == 6
        assert spec.message.rstrip().endswith((".", "permissions", "found")), code


def test_errors_api_error_formats_its_message() -> None:
    error = ApiError("API006", size=300, limit=200)
    assert error.status_code == 413
    assert error.detail.startswith("The note is 300 bytes; the limit is 200")


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"environment": "production", "icd_bundle": None}, "MEDCODE_SECRET_KEY"),
        ({"environment": "test", "secret_key": "short"}, "MEDCODE_SECRET_KEY"),
        ({"environment": "test", "secret_key": "x" * 32, "debug": True}, "MEDCODE_DEBUG"),
        ({"environment": "production", "secret_key": "x" * 32}, "MEDCODE_ICD_BUNDLE"),
        ({"environment": "test", "secret_key": "x" * 32, "icd_bundle": "/no/such/bundle"}, "does not exist"),
    ],
)
def test_config_refuses_unsafe_values_outside_development(values: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Settings(**values)


def test_config_development_defaults_are_embedded() -> None:
    settings = Settings(_env_file=None)
    assert settings.environment == "development"
    assert settings.secret_key == PLACEHOLDER_SECRET
    assert settings.is_sqlite and settings.database_url.endswith("medcode.db")
    assert settings.max_note_bytes == 200_000


def test_config_reads_database_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://u@localhost/db")
    assert Settings().database_url == "postgresql+psycopg://u@localhost/db"


def test_security_keys_are_random_and_hashed() -> None:
    first, second = new_api_key(), new_api_key()
    assert first != second and first.startswith("mc_")
    assert len(hash_key(first)) == 64 and hash_key(first) != first


def test_security_tokens_expire_and_resist_forgery() -> None:
    signer = TokenSigner("s" * 32, ttl_s=60)
    token = signer.issue(7)
    assert signer.key_id(token) == 7
    assert TokenSigner("other" * 8, ttl_s=60).key_id(token) is None
    assert signer.key_id(token + "x") is None


def test_security_rate_limiter_refills() -> None:
    limiter = RateLimiter(rate_per_minute=60, burst=2)
    assert limiter.acquire(1) == 0 and limiter.acquire(1) == 0
    assert limiter.acquire(1) > 0
    assert limiter.acquire(2) == 0


def test_queue_qa_sample_is_deterministic_and_near_the_rate() -> None:
    ids = [f"enc-{i}" for i in range(4000)]
    sampled = [i for i in ids if in_qa_sample(i, 0.1)]
    assert 300 < len(sampled) < 500
    assert sampled == [i for i in ids if in_qa_sample(i, 0.1)]
    assert not any(in_qa_sample(i, 0.0) for i in ids[:100])


def test_serving_never_imports_torch_or_training(tiny_bundle: Path, tmp_path: Path) -> None:
    script = f"""
import sys
from fastapi.testclient import TestClient
from serving.app import create_app
from serving.core.config import Settings
settings = Settings(environment="test", secret_key="x" * 32, database_url="sqlite:///{tmp_path / "db.sqlite"}",
                    icd_bundle="{tiny_bundle}")
with TestClient(create_app(settings)) as client:
    assert client.get("/ready").json()["ready"]
import serving.cli.main, serving.cli.serve, serving.cli.feedback
bad = sorted(m for m in sys.modules if m == "torch" or m.startswith(("torch.", "training")))
print("BAD", bad)
"""
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "BAD []" in result.stdout, result.stdout


def test_feedback_export_writes_labelled_encounters(
    service: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from datasets.io import read_encounters
    from serving.cli.main import app

    body = service.client.post(
        "/api/v1/suggest", json=encounter("feedback-1", gold={"icd10cm": ["Z00.00"]}), headers=service.headers("coder")
    ).json()
    item = service.client.get(f"/api/v1/review-queue/{body['review_item_id']}", headers=service.headers("coder")).json()
    decisions = []
    for s in item["suggestions"]:
        if s["code"] == "E11.9":
            decisions.append(
                {"suggestion_id": s["id"], "action": "edit", "code": "E11.65", "reason": "with hyperglycemia"}
            )
        elif s["status"] == "pending":
            decisions.append({"suggestion_id": s["id"], "action": "reject", "reason": "not documented"})
    decisions.append({"action": "add", "code": "Z79.84", "reason": "on oral hypoglycemics"})
    resolved = service.client.post(
        f"/api/v1/review-queue/{item['id']}/decisions", json={"decisions": decisions}, headers=service.headers("coder")
    )
    assert resolved.json()["status"] == "resolved"
    monkeypatch.setenv("MEDCODE_DATABASE_URL", service.settings.database_url)
    out = tmp_path / "feedback.jsonl"
    result = CliRunner().invoke(app, ["feedback", "export", "--out", str(out)])
    assert result.exit_code == 0, result.output
    exported = {e.encounter_id: e for e in read_encounters(out, on_error="raise")}
    record = exported["feedback-1"]
    assert record.gold is not None
    assert "E11.65" in record.gold.icd10cm and "Z79.84" in record.gold.icd10cm
    assert "E11.9" not in record.gold.icd10cm and "Z00.00" not in record.gold.icd10cm
    auto = {
        s["code"]
        for s in item["suggestions"]
        if s["status"] == "auto_accepted" and s["system"] == "ICD10CM" and s["code"] != "E11.9"
    }
    assert auto <= set(record.gold.icd10cm)
    assert record.text == item["text"]
    first_line = json.loads(out.read_text().splitlines()[0])
    assert {"encounter_id", "text", "gold"} <= set(first_line)
    log = service.client.get("/api/v1/access-log?encounter_id=feedback-1", headers=service.headers("compliance")).json()
    assert log["data"][0]["action"] == "feedback_export"
