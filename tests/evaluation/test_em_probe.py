"""E/M probe: the structure probe's item layouts, scored by E/M level as well as by the audit's E/M flags."""

from __future__ import annotations

from typing import Any

from datasets.codesets import CodeSets
from datasets.synth.generator import SynthConfig, generate_encounters
from evaluation.em_probe import ITEM_LAYOUTS, probe
from evaluation.structure_probe import TRANSFORMATIONS, variants
from models.audit import AuditEngine
from models.em.leveler import EmLeveler

NOTE = "HPI: cough.\n- mild\n\nAssessment and plan:\n1. Acute bronchitis, new. Supportive care.\n- Gout: stable.\n"


def test_only_the_assessment_items_are_re_marked() -> None:
    assert TRANSFORMATIONS["items_labelled"](NOTE) == (
        "HPI: cough.\n- mild\n\nAssessment and plan:\nProblem: Acute bronchitis, new. Supportive care.\n"
        "Problem: Gout: stable."
    )
    unmarked = TRANSFORMATIONS["items_unmarked"](NOTE)
    assert unmarked is not None
    assert unmarked.endswith("Assessment and plan:\nAcute bronchitis, new. Supportive care.\nGout: stable.")


def test_probe_keeps_labels_and_scores_every_layout(cms: Any, codesets: CodeSets) -> None:
    encounters = list(generate_encounters(SynthConfig(n=6, seed=5, phrasing="validation")))
    assert [v.expected_flags for v in variants(encounters, TRANSFORMATIONS["items_hash"])] == [
        e.expected_flags for e in encounters
    ]
    rewrites = {name: TRANSFORMATIONS[name] for name in ITEM_LAYOUTS}
    results = probe(encounters, rewrites, AuditEngine(codesets=codesets), EmLeveler())
    assert set(results) == {"as_written", *ITEM_LAYOUTS}
    assert all(0.0 <= r["em_exact"] <= 1.0 for r in results.values())
