"""Uncertainty triggers of outpatient coding (ICD-10-CM guideline IV.H: do not code "probable", "questionable",
"rule out" diagnoses), as written in plans: "Will need to exclude X", "Differential includes X"."""

from __future__ import annotations

import pytest

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument


@pytest.mark.parametrize(
    "sentence",
    [
        "Will need to exclude scaphoid fracture.",
        "Differential includes pulmonary embolism.",
        "Probable pneumonia.",
        "Questionable fracture.",
    ],
)
def test_uncertain_diagnosis_is_not_present(sentence: str) -> None:
    words = {"Will": "scaphoid fracture", "Differential": "pulmonary embolism",
             "Probable": "pneumonia", "Questionable": "fracture"}  # fmt: skip
    target = words[sentence.split()[0]]
    doc = ClinicalDocument(f"ASSESSMENT:\n{sentence}\n")
    start = doc.text.index(target)
    assertion = assert_span(doc, start, start + len(target), use_section=False)
    assert assertion.has("uncertain") and not assertion.present


@pytest.mark.parametrize(
    ("sentence", "target", "negated"),
    [
        # the trigger has its object before the colon: what the label names after it is affirmed
        ("> stable, no changes: paroxysmal AF on warfarin.", "paroxysmal AF", False),
        ("> new, no complications noted: migraine.", "migraine", False),
        # a trigger right before the colon governs the list it introduces
        ("Negative for: fever, chills.", "chills", True),
        ("No fever or chills.", "chills", True),
    ],
)
def test_a_label_colon_ends_the_scope_of_a_negation_that_has_its_object(
    sentence: str, target: str, negated: bool
) -> None:
    doc = ClinicalDocument(f"ASSESSMENT:\n{sentence}\n")
    start = doc.text.index(target)
    assert assert_span(doc, start, start + len(target), use_section=False).has("negated") is negated
