"""Model-based checks with test-double model outputs: one encounter that must raise each flag, one near miss."""

from __future__ import annotations

import pytest

from datasets.codesets import CodeSets
from models.audit import AuditEngine
from models.audit.inputs import DiagnosisFinding, DocumentedCode, EmFinding, HccFinding, ServiceFinding, Span
from tests.models.audit.conftest import FixedDiagnoses, FixedEm, FixedHccs, FixedServices, make_encounter

NOTE = (
    "Follow-up for type 2 diabetes. A1c 8.9 today, fasting sugars 180s. Denies chest pain.\n"
    "Procedure: right knee injection with triamcinolone 40 mg after sterile prep.\n"
    "Assessment: type 2 diabetes with hyperglycemia, increase metformin."
)


def span(text: str) -> Span:
    start = NOTE.index(text)
    return Span(start, start + len(text), text)


def engine(codesets: CodeSets, **providers) -> AuditEngine:
    return AuditEngine(codesets=codesets, **providers)


def kinds(audit):
    return [f.type for f in audit.flags]


# --- em_overcoded / em_undercoded ------------------------------------------------------------------------------------
def test_em_overcoded_from_supported_level(cms, codesets):
    finding = EmFinding(
        "99213",
        0.7,
        {"99213": 0.7, "99214": 0.15, "99215": 0.15},
        mdm={"level": "low", "problems": "low", "data": "minimal", "risk": "low"},
        evidence=(span("increase metformin"),),
        missing=("risk: no prescription drug management",),
    )
    audit = engine(codesets, em=FixedEm(finding)).audit(make_encounter([{"code": "99215"}], text=NOTE))
    [flag] = audit.flags
    assert (flag.type, flag.billed, flag.supported, flag.severity) == ("em_overcoded", "99215", "99213", "compliance")
    assert flag.confidence == 0.85  # probability that the true level is below 99215
    assert flag.dollar_impact.direction == "overpayment" and flag.dollar_impact.amount > 0
    assert any(e.source == "note" and NOTE[e.start : e.end] == e.text for e in flag.evidence)
    assert audit.supported_em == "99213"


def test_em_undercoded_from_supported_level(cms, codesets):
    finding = EmFinding("99214", 0.9)
    audit = engine(codesets, em=FixedEm(finding)).audit(make_encounter([{"code": "99213"}], text=NOTE))
    [flag] = audit.flags
    assert (flag.type, flag.severity, flag.dollar_impact.direction) == ("em_undercoded", "revenue", "underpayment")


def test_em_level_uncertain_not_flagged(cms, codesets):
    finding = EmFinding("99213", 0.45, {"99213": 0.45, "99214": 0.55})
    assert engine(codesets, em=FixedEm(finding)).audit(make_encounter([{"code": "99214"}], text=NOTE)).flags == []


def test_em_level_other_family_not_compared(cms, codesets):
    finding = EmFinding("99213", 0.99)
    assert engine(codesets, em=FixedEm(finding)).audit(make_encounter([{"code": "99204"}], text=NOTE)).flags == []


# --- missed_service --------------------------------------------------------------------------------------------------
def test_missed_service_detected_not_billed(cms, codesets):
    services = (ServiceFinding("20610", 1, 0.93, ("RT",), (span("right knee injection"),)),)
    lines = [{"code": "99214", "modifiers": ["25"]}]
    audit = engine(codesets, services=FixedServices(services)).audit(make_encounter(lines, text=NOTE))
    [flag] = audit.flags
    assert (flag.type, flag.code, flag.severity) == ("missed_service", "20610", "revenue")
    assert audit.dollars_opportunity == flag.dollar_impact.amount > 0


def test_missed_service_billed_or_bundled_not_flagged(cms, codesets):
    services = (ServiceFinding("20610", 1, 0.93), ServiceFinding("96372", 1, 0.9))
    lines = [{"code": "99214", "modifiers": ["25"]}, {"code": "20610", "modifiers": ["RT"]}]
    # 20610 is billed; 96372 is bundled into 20610 by NCCI, so it is not a missed service
    assert engine(codesets, services=FixedServices(services)).audit(make_encounter(lines, text=NOTE)).flags == []


def test_missed_service_low_confidence_not_flagged(cms, codesets):
    services = (ServiceFinding("93000", 1, 0.2),)
    audit = engine(codesets, services=FixedServices(services)).audit(make_encounter([{"code": "99213"}]))
    assert audit.flags == []


# --- unsupported_diagnosis -------------------------------------------------------------------------------------------
def test_unsupported_diagnosis_negated(cms, codesets):
    findings = (DiagnosisFinding("R07.9", "negated", 0.9, (span("Denies chest pain"),)),
                DiagnosisFinding("E11.65", "supported", 0.95))  # fmt: skip
    lines = [{"code": "99213", "dx": ["E11.65", "R07.9"]}]
    audit = engine(codesets, diagnoses=FixedDiagnoses(findings)).audit(make_encounter(lines, text=NOTE))
    [flag] = audit.flags
    assert (flag.type, flag.icd10cm, flag.rule_id) == ("unsupported_diagnosis", "R07.9",
                                                       "audit.diagnosis_support.v1/negated")  # fmt: skip
    assert flag.dollar_impact.amount is None  # E11.65 still supports the visit line


def test_unsupported_diagnosis_supported_code_not_flagged(cms, codesets):
    findings = (DiagnosisFinding("E11.65", "supported", 0.95),)
    lines = [{"code": "99213", "dx": ["E11.65"]}]
    assert engine(codesets, diagnoses=FixedDiagnoses(findings)).audit(make_encounter(lines, text=NOTE)).flags == []


# --- unspecified_code ------------------------------------------------------------------------------------------------
def test_unspecified_code_more_specific_documented(cms, codesets):
    findings = (DiagnosisFinding("E11.9", "absent", 0.7),)
    documented = (DocumentedCode("E11.65", 0.9, (span("type 2 diabetes with hyperglycemia"),)),)
    lines = [{"code": "99213", "dx": ["E11.9"]}]
    audit = engine(codesets, diagnoses=FixedDiagnoses(findings, documented)).audit(make_encounter(lines, text=NOTE))
    assert kinds(audit) == ["unspecified_code"]  # reported once, not also as unsupported
    flag = audit.flags[0]
    assert (flag.billed, flag.supported) == ("E11.9", "E11.65")
    [query] = [q for q in audit.queries if q.template_id == "cdi.specificity.generic.v1"]
    assert query.options[-2].label == "Other (please specify)" and query.options[-1].label == "Unable to determine"


def test_unspecified_code_coded_elsewhere_by_an_excludes_note(cms, codesets):
    documented = (DocumentedCode("N30.00", 0.9, (span("type 2 diabetes with hyperglycemia"),)),)
    lines = [{"code": "99213", "dx": ["N39.0"]}]
    audit = engine(codesets, diagnoses=FixedDiagnoses((), documented)).audit(make_encounter(lines, text=NOTE))
    assert [(f.type, f.billed, f.supported) for f in audit.flags] == [("unspecified_code", "N39.0", "N30.00")]


def test_unspecified_code_member_of_a_class_an_excludes_note_names_by_examples(cms, codesets):
    documented = (DocumentedCode("N10", 0.9, (span("type 2 diabetes with hyperglycemia"),)),)
    lines = [{"code": "99213", "dx": ["N39.0"]}]
    audit = engine(codesets, diagnoses=FixedDiagnoses((), documented)).audit(make_encounter(lines, text=NOTE))
    assert [(f.type, f.billed, f.supported) for f in audit.flags] == [("unspecified_code", "N39.0", "N10")]


def test_unspecified_code_found_for_one_billed_code_is_not_offered_for_another(cms, codesets):
    # the finder read M75.41 as the specific form of M75.40 (impingement); the cuff tear M75.100 of the same category
    # is another condition
    documented = (
        DocumentedCode("M75.41", 0.9, (span("type 2 diabetes with hyperglycemia"),), "specificity", "M75.40"),
    )
    lines = [{"code": "99213", "dx": ["M75.40", "M75.100"]}]
    audit = engine(codesets, diagnoses=FixedDiagnoses((), documented)).audit(make_encounter(lines, text=NOTE))
    assert [(f.type, f.billed, f.supported) for f in audit.flags] == [("unspecified_code", "M75.40", "M75.41")]


def test_unspecified_code_other_category_not_flagged(cms, codesets):
    documented = (DocumentedCode("I10", 0.9),)
    lines = [{"code": "99213", "dx": ["E11.9"]}]
    audit = engine(codesets, diagnoses=FixedDiagnoses((), documented)).audit(make_encounter(lines, text=NOTE))
    assert audit.flags == []


# --- hcc_gap ---------------------------------------------------------------------------------------------------------
def test_hcc_gap_documented_not_billed(cms, codesets):
    finding = HccFinding("HCC38", "E11.65", 0.9, ("monitor", "treat"), (span("increase metformin"),), 0.166)
    audit = engine(codesets, hccs=FixedHccs((finding,))).audit(make_encounter([{"code": "99213", "dx": ["I10"]}]))
    [flag] = audit.flags
    assert (flag.type, flag.hcc, flag.icd10cm) == ("hcc_gap", "HCC38", "E11.65")
    assert flag.dollar_impact.amount is None and "RAF" in flag.dollar_impact.basis


def test_hcc_gap_captured_by_billed_code_not_flagged(cms, codesets):
    finding = HccFinding("HCC38", "E11.65", 0.9)
    lines = [{"code": "99213", "dx": ["E11.9"]}]  # E11.9 maps to HCC38 as well
    assert engine(codesets, hccs=FixedHccs((finding,))).audit(make_encounter(lines)).flags == []


def test_hcc_gap_trumped_by_billed_higher_hcc_not_flagged(cms, codesets):
    finding = HccFinding("HCC38", "E11.9", 0.9)
    lines = [{"code": "99213", "dx": ["E11.22", "N18.31"]}]  # HCC37 outranks HCC38
    assert engine(codesets, hccs=FixedHccs((finding,))).audit(make_encounter(lines)).flags == []


def test_hcc_gap_outranked_only_by_an_unsupported_billed_code_is_flagged(cms, codesets):
    # HCC37 (E11.22) outranks HCC38 (E11.9); billed but unsupported, it captures nothing: E11.65's HCC is unpaid
    finding = HccFinding("HCC38", "E11.65", 0.9)
    lines = [{"code": "99213", "dx": ["E11.9", "E11.22"]}]
    unsupported = (DiagnosisFinding("E11.22", "ruled_out", 0.9), DiagnosisFinding("E11.9", "supported", 0.95))
    audit = engine(codesets, hccs=FixedHccs((finding,)), diagnoses=FixedDiagnoses(unsupported))
    assert [f.hcc for f in audit.audit(make_encounter(lines)).flags if f.type == "hcc_gap"] == ["HCC38"]
    # the same claim with E11.22 supported pays HCC37, which captures the diabetes
    supported = (DiagnosisFinding("E11.22", "supported", 0.95), DiagnosisFinding("E11.9", "supported", 0.95))
    audit = engine(codesets, hccs=FixedHccs((finding,)), diagnoses=FixedDiagnoses(supported))
    assert [f for f in audit.audit(make_encounter(lines)).flags if f.type == "hcc_gap"] == []


def test_hcc_gap_outranked_by_another_documented_hcc_not_flagged(cms, codesets):
    lower, higher = HccFinding("HCC38", "E11.9", 0.9), HccFinding("HCC37", "E11.22", 0.9)
    audit = engine(codesets, hccs=FixedHccs((lower, higher))).audit(make_encounter([{"code": "99213", "dx": ["I10"]}]))
    assert [f.hcc for f in audit.flags if f.type == "hcc_gap"] == ["HCC37"]


# --- skipped checks --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "check", ["audit.em_level.v1", "audit.missed_service.v1", "audit.diagnosis_support.v1", "audit.hcc_gap.v1"]
)
def test_engine_skips_model_checks_without_models(claim_engine, check):
    audit = claim_engine.audit(make_encounter([{"code": "99213"}]))
    assert check in audit.checks_skipped and check not in audit.checks_run
