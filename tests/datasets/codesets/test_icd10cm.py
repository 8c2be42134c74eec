from __future__ import annotations

import pytest

from datasets.codesets import CodeSets, UnknownCodeError


def test_icd10cm_e119_is_valid_and_billable(codesets: CodeSets) -> None:
    icd = codesets.icd10cm
    assert icd.is_valid("E11.9") and icd.is_billable("E11.9")
    assert icd.title("E11.9") == "Type 2 diabetes mellitus without complications"


def test_icd10cm_category_e11_is_valid_but_not_billable(codesets: CodeSets) -> None:
    assert codesets.icd10cm.is_valid("E11")
    assert not codesets.icd10cm.is_billable("E11")


@pytest.mark.parametrize("spelling", ["e119", "E11.9 ", "e11.9", "E119"])
def test_icd10cm_lookup_normalises_user_input(codesets: CodeSets, spelling: str) -> None:
    found = codesets.icd10cm.find_code(spelling)
    assert found is not None and found.code == "E11.9"


def test_icd10cm_parent_chain_runs_to_the_chapter(codesets: CodeSets) -> None:
    assert codesets.icd10cm.ancestors("E11.9") == ["E11", "E08-E13", "4"]
    assert codesets.icd10cm.ancestors("S72.001A")[:2] == ["S72.001", "S72.00"]


def test_icd10cm_inclusion_terms_and_excludes_notes(codesets: CodeSets) -> None:
    heart_failure = codesets.icd10cm.get_code("I50.9")
    assert "Congestive heart failure NOS" in heart_failure.inclusion_terms
    assert any("E87.70" in note for note in heart_failure.excludes2)
    assert any("type 1 diabetes" in note for note in codesets.icd10cm.get_code("E11").excludes1)


def test_icd10cm_seventh_character_codes_are_billable(codesets: CodeSets) -> None:
    assert codesets.icd10cm.is_billable("S72.001A")
    assert not codesets.icd10cm.is_billable("S72.001")


def test_icd10cm_unknown_code_probe_and_get(codesets: CodeSets) -> None:
    assert codesets.icd10cm.find_code("E11.99") is None
    with pytest.raises(UnknownCodeError, match=r"CS001 E11.99 is not in ICD-10-CM"):
        codesets.icd10cm.get_code("e1199")


def test_icd10cm_counts_every_billable_code(codesets: CodeSets) -> None:
    billable = codesets.icd10cm.count(billable_only=True)
    assert 74_000 < billable < 75_500
    assert len(codesets.icd10cm.billable_codes()) == billable


def test_icd10cm_block_sharing_a_category_name_has_no_parent_cycle(codesets: CodeSets) -> None:
    chain = codesets.icd10cm.ancestors("B10.81")
    assert len(chain) == len(set(chain))


def test_icd10cm_children_are_the_items_one_level_down_in_code_order(codesets: CodeSets) -> None:
    icd = codesets.icd10cm
    assert icd.children("e116") == ["E11.61", "E11.62", "E11.63", "E11.64", "E11.65", "E11.69"]
    assert icd.children("E08-E13")[:2] == ["E08", "E09"]
    assert icd.children("E11.9") == []
    assert all(icd.get_code(child).parent == "E11.6" for child in icd.children("E11.6"))
    with pytest.raises(UnknownCodeError):
        icd.children("E11.99")
