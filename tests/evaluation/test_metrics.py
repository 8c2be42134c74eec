"""ICD-10-CM metrics: CodiEsp MAP, P@k, R@15, F1, ECE, auto tier."""

from __future__ import annotations

import pytest

from evaluation.metrics import ICD10_METRIC_KEYS, average_precision, expected_calibration_error, ranking_metrics


def test_metrics_average_precision_follows_codiesp() -> None:
    # gold {A, C, X}: A at rank 1 (1/1), C at rank 3 (2/3), X never found -> (1 + 2/3) / 3
    assert average_precision(["A", "B", "C"], {"A", "C", "X"}) == pytest.approx((1 + 2 / 3) / 3)
    assert average_precision([], {"A"}) == 0.0


def test_metrics_keys_and_values() -> None:
    ranked = [[("A", 0.95), ("B", 0.6), ("C", 0.2)], [("D", 0.9), ("E", 0.1)]]
    gold = [["A", "C"], ["E", "F"]]
    m = ranking_metrics(ranked, gold, decision_threshold=0.5, auto_threshold=0.9)
    assert tuple(m) == ICD10_METRIC_KEYS
    assert m["n_docs"] == 2
    assert m["micro_precision"] == pytest.approx(1 / 3)  # A, B, D predicted; A correct
    assert m["micro_recall"] == pytest.approx(1 / 4)
    assert m["auto_precision"] == pytest.approx(1 / 2)  # A and D auto; A correct
    assert m["auto_coverage"] == pytest.approx(1 / 4)
    assert m["recall_at_15"] == pytest.approx((1 + 0.5) / 2)
    assert m["p_at_5"] == pytest.approx((2 / 5 + 1 / 5) / 2)


def test_metrics_ece_is_zero_when_calibrated() -> None:
    assert expected_calibration_error([0.25] * 4, [True, False, False, False]) == pytest.approx(0.0)
    assert expected_calibration_error([1.0, 1.0], [False, False]) == pytest.approx(1.0)


def test_metrics_misaligned_inputs_raise() -> None:
    with pytest.raises(ValueError, match="ranked has 1 documents but gold has 0"):
        ranking_metrics([[("A", 1.0)]], [], 0.5, 0.9)
