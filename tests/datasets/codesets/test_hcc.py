from __future__ import annotations

import pytest
from hccinfhir import calculate_raf

from datasets.codesets import CodeSets, HccModel


def test_hcc_e119_maps_to_hcc38_in_v28_and_hcc19_in_v24(codesets: CodeSets) -> None:
    assert codesets.hcc("V28").hccs_for("E11.9") == ["HCC38"]
    assert codesets.hcc("V24").hccs_for("e119") == ["HCC19"]


def test_hcc_code_without_hcc_maps_to_nothing(codesets: CodeSets) -> None:
    assert codesets.hcc("V28").hccs_for("I10") == []


def test_hcc_hierarchy_drops_the_less_severe_diabetes_category() -> None:
    model = HccModel("V28", 2026)
    mapped = model.map_diagnoses(["E11.9", "E11.22"])
    assert set(mapped) == {"HCC38", "HCC37"}
    assert model.apply_hierarchies(list(mapped)) == ["HCC37"]


@pytest.mark.parametrize("year", [2025, 2026, 2027])
def test_hcc_raf_equals_hccinfhir_for_each_payment_year(year: int) -> None:
    from hccinfhir import utils

    model = HccModel("V28", year)
    diagnoses = ["E11.22", "I50.22", "J44.1", "N18.4"]
    ours = model.raf(diagnoses, age=72, sex="F")
    files = {2025: "2025", 2026: "2026", 2027: "2027"}
    reference = calculate_raf(
        [d.replace(".", "") for d in diagnoses],
        model_name="CMS-HCC Model V28",
        age=72,
        sex="F",
        dx_to_cc_mapping=utils.load_dx_to_cc_mapping(f"ra_dx_to_cc_{files[year]}.csv"),
        hierarchies_mapping=utils.load_hierarchies(
            "ra_hierarchies_2025.csv" if year == 2025 else "ra_hierarchies_2026.csv"
        ),
        coefficients_mapping=utils.load_coefficients(
            "ra_proposed_coefficients_2027.csv" if year == 2027 else f"ra_coefficients_{year}.csv"
        ),
    )
    assert ours.risk_score == pytest.approx(reference.risk_score, abs=1e-4)
    assert set(ours.hccs) == {f"HCC{c}" for c in reference.hcc_list}


def test_hcc_raf_default_year_matches_hccinfhir_defaults() -> None:
    ours = HccModel("V28", 2026).raf(["E11.9", "F32.1"], age=68, sex="M", segment="community_full_dual_aged")
    reference = calculate_raf(["E119", "F321"], model_name="CMS-HCC Model V28", age=68, sex="M", dual_elgbl_cd="02")
    assert ours.risk_score == pytest.approx(reference.risk_score, abs=1e-4)
    assert ours.risk_score > ours.risk_score_demographics


def test_hcc_rejects_years_and_versions_it_has_no_tables_for() -> None:
    with pytest.raises(ValueError, match="payment_year"):
        HccModel("V28", 2024)
    with pytest.raises(ValueError, match="V24 was retired"):
        HccModel("V24", 2027)


def test_hcc_label_names_the_category() -> None:
    assert "Diabetes" in HccModel("V28").label("HCC38")
