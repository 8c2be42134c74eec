"""Audit metrics: DESIGN.md keys, matching by type plus first key field, clean-claim specificity."""

from __future__ import annotations

import pytest

from evaluation.audit import AUDIT_METRIC_KEYS, audit_metrics


def test_audit_metrics_keys_and_values():
    predicted = [
        {("em_overcoded", None), ("ncci_ptp_conflict", "93000")},
        {("missed_service", "20610")},
        set(),
        {("mue_exceeded", "J1885")},
    ]
    expected = [
        {("em_overcoded", None), ("ncci_ptp_conflict", "93000")},
        {("missed_service", "96372")},
        set(),
        set(),
    ]
    metrics = audit_metrics(predicted, expected)
    assert set(AUDIT_METRIC_KEYS) <= set(metrics)
    assert metrics["n"] == 4
    assert metrics["micro_precision"] == pytest.approx(2 / 4)
    assert metrics["micro_recall"] == pytest.approx(2 / 3, abs=1e-4)
    assert metrics["clean_claim_specificity"] == pytest.approx(1 / 2)
    assert metrics["per_type"]["missed_service"] == {
        "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1, "tp": 0, "fp": 1, "fn": 1
    }  # fmt: skip
    assert set(metrics["per_type"]["em_overcoded"]) >= {"precision", "recall", "f1", "support"}


def test_audit_metrics_ignore_extension_types():
    metrics = audit_metrics([{("payer_rule", "G0439")}], [set()])
    assert metrics["micro_precision"] == 0.0 and metrics["clean_claim_specificity"] == 1.0


def test_audit_metrics_length_mismatch_raises():
    with pytest.raises(ValueError, match="must match"):
        audit_metrics([set()], [])
