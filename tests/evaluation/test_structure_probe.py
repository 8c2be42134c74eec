"""Structure probe: a note's layout is rewritten, its documentation and labels are kept."""

from __future__ import annotations

from typing import Any

import pytest

from datasets.codesets import CodeSets
from datasets.synth.generator import SynthConfig, generate_encounters
from evaluation.structure_probe import RELABELLED, TRANSFORMATIONS, probe, table, variants, with_assessment_header
from models.audit import AuditEngine
from models.clinical.document import find_sections

NOTE = "HPI: cough for 3 days.\n\nAssessment and plan:\n1. Acute bronchitis, new. Supportive care.\n"
LISTED = (
    "HPI: cough and wheeze.\n\nExam:\nVitals: BP 120/80, T 98.6. Wheeze.\n\n"
    "Assessment and plan:\n1. Acute bronchitis, new. Supportive care.\n2. Asthma, stable. Continue inhaler.\n\n"
    "Problem list:\n- hypertension\n"
)


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
    assert TRANSFORMATIONS["items_run_on"]("HPI: cough for 3 days.\nExam: clear.\n") is None


def test_problem_items_are_re_marked_or_run_on() -> None:
    items = "1. Acute bronchitis, new. Supportive care.\n2. Asthma, stable. Continue inhaler."
    assert items.replace("1. ", "# ").replace("2. ", "# ") in TRANSFORMATIONS["items_hash"](LISTED)
    assert items.replace("1. ", "- ").replace("2. ", "- ") in TRANSFORMATIONS["items_bulleted"](LISTED)
    assert (
        "Assessment and plan:\nAcute bronchitis, new. Supportive care. Asthma, stable. Continue inhaler.\n\n"
        in TRANSFORMATIONS["items_run_on"](LISTED)
    )
    assert (
        "Assessment and plan:\nAcute bronchitis, new.\n    Supportive care.\nAsthma, stable.\n    Continue inhaler."
        in TRANSFORMATIONS["plan_below_item_indented"](LISTED)
    )


def test_sections_move_and_headers_restyle_without_losing_text() -> None:
    moved = TRANSFORMATIONS["plan_first"](LISTED)
    assert moved.startswith("HPI: cough and wheeze.\n\nAssessment and plan:\n1. Acute bronchitis")
    assert set(moved.split("\n")) == set(LISTED.strip().split("\n"))
    upper = TRANSFORMATIONS["headers_upper"](LISTED)
    assert "ASSESSMENT AND PLAN:\n1. Acute" in upper and "\nVitals: BP" in upper  # a header inside a paragraph stays
    numbered = TRANSFORMATIONS["headers_numbered"](LISTED)
    assert numbered.startswith("1) HPI: cough") and "\n3) Assessment and plan:\n" in numbered


def test_history_absorbs_the_assessment_and_vitals_are_copied_between_items() -> None:
    told = TRANSFORMATIONS["assessment_in_history"](LISTED)
    assert told.startswith("HPI: cough and wheeze. Acute bronchitis, new. Supportive care. Asthma, stable.")
    assert "Assessment and plan" not in told
    between = TRANSFORMATIONS["vitals_between_items"](LISTED)
    assert "1. Acute bronchitis, new. Supportive care.\nVitals: BP 120/80, T 98.6.\n2. Asthma" in between
    assert TRANSFORMATIONS["past_history_appended"](LISTED).endswith("\n\nPast Medical History:\n- hypertension")


def test_results_are_told_at_the_end_of_the_history() -> None:
    note = "HPI: cough.\n\nExam: clear.\n\nResults:\n- CBC reviewed, normal.\n\nAssessment and plan:\n1. Bronchitis.\n"
    assert TRANSFORMATIONS["results_in_history"](note) == (
        "HPI: cough. CBC reviewed, normal.\n\nExam: clear.\n\nAssessment and plan:\n1. Bronchitis.\n"
    )
    assert TRANSFORMATIONS["results_in_history"](LISTED) is None


def test_variants_of_generated_notes_keep_labels_and_head_the_assessment_anew() -> None:
    encounters = list(generate_encounters(SynthConfig(n=12, seed=5, phrasing="validation")))
    renamed = variants(encounters, TRANSFORMATIONS["header_encounter_diagnoses"])
    assert [v.expected_flags for v in renamed] == [e.expected_flags for e in encounters]
    changed = [v for v, e in zip(renamed, encounters, strict=True) if v.text != e.text]
    assert changed, "validation notes head their assessment"
    for variant in changed:
        assert "Encounter diagnoses:" in variant.text
        assert any(s.kind == "assessment" for s in find_sections(variant.text))


@pytest.mark.parametrize("name", sorted(TRANSFORMATIONS))
def test_every_transformation_keeps_the_notes_words(name: str) -> None:
    """A layout rewrite keeps every word of the note but the assessment header's (which a header rewrite replaces)
    or the results headers (which telling the results in the history drops) and adds only copies or attestation
    words: nothing the note documents is lost."""
    marks = "<>[]*=:#-().;"
    encounters = list(generate_encounters(SynthConfig(n=12, seed=5, phrasing="validation")))
    for encounter in encounters:
        text = TRANSFORMATIONS[name](encounter.text)
        if text is None:
            continue
        header = next(
            (s for s in find_sections(encounter.text) if s.kind in ("assessment", "plan") and s.body_start > s.start),
            None,
        )
        written_header = "" if header is None else encounter.text[header.start : header.body_start]
        replaceable = {w.lower().strip(marks) for w in written_header.split()}
        if name == "results_in_history":  # the results sections' headers go with their sections
            for section in find_sections(encounter.text):
                if section.kind == "data":
                    head = encounter.text[section.start : section.body_start]
                    replaceable |= {w.lower().strip(marks) for w in head.split()}
        for section in find_sections(encounter.text):
            if section.kind in RELABELLED.get(name, ()):  # headers and list intros written in other words
                relabelled = encounter.text[section.start : section.body_start].split() + [
                    w
                    for line in encounter.text[section.body_start : section.end].split("\n")
                    if line.rstrip().endswith(":")
                    for w in line.split()
                ]
                replaceable |= {w.lower().strip(marks) for w in relabelled}
        kept = {w.lower().strip(marks) for w in encounter.text.split()}
        written = {w.lower().strip(marks) for w in text.split()}
        lost = {w for w in kept - written if not w.isdigit()}  # an item's number is a mark the rewrite may take off
        assert lost <= {"", ">>", "|", "--", "\u2013", "\u2014", "=>", "\u2022"} | replaceable, name


def test_probe_scores_the_notes_as_written_and_every_variant(cms: Any, codesets: CodeSets) -> None:
    encounters = list(generate_encounters(SynthConfig(n=6, seed=5, phrasing="validation")))
    chosen = {name: TRANSFORMATIONS[name] for name in ("items_run_on", "crlf")}
    results = probe(encounters, chosen, AuditEngine(codesets=codesets))
    assert set(results) == {"as_written", *chosen}
    assert results["as_written"]["rewritten"] == 0 and results["crlf"]["rewritten"] == 6
    # claim-only checks do not read the note: a layout changes none of their flags
    claim_only = {"ncci_ptp_conflict", "mue_exceeded", "addon_without_primary"}
    written = {t: m for t, m in results["as_written"]["per_type"].items() if t in claim_only}
    assert all({t: m for t, m in r["per_type"].items() if t in claim_only} == written for r in results.values())
    assert table(results).count("\n") == len(results) + 1
