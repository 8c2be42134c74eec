"""Benchmark of the code-set layer: cold start in a fresh process and NCCI PTP lookups per second."""

from __future__ import annotations

import datetime as dt
import random
import statistics
import subprocess
import sys
import time
from typing import Any

from datasets.codesets import CodeSets

# What a service does at start-up: open every index and answer one lookup of each kind.
_COLD_START = """
import datetime as dt, time
started = time.perf_counter()
from datasets.codesets import CodeSets
codesets = CodeSets.from_settings()
codesets.icd10cm.get_code("E11.9")
codesets.hcc("V28").hccs_for("E11.9")
day = dt.date(2024, 8, 1)
cms = codesets.cms
cms.ptp_edits(["99214", "36415", "93000"], day)
cms.mue("99214", day)
cms.fee("99214", day)
print(time.perf_counter() - started)
"""


def cold_start_seconds(repeats: int = 3) -> list[float]:
    """Seconds from import to first answers, each in a new interpreter (index already built)."""
    CodeSets.from_settings().cms  # noqa: B018 - build the index outside the timed runs
    timings = []
    for _ in range(repeats):
        output = subprocess.run([sys.executable, "-c", _COLD_START], capture_output=True, text=True, check=True)
        timings.append(float(output.stdout.strip().splitlines()[-1]))
    return timings


def ptp_lookup_rate(claims: int = 20_000, codes_per_claim: int = 4, seed: int = 0) -> dict[str, float]:
    """Claims checked per second against the PTP table, with codes drawn from real column-1 codes."""
    cms = CodeSets.from_settings().cms
    day = dt.date(2024, 8, 1)
    pool = [str(r[0]) for r in cms._db.query("SELECT DISTINCT column1 FROM ncci_ptp LIMIT 5000")]
    rng = random.Random(seed)
    batches = [rng.sample(pool, codes_per_claim) for _ in range(claims)]
    started = time.perf_counter()
    hits = sum(len(cms.ptp_edits(codes, day)) for codes in batches)
    elapsed = time.perf_counter() - started
    return {
        "claims": float(claims),
        "codes_per_claim": float(codes_per_claim),
        "claims_per_second": claims / elapsed,
        "mean_ms_per_claim": elapsed / claims * 1000,
        "edits_found": float(hits),
    }


def run() -> dict[str, Any]:
    cold = cold_start_seconds()
    return {
        "cold_start_seconds": {"median": statistics.median(cold), "runs": cold},
        "ptp_lookup": ptp_lookup_rate(),
    }
