"""The auto-tier threshold must hold its precision in every cross-validation fold, not only pooled."""

from __future__ import annotations

import numpy as np

from training.icd10.fit import auto_threshold


def test_auto_threshold_is_set_by_the_worst_fold() -> None:
    # Fold 0 is perfect above 0.6; fold 1 has a false positive at 0.8. Pooled precision at 0.6 is 7/8 = 0.875,
    # which a pooled rule with target 0.85 accepts; fold 1 alone is 2/3 there, so the cut stays above 0.8.
    probs = np.asarray([0.95, 0.9, 0.85, 0.7, 0.6, 0.95, 0.9, 0.8, 0.3], np.float32)
    y = np.asarray([1, 1, 1, 1, 1, 1, 1, 0, 0], np.int8)
    folds = np.asarray([0, 0, 0, 0, 0, 1, 1, 1, 1], np.int64)
    assert auto_threshold(probs, y, folds, target=0.85, min_support=2) == np.float32(0.85)
    assert auto_threshold(probs, y, np.zeros(9, np.int64), target=0.85, min_support=2) == np.float32(0.6)


def test_auto_threshold_is_one_when_no_cut_reaches_the_target() -> None:
    probs = np.asarray([0.9, 0.8], np.float32)
    assert auto_threshold(probs, np.asarray([0, 1], np.int8), np.zeros(2, np.int64), 0.9, 1) == 1.0
