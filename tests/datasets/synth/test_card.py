"""Acceptance (slow): 10,000 encounters in under 60 s, and the data card's figures match a fresh run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from configs.settings import REPO_ROOT
from datasets.io import read_encounters
from datasets.synth.generator import SynthConfig, synthesize
from datasets.synth.stats import card_figures, card_stats, compare


@pytest.mark.slow
def test_card_10k_run_is_fast_and_matches_the_data_card(tmp_path: Path) -> None:
    out = tmp_path / "synth_10k.jsonl"
    started = time.perf_counter()
    report = synthesize(SynthConfig(n=10_000, seed=1), out)
    elapsed = time.perf_counter() - started
    assert report.written == 10_000
    assert elapsed < 60, f"10,000 encounters took {elapsed:.1f} s"
    fresh = card_stats(read_encounters(out, on_error="raise"))
    assert compare(card_figures(REPO_ROOT / "datasets" / "README.md"), fresh) == []
