"""Synthetic outpatient encounters: notes, gold codes, billed claims with injected errors, expected audit flags.

Lives here: the generator's clinical tables (``data/*_v1.yaml``: conditions, services, phrasing families, note
vocabulary), scenario sampling, coding (gold), note rendering, error injection with the
reference audit that derives ``expected_flags``, PHI planting, and the data-card figures.
Does not live here: E/M rules (``datasets.codesets.em``), code-set lookups (``datasets.codesets``), audit checks
used in production (``models/``).
"""

from datasets.synth.generator import (
    PHRASING_CHOICES,
    Generator,
    SynthConfig,
    SynthError,
    SynthReport,
    generate_encounters,
    synthesize,
)
from datasets.synth.stats import card_stats

__all__ = [
    "PHRASING_CHOICES",
    "Generator",
    "SynthConfig",
    "SynthError",
    "SynthReport",
    "card_stats",
    "generate_encounters",
    "synthesize",
]
