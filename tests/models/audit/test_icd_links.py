"""ICD-10-CM links the specificity check reads: vague titles and the excludes notes' cross references."""

from __future__ import annotations

from models.audit.icd_links import (
    class_members,
    coded_elsewhere,
    is_coded_elsewhere,
    unspecified_title,
    vague_title,
)


def test_vague_and_unspecified_titles():
    assert unspecified_title("Insomnia, unspecified")
    assert unspecified_title("Urinary tract infection, site not specified")
    assert vague_title("Gastro-esophageal reflux disease without esophagitis")
    assert not unspecified_title("Gastro-esophageal reflux disease without esophagitis")
    assert not vague_title("Primary insomnia")


def test_excludes_notes_name_conditions_coded_elsewhere(codesets):
    icd = codesets.icd10cm
    assert ("cystitis", "N30") in coded_elsewhere(icd, "N39.0")
    assert ("primary insomnia", "F51.01") in coded_elsewhere(icd, "G47.00")  # G47.0's Excludes2, inherited
    assert is_coded_elsewhere(icd, "N39.0", "N30.00") and is_coded_elsewhere(icd, "G47.00", "F51.01")
    assert not is_coded_elsewhere(icd, "N39.0", "E11.9")
    assert all(prefix[:3] != "G47" for _, prefix in coded_elsewhere(icd, "G47.00"))  # other categories only


def test_an_excludes_note_naming_a_class_by_examples_takes_in_its_other_members(codesets):
    icd = codesets.icd10cm
    # "urinary tract infection of specified site, such as: cystitis (N30.-), urethritis (N34.-)": acute
    # pyelonephritis (inclusion term "Acute infectious interstitial nephritis") is an infection of a specified site
    assert "N10" in class_members(icd, "N39.0") and is_coded_elsewhere(icd, "N39.0", "N10")
    # the examples stay with their own references; kidney conditions that are no infection are not members
    assert not any(code.startswith(("N30", "N34", "N18", "N13.3")) for code in class_members(icd, "N39.0"))
    assert not is_coded_elsewhere(icd, "N39.0", "N18.30")
    # a title stating the class's head condition absent is not a member ("Acute cystitis without hematuria")
    assert all("without" not in icd.title(code) for code in class_members(icd, "R31.9"))
    assert class_members(icd, "E11.9") == ()
