"""The NCCI acceptance script on a small seeded sample (the full 1,000-pair run is the reported figure)."""

from __future__ import annotations

import datetime as dt

from evaluation.ncci_acceptance import run, sample_pairs


def test_ncci_acceptance_sample_is_active_and_deleted_pairs_are_not(cms):
    day = dt.date(2024, 8, 1)
    for c1, c2, _ in sample_pairs(cms, day, 20, 3, deleted=False):
        assert cms.ptp_edit(c1, c2, day) is not None
    for c1, c2, _ in sample_pairs(cms, day, 20, 4, deleted=True):
        assert cms.ptp_edit(c1, c2, day) is None


def test_ncci_acceptance_no_misses_no_false_flags(cms):
    result = run(n=60, seed=11)
    assert result["active_pairs"] == 60 and result["misses"] == 0
    assert result["deleted_pairs"] == 60 and result["false_flags"] == 0
