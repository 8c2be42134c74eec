"""NCCI PTP edits on real pairs of the shared practitioner table (July 2024)."""

from __future__ import annotations

import datetime as dt

import pytest

from models.audit.checks.ncci import is_em_modifier25_edit
from tests.models.audit.conftest import make_encounter, types_of


def ptp_flags(audit):
    return [f for f in audit.flags if f.type == "ncci_ptp_conflict"]


def test_ncci_indicator0_pair_flagged_even_with_modifier(claim_engine, cms):
    edit = cms.ptp_edit("11102", "0213T", dt.date(2024, 8, 1))
    assert edit is not None and edit.modifier_indicator == 0
    audit = claim_engine.audit(make_encounter([{"code": "11102"}, {"code": "0213T", "modifiers": ["59"]}]))
    [flag] = ptp_flags(audit)
    assert (flag.column1, flag.column2) == ("11102", "0213T")
    assert flag.rule_id == "audit.ncci_ptp.v1/indicator0"
    assert flag.match_key() == ("ncci_ptp_conflict", "11102")


def test_ncci_indicator1_pair_without_modifier_flagged(claim_engine, cms):
    assert cms.ptp_edit("93000", "93010", dt.date(2024, 8, 1)).modifier_indicator == 1
    audit = claim_engine.audit(make_encounter([{"code": "93000"}, {"code": "93010"}]))
    [flag] = ptp_flags(audit)
    assert (flag.column1, flag.column2, flag.severity) == ("93000", "93010", "compliance")
    assert flag.dollar_impact is not None and flag.dollar_impact.fee_schedule == "PFS 2024-07"
    assert "before geographic adjustment" in flag.dollar_impact.note


@pytest.mark.parametrize("modifier", ["59", "XU", "XS", "XE", "XP"])
def test_ncci_indicator1_pair_with_bypass_modifier_not_flagged(claim_engine, modifier):
    audit = claim_engine.audit(make_encounter([{"code": "93000"}, {"code": "93010", "modifiers": [modifier]}]))
    assert ptp_flags(audit) == []


def test_ncci_same_anatomic_modifier_does_not_bypass(claim_engine):
    lines = [{"code": "20611", "modifiers": ["RT"]}, {"code": "20610", "modifiers": ["RT"]}]
    assert [f.column2 for f in ptp_flags(claim_engine.audit(make_encounter(lines)))] == ["20610"]


def test_ncci_different_anatomic_modifiers_bypass(claim_engine):
    lines = [{"code": "20611", "modifiers": ["RT"]}, {"code": "20610", "modifiers": ["LT"]}]
    assert ptp_flags(claim_engine.audit(make_encounter(lines))) == []


def test_ncci_deleted_pair_not_flagged_after_deletion_date(claim_engine, cms):
    assert cms.ptp_edit("10060", "0228T", dt.date(2024, 8, 1)) is None
    audit = claim_engine.audit(make_encounter([{"code": "10060"}, {"code": "0228T"}]))
    assert ptp_flags(audit) == []


def test_ncci_deleted_pair_flagged_before_its_deletion_date(claim_engine, cms):
    assert cms.ptp_edit("10060", "0228T", dt.date(2020, 6, 1)) is not None
    audit = claim_engine.audit(make_encounter([{"code": "10060"}, {"code": "0228T"}], dos="2020-06-01"))
    assert [(f.column1, f.column2) for f in ptp_flags(audit)] == [("10060", "0228T")]


def test_ncci_payer_refusing_x_modifier_names_its_rule(claim_engine):
    lines = [{"code": "93000"}, {"code": "93010", "modifiers": ["XS"]}]
    [flag] = ptp_flags(claim_engine.audit(make_encounter(lines, payer="Example Plan")))
    assert flag.rule_id == "example_plan.x_modifiers.not_accepted"
    assert ptp_flags(claim_engine.audit(make_encounter(lines, payer="Medicare"))) == []


def test_ncci_em_procedure_edit_left_to_modifier25(claim_engine, cms):
    edit = cms.ptp_edit("20610", "99214", dt.date(2024, 8, 1))
    assert is_em_modifier25_edit(edit)
    audit = claim_engine.audit(make_encounter([{"code": "99214"}, {"code": "20610"}]))
    assert types_of(audit) == ["missing_modifier_25"]
