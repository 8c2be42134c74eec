"""Encounter risk score, review ranking and provider summary."""

from __future__ import annotations

from configs.audit import RiskWeights
from models.audit.flags import AuditFlag, DollarImpact, EncounterAudit
from models.audit.risk import flag_table, provider_summary, rank_for_review, risk_score, split_dollars


def flag(severity="compliance", confidence=1.0, amount=100.0, direction="overpayment", kind="em_overcoded"):
    impact = DollarImpact(amount=amount, direction=direction, rvu=1.0, conversion_factor=33.0, fee_schedule="PFS t",
                          facility=False, basis="test")  # fmt: skip
    return AuditFlag(type=kind, severity=severity, confidence=confidence, explanation="e", action="a", rule_id="t",
                     dollar_impact=impact)  # fmt: skip


def audit(eid, flags, provider="P1", em="99214"):
    at_risk, opportunity = split_dollars(flags)
    return EncounterAudit(encounter_id=eid, provider_id=provider, billed_em=em, flags=flags,
                          risk_score=risk_score(flags, RiskWeights()), dollars_at_risk=at_risk,
                          dollars_opportunity=opportunity)  # fmt: skip


def test_risk_score_clean_claim_is_zero():
    assert risk_score([], RiskWeights()) == 0.0


def test_risk_score_compliance_outranks_revenue_of_same_size():
    weights = RiskWeights()
    assert risk_score([flag("compliance")], weights) > risk_score([flag("revenue", direction="underpayment")], weights)


def test_risk_score_grows_with_flags_and_stays_below_one():
    weights = RiskWeights()
    one, three = risk_score([flag()], weights), risk_score([flag()] * 3, weights)
    assert 0 < one < three <= 1.0


def test_risk_score_larger_exposure_ranks_higher():
    weights = RiskWeights()
    assert risk_score([flag(amount=500.0)], weights) > risk_score([flag(amount=5.0)], weights)


def test_rank_for_review_orders_by_risk_then_dollars():
    audits = [audit("clean", []), audit("big", [flag(amount=400.0)]), audit("small", [flag(amount=4.0)])]
    ranked = rank_for_review(audits)
    assert [a.encounter_id for a in ranked] == ["big", "small", "clean"]


def test_provider_summary_levels_rates_and_dollars():
    audits = [audit("a", [flag()], em="99215"), audit("b", [], em="99213"), audit("c", [], provider="P2")]
    [p1, p2] = provider_summary(audits)
    assert p1["provider_id"] == "P1" and p1["encounters"] == 2
    assert p1["em_level_counts"] == {"99213": 1, "99215": 1}
    assert p1["flag_rates"] == {"em_overcoded": 0.5} and p1["dollars_at_risk"] == 100.0
    assert p2["flag_rate"] == 0.0


def test_flag_table_counts_and_dollars_by_type():
    table = flag_table([audit("a", [flag(), flag(kind="ncci_ptp_conflict", amount=10.0)]), audit("b", [flag()])])
    assert table == {"em_overcoded": {"flags": 2, "dollars": 200.0}, "ncci_ptp_conflict": {"flags": 1, "dollars": 10.0}}
