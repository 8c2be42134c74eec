"""Clinical terms read as the ICD-10-CM wording they stand for (models/audit/terms.py)."""

from models.audit.support import clinical_tokens
from models.audit.terms import fold_text, index_terms


def _norms(text: str) -> list[str]:
    return [t.norm for t in clinical_tokens(text)]


def test_a_lay_term_is_read_as_the_title_wording_at_its_own_span():
    text = "left pink eye, drops"
    tokens = clinical_tokens(text)
    assert "pink" not in [t.norm for t in tokens]
    folded = next(t for t in tokens if t.norm == "conjunctivitis")
    assert text[folded.start : folded.end] == "pink eye"


def test_capital_abbreviations_only_in_capitals():
    assert "right" in _norms("acute conjunctivitis OD")
    # "os" in lower case is the cervical os, not the left eye
    assert "left" not in _norms("the os is closed")


def test_an_index_subterm_applies_only_within_its_condition():
    assert "hyperglycemia" in _norms("type 2 diabetes, poorly controlled")
    assert "hyperglycemia" not in _norms("hypertension, poorly controlled")
    # the condition may itself be named by another term
    assert "hyperglycemia" in _norms("T2D, out of control")


def test_spinal_levels_name_their_region_without_reading_labs_or_heart_sounds():
    assert "lumbar" in _norms("L4 radiculopathy")
    assert "lumbosacral" in _norms("L5-S1 disc herniation")
    assert "cervical" in _norms("C5-C6 radiculopathy")
    assert "thoracic" not in _norms("free T4 elevated")
    assert "sacral" not in " ".join(_norms("S1 S2 normal"))


def test_index_terms_are_listed_under_billable_codes():
    assert "Atypical chest pain" in index_terms()["R07.89"]


def test_fold_text_writes_each_term_as_its_wording_for_readers_of_plain_text():
    assert (
        fold_text("T2D with NSTEMI") == "type 2 diabetes mellitus with non-ST elevation (NSTEMI) myocardial infarction"
    )
    assert fold_text("BPAD type 2, euthymic") == "bipolar disorder type 2, euthymic"
    # "within" as for tokens: the subterm applies only where its condition is named, and capitals stay capitals
    assert fold_text("hypertension, poorly controlled") == "hypertension, poorly controlled"
    assert "hyperglycemia" in fold_text("T2D, poorly controlled")
    assert fold_text("the mi of the note") == "the mi of the note"
