"""E/M probe: the assessment items are re-marked, the documentation and labels are kept."""

from __future__ import annotations

from typing import Any

from datasets.codesets import CodeSets
from datasets.synth.generator import SynthConfig, generate_encounters
from evaluation.em_probe import LAYOUTS, layout_variants, probe, with_item_layout
from models.audit import AuditEngine
from models.em.leveler import EmLeveler

NOTE = "HPI: cough.\n- mild\n\nAssessment and plan:\n1. Acute bronchitis, new. Supportive care.\n- Gout: stable.\n"


def test_only_the_assessment_items_are_re_marked() -> None:
    assert with_item_layout(NOTE, LAYOUTS["labelled"]) == (
        "HPI: cough.\n- mild\n\nAssessment and plan:\nProblem: Acute bronchitis, new. Supportive care.\n"
        "Problem: Gout: stable.\n"
    )
    assert with_item_layout(NOTE, LAYOUTS["unmarked"]).endswith(
        "Assessment and plan:\nAcute bronchitis, new. Supportive care.\nGout: stable.\n"
    )


def test_probe_keeps_labels_and_scores_every_layout(cms: Any, codesets: CodeSets) -> None:
    encounters = list(generate_encounters(SynthConfig(n=6, seed=5, phrasing="validation")))
    assert [v.expected_flags for v in layout_variants(encounters, LAYOUTS["hash"])] == [
        e.expected_flags for e in encounters
    ]
    results = probe(encounters, LAYOUTS, AuditEngine(codesets=codesets), EmLeveler())
    assert set(results) == {"as_written", *LAYOUTS}
    assert all(0.0 <= r["em_exact"] <= 1.0 for r in results.values())
