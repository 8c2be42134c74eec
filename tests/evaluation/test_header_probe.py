"""Header probe: the assessment header is replaced or removed, the documentation and labels are kept."""

from __future__ import annotations

from typing import Any

from datasets.codesets import CodeSets
from datasets.synth.generator import SynthConfig, generate_encounters
from evaluation.header_probe import PROBE_HEADERS, header_variants, probe, with_assessment_header
from models.audit import AuditEngine
from models.clinical.document import find_sections

NOTE = "HPI: cough for 3 days.\n\nAssessment and plan:\n1. Acute bronchitis, new. Supportive care.\n"


def test_the_first_assessment_header_is_replaced_and_its_text_kept() -> None:
    assert with_assessment_header(NOTE, "Formulation:") == (
        "HPI: cough for 3 days.\n\nFormulation:\n1. Acute bronchitis, new. Supportive care.\n"
    )
    # removed, the header leaves its line empty
    assert with_assessment_header(NOTE, "") == (
        "HPI: cough for 3 days.\n\n\n1. Acute bronchitis, new. Supportive care.\n"
    )
    # a run-in header stays run in
    assert with_assessment_header("Exam: clear.\nPlan >> rest, fluids.\n", "Formulation:") == (
        "Exam: clear.\nFormulation: rest, fluids.\n"
    )


def test_a_note_without_an_assessment_header_is_left_alone() -> None:
    assert with_assessment_header("HPI: cough for 3 days.\nExam: clear.\n", "Formulation:") is None


def test_variants_of_generated_notes_keep_labels_and_head_the_assessment_anew() -> None:
    encounters = list(generate_encounters(SynthConfig(n=12, seed=5, phrasing="validation")))
    variants = header_variants(encounters, "Encounter diagnoses:")
    assert [v.expected_flags for v in variants] == [e.expected_flags for e in encounters]
    renamed = [v for v, e in zip(variants, encounters, strict=True) if v.text != e.text]
    assert renamed, "validation notes head their assessment"
    for variant in renamed:
        assert "Encounter diagnoses:" in variant.text
        assert any(s.kind == "assessment" for s in find_sections(variant.text))


def test_probe_scores_the_notes_as_written_and_every_variant(cms: Any, codesets: CodeSets) -> None:
    encounters = list(generate_encounters(SynthConfig(n=6, seed=5, phrasing="validation")))
    results = probe(encounters, PROBE_HEADERS, AuditEngine(codesets=codesets))
    assert set(results) == {"as_written", *PROBE_HEADERS}
    # claim-only checks do not read the note: a header changes none of their flags
    claim_only = {"ncci_ptp_conflict", "mue_exceeded", "addon_without_primary"}
    written = {t: m for t, m in results["as_written"]["per_type"].items() if t in claim_only}
    assert all({t: m for t, m in r["per_type"].items() if t in claim_only} == written for r in results.values())
