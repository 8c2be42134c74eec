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
