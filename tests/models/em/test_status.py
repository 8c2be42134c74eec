"""The learned problem status: clauses, features, the shipped model on wordings it was not fitted on, and how the
problems component uses it."""

from __future__ import annotations

import numpy as np

from models.em.pipeline import run_pipeline
from models.em.status import NONE, StatusModel, clauses, default_status_model, features


def _labels(text: str) -> list[str]:
    return [m.label for m in run_pipeline(text).of("problem")]


def test_clauses_split_at_sentence_marks_brackets_and_spaced_dashes() -> None:
    text = "Problem: asthma - well controlled (lungs clear); continue ICS-LABA"
    assert [text[a:b] for a, b in clauses(text)] == [
        "Problem",
        "asthma",
        "well controlled",
        "lungs clear",
        "continue ICS-LABA",
    ]


def test_features_share_word_pieces_across_inflections() -> None:
    shared = set(features("deteriorating")) & set(features("deterioration"))
    assert "c:<det" in shared and "c:iora" in shared
    assert "b:not_at" in features("not at goal")


def test_model_scores_a_clause_with_the_fitted_weights() -> None:
    model = StatusModel(
        labels=("chronic_stable", NONE),
        vocabulary={"w:settled": 0},
        weights=np.array([[4.0, 0.0]]),
        bias=np.array([0.0, 1.0]),
        threshold=0.6,
    )
    assert model.classify_clause("long-standing and settled")[0] == "chronic_stable"
    assert model.classify_clause("lungs clear") == (NONE, model.probabilities("lungs clear")[NONE])
    text = "COPD: lungs clear; long-standing and settled"
    label, start, end = model.status(text) or ("", 0, 0)
    assert label == "chronic_stable" and text[start:end] == "long-standing and settled"
    assert model.status("COPD: lungs clear") is None


def test_shipped_model_reads_wordings_it_was_not_fitted_on() -> None:
    model = default_status_model()
    assert model.classify_clause("acute, with rigors and systemic upset")[0] == "acute_systemic"
    assert model.classify_clause("drifting above target since the last review")[0] == "chronic_progression"
    assert model.classify_clause("a possible medical emergency threatening life")[0] == "threat_to_life"
    assert model.classify_clause("BP 128/78 on recheck")[0] == NONE
    assert model.classify_clause("continue lisinopril 20 mg daily, refills sent")[0] == NONE


def test_model_reads_more_than_the_onset_the_lexicon_reads() -> None:
    # the lexicon reads "acute" (uncomplicated); the model reads the systemic illness
    note = "ASSESSMENT AND PLAN:\n1. Influenza - acute, with rigors and systemic upset. Oseltamivir prescribed.\n"
    assert _labels(note) == ["acute_systemic"]
    # a course phrase the lexicon reads stays its own ("inadequately controlled" shares most word pieces)
    assert _labels("ASSESSMENT:\n1. Asthma, adequately controlled.\n") == ["chronic_stable"]


def test_model_names_the_status_of_a_problem_without_a_lexicon_status() -> None:
    # no status word the lexicon knows; without the model a chronic condition with a dose change reads as worsening
    note = (
        "ASSESSMENT AND PLAN:\n1. Hyperlipidemia. Settled and well contained on the existing regimen. "
        "Increase atorvastatin to 40 mg.\n"
    )
    doc = run_pipeline(note)
    (problem,) = doc.of("problem")
    assert problem.label == "chronic_stable" and problem.attrs["inferred"]


def test_model_does_not_make_a_continuation_line_a_problem() -> None:
    note = (
        "ASSESSMENT AND PLAN:\n1. Asthma - stable. Continue budesonide-formoterol.\n"
        "Inhaler use: in good shape on the present regimen.\n"
    )
    assert _labels(note) == ["chronic_stable"]


def test_model_reads_after_the_name_not_a_severity_in_it() -> None:
    assert _labels("ASSESSMENT:\n1. Severe backache.\n") == ["acute_uncomplicated"]
    note = "ASSESSMENT:\n1. Moderate-to-severe sleep apnea.  I have recommended the patient continue CPAP.\n"
    assert _labels(note) == ["chronic_stable"]
