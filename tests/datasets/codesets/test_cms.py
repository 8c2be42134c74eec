"""NCCI, MUE, add-on, HCPCS, RBCS and fee-schedule lookups on real rows of the shared CMS tables."""

from __future__ import annotations

import datetime as dt

from datasets.codesets import CmsTables

DOS = dt.date(2024, 8, 1)


def test_fee_schedule_99214_rvus_global_days_and_payment(cms: CmsTables) -> None:
    fee = cms.fee("99214", DOS)
    assert fee is not None
    assert (fee.work_rvu, fee.non_facility_total_rvu, fee.facility_total_rvu) == (1.92, 3.85, 2.89)
    assert fee.global_days == "XXX" and fee.global_period_days is None
    assert fee.conversion_factor == 33.2875
    assert fee.payment() == round(3.85 * 33.2875, 2)


def test_fee_schedule_global_periods_of_minor_procedures(cms: CmsTables) -> None:
    incision = cms.fee("10060", DOS)
    injection = cms.fee("20610", DOS)
    assert incision is not None and incision.global_period_days == 10
    assert injection is not None and injection.global_period_days == 0


def test_ptp_pair_with_modifier_indicator_0(cms: CmsTables) -> None:
    edit = cms.ptp_edit("99000", "36591", DOS)
    assert edit is not None and edit.modifier_indicator == 0


def test_ptp_pair_with_modifier_indicator_1(cms: CmsTables) -> None:
    edit = cms.ptp_edit("20610", "76942", DOS)
    assert edit is not None and edit.modifier_indicator == 1


def test_ptp_deleted_pair_applies_before_and_not_after_its_deletion_date(cms: CmsTables) -> None:
    assert cms.ptp_edit("90471", "99241", dt.date(2022, 6, 1)) is not None
    assert cms.ptp_edit("90471", "99241", dt.date(2023, 6, 1)) is None


def test_ptp_edits_for_a_claim_find_every_active_pair_once(cms: CmsTables) -> None:
    edits = cms.ptp_edits(["20610", "76942", "99000", "36591", "99214"], DOS)
    pairs = {(e.column1, e.column2) for e in edits}
    assert {("20610", "76942"), ("99000", "36591")} <= pairs
    assert len(pairs) == len(edits)


def test_ptp_order_matters(cms: CmsTables) -> None:
    assert cms.ptp_edit("76942", "20610", DOS) is None


def test_mue_units_for_an_office_visit(cms: CmsTables) -> None:
    mue = cms.mue("99214", DOS)
    assert mue is not None and (mue.max_units, mue.adjudication_indicator) == (2, 3)
    assert cms.mue("ZZZZZ", DOS) is None


def test_addon_code_99417_lists_its_primary_codes(cms: CmsTables) -> None:
    edit = cms.addon_edit("99417", DOS)
    assert edit is not None and edit.edit_type == 1
    assert {"99205", "99215"} <= edit.primary_codes
    assert cms.addon_edit("99214", DOS) is None


def test_addon_primary_added_later_is_not_in_force_earlier(cms: CmsTables) -> None:
    edit_2024 = cms.addon_edit("99417", DOS)
    edit_2025 = cms.addon_edit("99417", dt.date(2025, 6, 1))
    assert edit_2024 is not None and edit_2025 is not None
    assert "98003" not in edit_2024.primary_codes and "98003" in edit_2025.primary_codes


def test_hcpcs_level2_description_gives_the_drug_unit(cms: CmsTables) -> None:
    record = cms.hcpcs("J1100")
    assert record is not None and record.description.endswith("1 mg")
    assert cms.hcpcs("99214") is None


def test_rbcs_names_what_a_cpt_number_is(cms: CmsTables) -> None:
    record = cms.rbcs("99214")
    assert record is not None and (record.category, record.family) == ("E&M", "Office E&M - Established")


def test_modifier_table_keeps_cpt_descriptions_out(cms: CmsTables) -> None:
    cpt = cms.modifier("25")
    assert cpt is not None and cpt[0] == "CPT" and cpt[2] == ""


def test_versions_list_the_practitioner_ptp_row_count(cms: CmsTables) -> None:
    ptp = [v for v in cms.versions() if v.name == "ncci_ptp"]
    assert [(v.version, v.rows) for v in ptp] == [("2024-07", 2_546_017)]
    assert len(ptp[0].sha256) == 64
