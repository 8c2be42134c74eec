"""The service with a bundle of the real ICD-10-CM suggester (``models/icd10``, format
``medcode.icd10_suggester.v1``), trained on templated notes over a slice of the code set as its own tests do."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from datasets.codesets import CodeSets
from tests.serving.api.conftest import Service, encounter, running_service

pytestmark = pytest.mark.slow  # trains a small real bundle (about a minute on 2 shared cores)


@pytest.fixture(scope="module")
def icd10_bundle(tmp_path_factory: pytest.TempPathFactory, codesets: CodeSets) -> Path:
    pytest.importorskip("models.icd10.suggester")
    fixtures = pytest.importorskip("tests.models.icd10.conftest")
    from configs.icd10 import Icd10Config
    from training.icd10.export import data_fingerprint, write_bundle
    from training.icd10.fit import fit_icd10
    from training.icd10.run import dense_cache_dir

    config = Icd10Config.model_validate(
        {
            "cross_validation": {"folds": 2, "seed": 0},
            "ranker": {"max_iter": 40, "min_samples_leaf": 5},
            "routing": {"auto_min_support": 5},
        }
    )
    train = fixtures.make_notes(60, seed=1)
    fitted = fit_icd10(
        train, fixtures.SliceIcd(codesets), config, dense_cache=dense_cache_dir(), progress=lambda _: None
    )
    folder = tmp_path_factory.mktemp("icd10_bundle")
    write_bundle(
        fitted, config, folder, fingerprint=data_fingerprint(train), metrics=fitted.cv_metrics, training_data={}
    )
    return folder


@pytest.fixture(scope="module")
def real_service(icd10_bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    with running_service(f"sqlite:///{tmp_path_factory.mktemp('db') / 'db.sqlite'}", icd10_bundle) as service:
        yield service


def test_icd10_bundle_is_served_with_evidence_inside_the_note(real_service: Service) -> None:
    ready = real_service.client.get("/ready").json()
    assert ready["ready"] and ready["bundles"]["ICD10CM"]
    text = "The patient has essential hypertension.\\nShe was treated for pneumonia and fever.\\nShe denies asthma."
    text = text.replace("\\n", "\n")
    body = real_service.client.post(
        "/api/v1/suggest", json=encounter("real-1", text=text), headers=real_service.headers("coder")
    ).json()
    codes = [s["code"] for s in body["suggestions"] if s["system"] == "ICD10CM"]
    assert "I10" in codes[:5] and "J18.9" in codes[:5]
    assert "J45.909" not in codes[:3], "a denied condition is not suggested at the top"
    for suggestion in body["suggestions"]:
        for span in suggestion["evidence"]:
            assert 0 <= span["start"] < span["end"] <= len(text)


def test_icd10_bundle_drives_the_audit(real_service: Service) -> None:
    record = encounter(
        "real-audit",
        text="The patient has essential hypertension.\nVital signs were stable.",
        claim={"lines": [{"code": "99213", "dx": ["I10", "J45.909"]}]},
    )
    body = real_service.client.post("/api/v1/audit", json=record, headers=real_service.headers("compliance")).json()
    assert ("unsupported_diagnosis", "J45.909") in {(f["type"], f["icd10cm"]) for f in body["flags"]}
