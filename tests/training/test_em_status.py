"""Fitting the learned problem status: which families it reads, its negative clauses, and leave-one-family-out."""

from __future__ import annotations

from datasets.synth.knowledge import default_knowledge
from models.em.status import NONE
from training.coding.em_status import (
    FIT_SPLITS,
    HELD_BACK,
    RULE_STATUS,
    leave_one_family_out,
    none_examples,
    status_examples,
)


def test_examples_come_only_from_train_and_validation_families_not_held_back() -> None:
    knowledge = default_knowledge()
    by_family = status_examples(knowledge)
    assert by_family
    for name in by_family:
        assert knowledge.families[name].split in FIT_SPLITS and name not in HELD_BACK
    assert not set(HELD_BACK) & set(by_family)
    labels = {label for rows in by_family.values() for _, label in rows}
    assert labels == set(RULE_STATUS.values())


def test_none_examples_hold_findings_and_plans_but_no_status_wording() -> None:
    knowledge = default_knowledge()
    negatives = {text for text, label in none_examples(knowledge) if label == NONE}
    assert "BP 128/78 on recheck" in negatives
    wordings = {text for rows in status_examples(knowledge).values() for text, _ in rows}
    assert "stable on current treatment" in wordings and "stable on current treatment" not in negatives


def test_leave_one_family_out_scores_each_family_with_a_model_fitted_without_it() -> None:
    by_family = {
        "A": [("stable and at goal", "chronic_stable"), ("worsening, above goal", "chronic_progression")],
        "B": [("stable, controlled", "chronic_stable"), ("worse, not at goal", "chronic_progression")],
        "C": [("well controlled and stable", "chronic_stable"), ("worsening despite therapy", "chronic_progression")],
    }
    negatives = [("lungs clear", NONE), ("continue lisinopril", NONE), ("BP 128/78", NONE)]
    scores = leave_one_family_out(by_family, negatives, c=10.0)
    lowest, highest = min(scores), max(scores)
    assert 0.0 < scores[lowest]["accuracy"] <= 1.0
    # a higher threshold never gives a status more often
    assert scores[highest]["accuracy"] <= scores[lowest]["accuracy"]
    assert scores[highest]["false_status"] <= scores[lowest]["false_status"]
