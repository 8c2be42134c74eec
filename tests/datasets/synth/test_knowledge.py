"""The generator's shipped tables: they load, their codes are real, drug units match HCPCS, NCCI facts hold."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from datasets.codesets import CodeSets
from datasets.synth.knowledge import Condition, KnowledgeError, Service, default_knowledge, load_knowledge
from datasets.synth.ncci import catalogue_codes, gold_ptp_pairs

KNOWLEDGE = default_knowledge()
ON = dt.date(2024, 7, 1)


def test_knowledge_tables_load_with_versions() -> None:
    knowledge = load_knowledge()
    assert knowledge.versions == {"conditions": 1, "services": 1, "phrasing": 1, "content": 1}
    assert len(knowledge.conditions) >= 80
    assert {s for c in knowledge.conditions for s in c.specialties} >= {
        "family_medicine", "internal_medicine", "cardiology", "endocrinology", "pulmonology", "orthopaedics",
        "dermatology", "obgyn", "gastroenterology", "urgent_care", "behavioural_health",
    }  # fmt: skip


def _condition_codes(condition: Condition) -> set[str]:
    codes: set[str] = set()
    for side in [None] if condition.sides is None else ["right", "left"]:
        codes.update(condition.codes_for(side))
    return codes | set(condition.unspecified) | set(condition.unspecified.values())


@pytest.mark.parametrize("condition", KNOWLEDGE.conditions, ids=lambda c: c.key)
def test_knowledge_condition_codes_are_billable(condition: Condition) -> None:
    icd = CodeSets.from_settings().icd10cm
    for code in _condition_codes(condition) | {r.code for r in condition.rule_out}:
        assert icd.is_billable(code), code
    for specific, unspecified in condition.unspecified.items():
        assert specific in _condition_codes(condition) and specific != unspecified


@pytest.mark.parametrize("condition", KNOWLEDGE.conditions, ids=lambda c: c.key)
def test_knowledge_condition_rule_outs_are_not_its_own_codes(condition: Condition) -> None:
    assert not {r.code for r in condition.rule_out} & _condition_codes(condition)


def test_knowledge_condition_from_dict_rejects_unknown_keys() -> None:
    with pytest.raises(KnowledgeError, match=r"SYN001 row: Condition entries take exactly .* unknown \['colour'\]"):
        Condition.from_dict({"colour": "red"}, "row")


def test_knowledge_service_round_trip() -> None:
    for service in KNOWLEDGE.services.values():
        row = service.to_dict()
        row["drug"] = None if service.drug is None else {**row["drug"], "doses": list(row["drug"]["doses"])}
        for key in ("modifiers", "bundled", "notes"):
            row[key] = list(row[key])
        assert Service.from_dict(row, "row") == service


def test_knowledge_drug_units_round_up_to_the_descriptor_amount() -> None:
    drugs = {s.drug.code: s.drug for s in KNOWLEDGE.services.values() if s.drug}
    assert drugs["J1885"].units_for(60) == 4  # ketorolac per 15 mg
    assert drugs["J0696"].units_for(1000) == 4  # ceftriaxone per 250 mg
    assert drugs["J2550"].units_for(25) == 1  # promethazine up to 50 mg
    assert drugs["J7613"].units_for(2.5) == 3  # albuterol per 1 mg, rounded up
    assert drugs["J0561"].units_for(2_400_000) == 24  # penicillin G benzathine per 100,000 units


@pytest.fixture(scope="module")
def cms():
    codesets = CodeSets.from_settings()
    if not codesets.has_cms:
        pytest.skip("CMS tables not available (set MEDCODE_DATA_DIR)")
    return codesets.cms


@pytest.mark.shared_data
def test_knowledge_drug_units_match_hcpcs_descriptors(cms) -> None:
    for service in KNOWLEDGE.services.values():
        if service.drug is None:
            continue
        record = cms.hcpcs(service.drug.code)
        assert record is not None, service.drug.code
        assert service.drug.hcpcs_unit.lower() in record.description.lower(), (service.key, record.description)


@pytest.mark.shared_data
def test_knowledge_units_stay_within_mue(cms) -> None:
    for service in KNOWLEDGE.services.values():
        if service.drug is not None:
            mue = cms.mue(service.drug.code, ON)
            if mue is not None and mue.max_units:
                assert max(service.drug.units_for(d) for d in service.drug.doses) <= mue.max_units, service.key
        if service.addon is not None:
            mue = cms.mue(service.addon, ON)
            assert mue is None or service.addon_max <= mue.max_units, service.key


@pytest.mark.shared_data
def test_knowledge_em_needs_25_agrees_with_ncci_and_global_days(cms) -> None:
    for service in KNOWLEDGE.services.values():
        edit = cms.ptp_edit(service.code, "99214", ON)
        fee = cms.fee(service.code, ON)
        minor = fee is not None and fee.global_days in ("000", "010")
        expected = minor or (edit is not None and edit.modifier_indicator == 1)
        assert service.em_needs_25 == expected, service.key
        if service.global_days is not None:
            assert fee is not None and fee.global_period_days == service.global_days, service.key


@pytest.mark.shared_data
def test_knowledge_gold_ptp_pairs_are_the_cms_pairs_among_catalogue_codes(cms) -> None:
    pairs = gold_ptp_pairs(cms, KNOWLEDGE)
    codes = set(catalogue_codes(KNOWLEDGE))
    assert pairs and all({a, b} <= codes and indicator in (0, 1) for (a, b), indicator in pairs.items())
    assert all(cms.ptp_edit(a, b, ON).modifier_indicator == i for (a, b), i in pairs.items())  # type: ignore[union-attr]
    assert gold_ptp_pairs(None, KNOWLEDGE) == {}


@pytest.mark.shared_data
def test_knowledge_bundled_components_are_real_ptp_pairs(cms) -> None:
    for service in KNOWLEDGE.services.values():
        for component in service.bundled:
            edits = cms.ptp_edits([service.code, component], ON)
            assert any({e.column1, e.column2} == {service.code, component} for e in edits), (service.key, component)


@pytest.mark.parametrize("split", ["heldout", "validation", "calibration"])
def test_knowledge_unseen_family_shares_no_header_or_template(split: str) -> None:
    train = [f for f in KNOWLEDGE.families.values() if f.split == "train"]
    held = [f for f in KNOWLEDGE.families.values() if f.split == split]
    assert train and held
    for family in held:
        for other in train:
            assert not set(family.headers.values()) & set(other.headers.values())
            for key, templates in family.templates.items():
                assert not set(templates) & set(other.templates[key]), key
            for status, phrases in family.status.items():
                assert not set(phrases) & set(other.status[status]), status


def test_knowledge_services_have_positive_units() -> None:
    for service in KNOWLEDGE.services.values():
        if service.drug:
            assert all(service.drug.units_for(d) >= 1 and math.isfinite(d) for d in service.drug.doses)


def test_knowledge_manifest_lists_every_table_with_its_sha256() -> None:
    import hashlib
    import json
    from importlib import resources

    folder = resources.files("datasets.synth") / "data"
    manifest = json.loads((folder / "MANIFEST.json").read_text(encoding="utf-8"))
    tables = sorted(p.name for p in folder.iterdir() if p.name.endswith((".yaml", ".csv")))
    assert sorted(manifest) == tables
    for name, entry in manifest.items():
        digest = hashlib.sha256((folder / name).read_bytes()).hexdigest()
        assert entry["sha256"] == digest, f"{name} changed: run python -m datasets.synth.manifest"


def _family_row(**changes: object) -> dict[str, object]:
    """Family X as written in the YAML, with ``changes``."""
    from importlib import resources

    import yaml

    text = (resources.files("datasets.synth") / "data" / "phrasing_v1.yaml").read_text(encoding="utf-8")
    row = next(f for f in yaml.safe_load(text)["families"] if f["name"] == "X")
    return {**row, **changes}


def test_knowledge_plan_wording_is_optional_and_checked() -> None:
    from datasets.synth.knowledge import Family

    assert all(not f.plan_wording for f in KNOWLEDGE.families.values() if f.split == "train")
    assert Family.from_dict({k: v for k, v in _family_row().items() if k != "plan_wording"}, "row").plan_wording == ()
    with pytest.raises(KnowledgeError, match=r"SYN001 row: 'plan_wording' entries take exactly"):
        Family.from_dict(_family_row(plan_wording=[{"pattern": "a"}]), "row")
    with pytest.raises(KnowledgeError, match=r"SYN001 row: plan_wording pattern '\(' is not a regular expression"):
        Family.from_dict(_family_row(plan_wording=[{"pattern": "(", "choices": ["b"]}]), "row")


def test_knowledge_condition_names_are_optional_and_checked() -> None:
    from datasets.synth.knowledge import Family, check_condition_names

    assert all(not f.condition_names for f in KNOWLEDGE.families.values() if f.split in ("train", "heldout"))
    assert Family.from_dict(_family_row(), "row").condition_names == {}
    own = Family.from_dict(_family_row(condition_names={"knee_oa": ["{side} knee DJD"]}), "row")
    assert own.condition_names == {"knee_oa": ("{side} knee DJD",)}
    check_condition_names(own, KNOWLEDGE.conditions, "row")
    with pytest.raises(KnowledgeError, match=r"SYN001 row: condition_names names unknown condition 'knee'"):
        check_condition_names(
            Family.from_dict(_family_row(condition_names={"knee": ["{side} knee DJD"]}), "row"),
            KNOWLEDGE.conditions,
            "row",
        )
    with pytest.raises(KnowledgeError, match=r"SYN001 row: condition_names.knee_oa must say \{side\}"):
        check_condition_names(
            Family.from_dict(_family_row(condition_names={"knee_oa": ["knee DJD"]}), "row"), KNOWLEDGE.conditions, "row"
        )


def test_knowledge_drawn_is_optional_and_checked() -> None:
    from datasets.synth.knowledge import Family

    assert Family.from_dict(_family_row(), "row").drawn is True
    assert Family.from_dict(_family_row(drawn=False), "row").drawn is False
    with pytest.raises(KnowledgeError, match=r"SYN001 row: 'drawn' takes true or false, got 'no'"):
        Family.from_dict(_family_row(drawn="no"), "row")
