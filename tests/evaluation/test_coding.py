"""E/M, services and HCC metrics: exactly the DESIGN.md keys and the within-one rule."""

from __future__ import annotations

from collections import Counter

from datasets.schema import Encounter
from evaluation.coding import EM_KEYS, PRF_KEYS, em_metrics, evaluate_hcc, evaluate_services, prf, within_one


def test_within_one_same_family_only() -> None:
    assert within_one("99213", "99214")
    assert not within_one("99213", "99215")
    assert not within_one("99203", "99213")  # new vs established
    assert not within_one("99396", "99214")
    assert within_one(None, None)


def test_em_metrics_keys_and_confusion() -> None:
    metrics = em_metrics([("99213", "99213"), ("99214", "99213"), ("99214", None)])
    assert tuple(metrics) == EM_KEYS
    assert metrics["exact_accuracy"] == 1 / 3
    assert metrics["within_one_accuracy"] == 2 / 3
    assert metrics["confusion"]["99214"] == {"99213": 1, "none": 1}


def test_prf_micro_over_multisets() -> None:
    metrics = prf([(Counter({"a": 1, "b": 1}), Counter({"a": 1, "c": 1}))])
    assert tuple(metrics) == PRF_KEYS
    assert (metrics["precision"], metrics["recall"], metrics["f1"]) == (0.5, 0.5, 0.5)


def test_evaluate_services_matches_code_and_units_and_hides_labels() -> None:
    encounter = Encounter(
        encounter_id="e", text="x", gold={"services": [{"code": "J1885", "units": 4}, {"code": "96372"}]}
    )
    seen: list[Encounter] = []

    def predict(e: Encounter) -> list[tuple[str, int]]:
        seen.append(e)
        return [("J1885", 2), ("96372", 1)]

    metrics = evaluate_services([encounter], predict)
    assert metrics["precision"] == 0.5
    assert seen[0].gold is None


def test_evaluate_hcc_on_v28_categories() -> None:
    encounter = Encounter(encounter_id="e", text="x", gold={"hcc_v28": ["HCC37"]})
    assert evaluate_hcc([encounter], lambda e: ["HCC37", "HCC38"])["recall"] == 1.0
