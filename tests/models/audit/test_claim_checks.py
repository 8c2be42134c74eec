"""Claim-only checks on real CMS rows: one encounter that must raise each flag, and a near miss that must not."""

from __future__ import annotations

from tests.models.audit.conftest import make_encounter, types_of


def flags_of(audit, flag_type):
    return [f for f in audit.flags if f.type == flag_type]


# --- mue_exceeded ----------------------------------------------------------------------------------------------------
def test_mue_date_of_service_edit_sums_lines(claim_engine):
    # 20610: MUE 2, MAI 3 (date of service): two lines of 2 units each make 4.
    lines = [{"code": "20610", "modifiers": ["RT"], "units": 2}, {"code": "20610", "modifiers": ["LT"], "units": 2}]
    [flag] = flags_of(claim_engine.audit(make_encounter(lines)), "mue_exceeded")
    assert flag.code == "20610" and flag.details["billed_units"] == 4 and flag.rule_id == "audit.mue.v1/mai3"
    assert flag.dollar_impact.rvu == 2 * 1.96  # the two excess units, non-facility


def test_mue_at_limit_not_flagged(claim_engine):
    lines = [{"code": "20610", "modifiers": ["RT"]}, {"code": "20610", "modifiers": ["LT"]}]
    assert flags_of(claim_engine.audit(make_encounter(lines)), "mue_exceeded") == []


def test_mue_line_edit_counts_each_line(claim_engine):
    # A6460: MUE 1, MAI 1 (claim line): two lines of one unit pass, one line of two does not.
    two_lines = [{"code": "A6460"}, {"code": "A6460", "modifiers": ["59"]}]
    assert flags_of(claim_engine.audit(make_encounter(two_lines)), "mue_exceeded") == []
    [flag] = flags_of(claim_engine.audit(make_encounter([{"code": "A6460", "units": 2}])), "mue_exceeded")
    assert flag.rule_id == "audit.mue.v1/mai1"


def test_mue_counts_same_day_history_claim(claim_engine):
    history = [{"date_of_service": "2024-08-01", "claim": {"lines": [{"code": "11102"}]}}]
    audit = claim_engine.audit(make_encounter([{"code": "11102"}], history=history))
    assert [f.code for f in flags_of(audit, "mue_exceeded")] == ["11102"]


# --- addon_without_primary -------------------------------------------------------------------------------------------
def test_addon_without_primary_flagged(claim_engine):
    [flag] = flags_of(claim_engine.audit(make_encounter([{"code": "17003", "units": 3}])), "addon_without_primary")
    assert flag.code == "17003" and flag.severity == "denial" and "17000" in flag.details["primary_codes"]


def test_addon_with_primary_not_flagged(claim_engine):
    lines = [{"code": "17000"}, {"code": "17003", "units": 3}]
    assert flags_of(claim_engine.audit(make_encounter(lines)), "addon_without_primary") == []


def test_addon_primary_on_same_day_history_claim_counts(claim_engine):
    history = [{"date_of_service": "2024-08-01", "claim": {"lines": [{"code": "17000"}]}}]
    audit = claim_engine.audit(make_encounter([{"code": "17003"}], history=history))
    assert flags_of(audit, "addon_without_primary") == []


def test_addon_prolonged_visit_needs_top_level(claim_engine):
    assert [f.code for f in flags_of(claim_engine.audit(make_encounter([{"code": "99214"}, {"code": "99417"}])),
                                     "addon_without_primary")] == ["99417"]  # fmt: skip
    assert flags_of(claim_engine.audit(make_encounter([{"code": "99215"}, {"code": "99417"}])),
                    "addon_without_primary") == []  # fmt: skip


# --- global_period_conflict ------------------------------------------------------------------------------------------
def _surgery(code: str, day: str) -> list[dict]:
    return [{"date_of_service": day, "claim": {"lines": [{"code": code, "dx": ["L02.91"]}]}}]


def test_global_period_visit_in_010_window_flagged(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "99213"}], history=_surgery("10060", "2024-07-25")))
    [flag] = flags_of(audit, "global_period_conflict")
    assert flag.code == "99213" and flag.rule_id == "audit.global_period.v1/global010"
    assert flag.details == {"procedure": "10060", "procedure_date": "2024-07-25", "day": 7}


def test_global_period_visit_with_24_not_flagged(claim_engine):
    audit = claim_engine.audit(
        make_encounter([{"code": "99213", "modifiers": ["24"]}], history=_surgery("10060", "2024-07-25"))
    )
    assert flags_of(audit, "global_period_conflict") == []


def test_global_period_postop_99024_not_flagged(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "99024"}], history=_surgery("10060", "2024-07-25")))
    assert flags_of(audit, "global_period_conflict") == []


def test_global_period_after_window_not_flagged(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "99213"}], history=_surgery("10060", "2024-07-20")))
    assert flags_of(audit, "global_period_conflict") == []  # day 12 of a 10-day global


def test_global_period_090_procedure_inside_window_needs_79(claim_engine):
    history = _surgery("29881", "2024-06-01")
    assert [f.code for f in flags_of(claim_engine.audit(make_encounter([{"code": "20610"}], history=history)),
                                     "global_period_conflict")] == ["20610"]  # fmt: skip
    ok = make_encounter([{"code": "20610", "modifiers": ["79"]}], history=history)
    assert flags_of(claim_engine.audit(ok), "global_period_conflict") == []


def test_global_period_lab_test_not_in_package(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "85018"}], history=_surgery("29881", "2024-06-01")))
    assert flags_of(audit, "global_period_conflict") == []


# --- missing_modifier_25 ---------------------------------------------------------------------------------------------
def test_modifier25_missing_with_minor_procedure(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "99214"}, {"code": "20610", "modifiers": ["RT"]}]))
    [flag] = flags_of(audit, "missing_modifier_25")
    assert flag.code == "99214" and flag.details["modifier_needed"] == "25"
    assert flags_of(audit, "ncci_ptp_conflict") == []  # reported once, as the modifier problem


def test_modifier25_present_not_flagged(claim_engine):
    lines = [{"code": "99214", "modifiers": ["25"]}, {"code": "20610", "modifiers": ["RT"]}]
    assert types_of(claim_engine.audit(make_encounter(lines))) == []


def test_modifier25_missing_with_preventive_visit(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "99396"}, {"code": "99213"}]))
    assert [f.code for f in flags_of(audit, "missing_modifier_25")] == ["99213"]


def test_modifier25_missing_with_injection_ptp_edit(claim_engine):
    lines = [{"code": "99213"}, {"code": "96372"}, {"code": "J1885", "units": 2}]
    assert [f.code for f in flags_of(claim_engine.audit(make_encounter(lines)), "missing_modifier_25")] == ["99213"]


def test_modifier25_not_needed_with_ecg(claim_engine):
    # 93000 has no PTP edit with the office visit and no global period: no modifier is needed.
    assert types_of(claim_engine.audit(make_encounter([{"code": "99213"}, {"code": "93000"}]))) == []


def test_modifier57_answers_major_procedure(claim_engine):
    lines = [{"code": "99204", "modifiers": ["57"]}, {"code": "29881", "modifiers": ["RT"]}]
    assert flags_of(claim_engine.audit(make_encounter(lines)), "missing_modifier_25") == []


# --- payer rules -----------------------------------------------------------------------------------------------------
def test_payer_frequency_limit_names_rule(claim_engine):
    history = [{"date_of_service": "2024-01-15", "claim": {"lines": [{"code": "G0439"}]}}]
    audit = claim_engine.audit(make_encounter([{"code": "G0439"}], history=history, payer="Medicare"))
    [flag] = flags_of(audit, "payer_rule")
    assert flag.rule_id == "medicare.g0439.once_per_12_months" and flag.code == "G0439"


def test_payer_frequency_limit_after_period_not_flagged(claim_engine):
    history = [{"date_of_service": "2023-07-15", "claim": {"lines": [{"code": "G0439"}]}}]
    audit = claim_engine.audit(make_encounter([{"code": "G0439"}], history=history, payer="Medicare"))
    assert flags_of(audit, "payer_rule") == []


def test_payer_code_not_accepted(claim_engine):
    lines = [{"code": "99214"}, {"code": "G2211"}]
    assert [f.rule_id for f in claim_engine.audit(make_encounter(lines, payer="Aetna")).flags] == [
        "commercial.g2211.not_accepted"
    ]
    assert claim_engine.audit(make_encounter(lines, payer="Medicare")).flags == []


# --- a clean claim ---------------------------------------------------------------------------------------------------
def test_clean_claim_has_no_flags_and_zero_risk(claim_engine):
    audit = claim_engine.audit(make_encounter([{"code": "99214", "dx": ["I10"]}, {"code": "93000", "dx": ["I10"]}]))
    assert audit.flags == [] and audit.risk_score == 0.0 and audit.dollars_at_risk == 0.0
    assert audit.tables["ncci_ptp"] == "2024-07" and audit.billed_em == "99214"
