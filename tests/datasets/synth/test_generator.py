"""The generator's contract: determinism, schema round trips, internally consistent gold, flags present in claims."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from datasets.codesets import CodeSets
from datasets.codesets.em import em_code_for, em_rank, mdm_level, preventive_code
from datasets.io import read_encounters, write_encounters
from datasets.schema import Encounter
from datasets.synth.claims import GLOBAL_BYPASS, unspecified_map
from datasets.synth.generator import Generator, Phrasing, SynthConfig, generate_encounters
from datasets.synth.knowledge import default_knowledge
from datasets.synth.ncci import AWV_CODES, office_em_codes, preventive_codes
from datasets.synth.phi import FAKE_FIRST_NAMES, FAKE_LAST_NAMES

OFFICE_EM = set(office_em_codes())


def _em_line(encounter: Encounter):
    assert encounter.claim is not None
    return next((line for line in encounter.claim.lines if line.code in OFFICE_EM), None)


def test_generator_is_deterministic_per_seed(codesets: CodeSets) -> None:
    first = [e.to_json_dict() for e in generate_encounters(SynthConfig(n=30, seed=5), codesets=codesets)]
    second = [e.to_json_dict() for e in generate_encounters(SynthConfig(n=30, seed=5), codesets=codesets)]
    other = [e.to_json_dict() for e in generate_encounters(SynthConfig(n=30, seed=6), codesets=codesets)]
    assert first == second
    assert first != other


def test_generator_encounter_depends_only_on_seed_and_index(codesets: CodeSets) -> None:
    short = list(generate_encounters(SynthConfig(n=5, seed=9), codesets=codesets))
    longer = list(generate_encounters(SynthConfig(n=12, seed=9), codesets=codesets))
    assert [e.to_json_dict() for e in short] == [e.to_json_dict() for e in longer[:5]]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_generator_schema_round_trip(tmp_path, encounters: list[Encounter], suffix: str) -> None:
    path = tmp_path / f"synth{suffix}"
    write_encounters(path, encounters[:60])
    back = list(read_encounters(path, on_error="raise"))
    assert [e.to_json_dict() for e in back] == [e.to_json_dict() for e in encounters[:60]]


def test_generator_extra_keys_are_present(encounters: list[Encounter]) -> None:
    for encounter in encounters:
        extra = encounter.model_extra or {}
        assert extra["phrasing_family"] in default_knowledge().families
        assert extra["planted_phi"] == []
        assert extra["visit_kind"] in ("problem", "preventive", "awv", "procedure_only", "therapy")


def test_generator_gold_icd_codes_are_valid_and_billable(encounters: list[Encounter], codesets: CodeSets) -> None:
    for encounter in encounters:
        assert encounter.gold is not None and encounter.gold.icd10cm
        for code in encounter.gold.icd10cm:
            assert codesets.icd10cm.is_billable(code), (encounter.encounter_id, code)


def test_generator_uncertain_and_problem_list_diagnoses_are_not_coded(encounters: list[Encounter]) -> None:
    knowledge = default_knowledge()
    rule_out_codes = {r.code for c in knowledge.conditions for r in c.rule_out}
    for encounter in encounters:
        assert encounter.gold is not None
        assert not rule_out_codes & set(encounter.gold.icd10cm) - {
            code for c in knowledge.conditions for code in c.codes
        }


def test_generator_em_level_re_derives_from_mdm_and_time(encounters: list[Encounter]) -> None:
    checked = 0
    for encounter in encounters:
        gold = encounter.gold
        assert gold is not None
        if gold.em_code not in OFFICE_EM:
            assert gold.mdm is None
            continue
        assert gold.mdm is not None
        level = mdm_level(gold.mdm.problems, gold.mdm.data, gold.mdm.risk)  # type: ignore[arg-type]
        assert level == gold.mdm.level
        status = encounter.patient_status
        assert em_code_for("office", status, level, encounter.time_minutes) == gold.em_code  # type: ignore[arg-type]
        if encounter.time_minutes is not None:
            assert f"{encounter.time_minutes} min" in encounter.text
        checked += 1
    assert checked > 200


def test_generator_preventive_codes_follow_age_and_payer(encounters: list[Encounter]) -> None:
    for encounter in encounters:
        gold = encounter.gold
        assert gold is not None and encounter.age is not None
        visit_codes = [gold.em_code] + [s.code for s in gold.services]
        preventive = [c for c in visit_codes if c in preventive_codes()]
        awv = [c for c in visit_codes if c in AWV_CODES]
        for code in preventive:
            assert code == preventive_code(encounter.age, encounter.patient_status)  # type: ignore[arg-type]
        if awv:
            assert encounter.payer is not None and encounter.payer.startswith("Medicare") and encounter.age >= 65
        if (preventive or awv) and gold.em_code in OFFICE_EM:
            assert gold.em_modifier25


def test_generator_hccs_re_derive_from_gold_diagnoses(encounters: list[Encounter], codesets: CodeSets) -> None:
    hcc = codesets.hcc("V28")
    for encounter in encounters:
        assert encounter.gold is not None
        expected = hcc.apply_hierarchies(list(hcc.map_diagnoses(encounter.gold.icd10cm)))
        assert encounter.gold.hcc_v28 == expected


def test_generator_drug_units_match_the_documented_dose(encounters: list[Encounter]) -> None:
    knowledge = default_knowledge()
    units: dict[str, set[int]] = {}
    for entry in knowledge.services.values():
        if entry.drug:
            units.setdefault(entry.drug.code, set()).update(entry.drug.units_for(d) for d in entry.drug.doses)
    for encounter in encounters:
        assert encounter.gold is not None
        for service in encounter.gold.services:
            if service.code in units:
                assert service.units in units[service.code], (encounter.encounter_id, service.code, service.units)


def test_generator_telehealth_em_carries_modifier_95(encounters: list[Encounter]) -> None:
    for encounter in encounters:
        gold = encounter.gold
        assert gold is not None
        if encounter.setting == "telehealth" and gold.em_code in OFFICE_EM:
            assert "95" in gold.model_extra["em_modifiers"]  # type: ignore[index]
            assert len(gold.services) <= 1  # nothing done in person (a psychotherapy add-on at most)


def test_generator_clean_claims_have_no_flags_and_match_gold(encounters: list[Encounter]) -> None:
    clean = [e for e in encounters if not e.expected_flags]
    assert 0.25 < len(clean) / len(encounters) < 0.65
    for encounter in clean:
        assert encounter.claim is not None and encounter.gold is not None
        assert set(encounter.claim.diagnoses()) == set(encounter.gold.icd10cm)
        billed = {line.code for line in encounter.claim.lines}
        assert {s.code for s in encounter.gold.services} <= billed


def _flag_present(encounter: Encounter, flag, codesets: CodeSets, unspecified: dict[str, str]) -> bool:
    claim, gold = encounter.claim, encounter.gold
    assert claim is not None and gold is not None
    codes = [line.code for line in claim.lines]
    em_line = _em_line(encounter)
    date = encounter.date_of_service
    if flag.type in ("em_overcoded", "em_undercoded"):
        billed, supported = em_rank(flag.billed), em_rank(flag.supported)
        higher = billed[2] > supported[2]  # type: ignore[index]
        return (
            em_line is not None
            and em_line.code == flag.billed
            and gold.em_code == flag.supported
            and (higher == (flag.type == "em_overcoded"))
        )
    if flag.type == "missing_modifier_25":
        return em_line is not None and em_line.code == flag.code and "25" not in em_line.modifiers
    if flag.type == "global_period_conflict":
        return (
            em_line is not None
            and em_line.code == flag.code
            and not GLOBAL_BYPASS & set(em_line.modifiers)
            and any((date - h.date_of_service).days < 91 for h in encounter.history)
        )
    if flag.type == "missed_service":
        expected = [s.code for s in gold.services] + [gold.em_code]
        return flag.code not in codes and flag.code in expected
    if flag.type == "unsupported_diagnosis":
        return flag.icd10cm in claim.diagnoses() and flag.icd10cm not in gold.icd10cm
    if flag.type == "unspecified_code":
        return (
            flag.billed in claim.diagnoses()
            and flag.supported in gold.icd10cm
            and unspecified[flag.supported] == flag.billed
        )
    if flag.type == "hcc_gap":
        hcc = codesets.hcc("V28")
        billed_hccs = hcc.apply_hierarchies(list(hcc.map_diagnoses(claim.diagnoses())))
        return flag.hcc in gold.hcc_v28 and flag.hcc not in billed_hccs and flag.icd10cm in gold.icd10cm
    cms = codesets.cms
    if flag.type == "ncci_ptp_conflict":
        edit = cms.ptp_edit(flag.column1, flag.column2, date)
        return (
            flag.column1 in codes and flag.column2 in codes and edit is not None and edit.modifier_indicator in (0, 1)
        )
    if flag.type == "mue_exceeded":
        mue = cms.mue(flag.code, date)
        units = sum(line.units for line in claim.lines if line.code == flag.code)
        return mue is not None and units > mue.max_units
    if flag.type == "addon_without_primary":
        edit = cms.addon_edit(flag.code, date)
        return flag.code in codes and edit is not None and not edit.primary_codes & set(codes)
    return False


def test_generator_every_expected_flag_is_present_in_the_claim(encounters: list[Encounter], codesets: CodeSets) -> None:
    unspecified = unspecified_map(default_knowledge())
    cms_types = {"ncci_ptp_conflict", "mue_exceeded", "addon_without_primary"}
    seen: set[str] = set()
    for encounter in encounters:
        for flag in encounter.expected_flags:
            if flag.type in cms_types and not codesets.has_cms:
                pytest.fail(f"{flag.type} injected without the CMS tables")
            assert _flag_present(encounter, flag, codesets, unspecified), (encounter.encounter_id, flag)
            seen.add(flag.type)
    expected = {"em_overcoded", "em_undercoded", "missed_service", "unsupported_diagnosis", "unspecified_code"}
    assert expected <= seen


def test_generator_flagged_claims_carry_one_to_three_flags(encounters: list[Encounter]) -> None:
    counts = [len(e.expected_flags) for e in encounters if e.expected_flags]
    assert counts and max(counts) <= 4
    assert sum(c <= 2 for c in counts) / len(counts) > 0.9


def test_generator_held_out_family_is_used_only_when_asked(codesets: CodeSets) -> None:
    train = list(generate_encounters(SynthConfig(n=40, seed=2, phrasing="train"), codesets=codesets))
    held = list(generate_encounters(SynthConfig(n=40, seed=2, phrasing="heldout"), codesets=codesets))
    heldout_names = set(default_knowledge().family_names("heldout"))
    assert all((e.model_extra or {})["phrasing_family"] not in heldout_names for e in train)
    assert all((e.model_extra or {})["phrasing_family"] in heldout_names for e in held)


def test_generator_validation_family_is_used_only_when_asked(codesets: CodeSets) -> None:
    validation_names = set(default_knowledge().family_names("validation"))
    phrasings: tuple[Phrasing, ...] = ("train", "heldout", "all")
    for phrasing in phrasings:
        encounters = generate_encounters(SynthConfig(n=60, seed=5, phrasing=phrasing), codesets=codesets)
        assert all((e.model_extra or {})["phrasing_family"] not in validation_names for e in encounters), phrasing
    validation = list(generate_encounters(SynthConfig(n=20, seed=5, phrasing="validation"), codesets=codesets))
    assert all((e.model_extra or {})["phrasing_family"] in validation_names for e in validation)


def test_generator_undrawn_family_is_used_only_when_named(codesets: CodeSets) -> None:
    knowledge = default_knowledge()
    undrawn = {n for n, f in knowledge.families.items() if not f.drawn}
    assert undrawn == {"E", "F", "I", "O", "WR3", "WR4"} and undrawn <= set(knowledge.family_names("validation"))
    assert not undrawn & set(knowledge.family_names("validation", drawn_only=True))
    drawn = generate_encounters(SynthConfig(n=60, seed=5, phrasing="validation"), codesets=codesets)
    assert not {(e.model_extra or {})["phrasing_family"] for e in drawn} & undrawn
    for name in sorted(undrawn):
        config = SynthConfig(n=10, seed=5, phrasing="validation", family=name)
        assert all(
            (e.model_extra or {})["phrasing_family"] == name for e in generate_encounters(config, codesets=codesets)
        )


@pytest.mark.parametrize(("unseen", "layout"), [("F", "V"), ("E", "W")])
def test_generator_unseen_name_family_differs_from_its_layout_only_in_condition_names(unseen: str, layout: str) -> None:
    knowledge = default_knowledge()
    family, base = knowledge.families[unseen], knowledge.families[layout]
    assert family.condition_names and not base.condition_names
    assert dataclasses.replace(family, name=layout, drawn=True, condition_names={}) == base
    # as many names as the layout family draws from, so that the two families' encounters pair
    for condition in knowledge.conditions:
        drawn_from = len(condition.names) - 1 if len(condition.names) >= 3 else len(condition.names)
        assert len(family.condition_names[condition.key]) == drawn_from, condition.key


@pytest.mark.parametrize("letter", ["I", "O", "WR3", "WR4"])
def test_generator_unseen_writer_family_is_a_writer_of_its_own(letter: str) -> None:
    # Families I, O, WR3 and WR4 measure the E/M reading on an unseen writer: no header, template, status phrase or plan
    # rewording may be borrowed from another family (the held-out family is left out, so that no failure message can
    # show it).
    knowledge = default_knowledge()
    family = knowledge.families[letter]
    assert not family.condition_names and family.plan_wording
    own_rewordings = {c for r in family.plan_wording for c in r.choices}
    for name, other in knowledge.families.items():
        if name == letter or other.split == "heldout":
            continue
        assert not set(family.headers.values()) & set(other.headers.values()), name
        for key, templates in family.templates.items():
            assert not set(templates) & set(other.templates[key]), (name, key)
        for status, phrases in family.status.items():
            assert not set(phrases) & set(other.status[status]), (name, status)
        assert not own_rewordings & {c for r in other.plan_wording for c in r.choices}, name


def test_generator_family_e_shares_no_name_with_the_tables_or_other_families() -> None:
    knowledge = default_knowledge()

    # compared without case, spacing or punctuation, so that a near copy counts as a reuse
    def key(name: str) -> str:
        return "".join(ch for ch in name.lower() if ch.isalnum())

    own = {key(n) for names in knowledge.families["E"].condition_names.values() for n in names}
    # a table's last name is the held-out family's: left out here, so that no failure message can show it
    others = {key(n) for c in knowledge.conditions for n in (c.names[:-1] if len(c.names) >= 3 else c.names)}
    others |= {
        key(n) for name, f in knowledge.families.items() if name != "E" for ns in f.condition_names.values() for n in ns
    }
    assert len(own) == sum(len(ns) for ns in knowledge.families["E"].condition_names.values())
    assert not own & others


def test_generator_calibration_family_is_used_only_when_asked(codesets: CodeSets) -> None:
    calibration_names = set(default_knowledge().family_names("calibration"))
    phrasings: tuple[Phrasing, ...] = ("train", "heldout", "validation", "all")
    for phrasing in phrasings:
        encounters = generate_encounters(SynthConfig(n=60, seed=5, phrasing=phrasing), codesets=codesets)
        assert all((e.model_extra or {})["phrasing_family"] not in calibration_names for e in encounters), phrasing
    calibration = list(generate_encounters(SynthConfig(n=10, seed=5, phrasing="calibration"), codesets=codesets))
    assert all((e.model_extra or {})["phrasing_family"] in calibration_names for e in calibration)


def test_generator_family_option_changes_only_the_wording(codesets: CodeSets) -> None:
    mixed = list(generate_encounters(SynthConfig(n=30, seed=8, phrasing="validation"), codesets=codesets))
    only_x = list(generate_encounters(SynthConfig(n=30, seed=8, phrasing="validation", family="X"), codesets=codesets))
    assert {(e.model_extra or {})["phrasing_family"] for e in only_x} == {"X"}
    for a, b in zip(mixed, only_x, strict=True):
        if (a.model_extra or {})["phrasing_family"] == "X":
            assert a.text == b.text
        assert a.gold.em_code == b.gold.em_code  # the same scenario, whatever the family
    with pytest.raises(ValueError, match=r"'family' parameter .* \(A, B, C, D\)\. Got 'X'"):
        Generator(SynthConfig(n=1, family="X"), codesets=codesets)


def test_generator_plan_wording_rewords_only_its_family(codesets: CodeSets) -> None:
    own_words = ("uptitrate", "titrate up", "maintain on", "Rx renewed")  # X's increase, continue, refills sent
    config = SynthConfig(n=60, seed=9, phrasing="validation", family="X")
    encounters = list(generate_encounters(config, codesets=codesets))
    assert any(w in e.text for e in encounters for w in own_words)
    train = list(generate_encounters(SynthConfig(n=60, seed=9, phrasing="train"), codesets=codesets))
    assert not any(w in e.text for e in train for w in own_words)


def test_generator_condition_names_name_only_their_family_s_conditions(codesets: CodeSets) -> None:
    # family U's own condition names
    own_words = ("armpit abscess", "grade III obesity", "CKD G3a", "diffuse toxic goiter")
    config = SynthConfig(n=200, seed=9, phrasing="validation", family="U")
    encounters = list(generate_encounters(config, codesets=codesets))
    assert any(w in e.text for e in encounters for w in own_words)
    train = list(generate_encounters(SynthConfig(n=200, seed=9, phrasing="train"), codesets=codesets))
    assert not any(w in e.text for e in train for w in own_words)


def test_generator_held_out_headers_do_not_appear_in_train_notes(encounters: list[Encounter]) -> None:
    families = default_knowledge().families
    heldout_headers = [h for f in families.values() if f.split == "heldout" for h in f.headers.values()]
    for encounter in encounters:
        if families[(encounter.model_extra or {})["phrasing_family"]].split == "train":
            assert not any(h in encounter.text for h in heldout_headers), encounter.encounter_id


_IDENTIFIER_PATTERNS = {
    "ssn": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
    "phone": re.compile(r"\(\d{3}\)\s?\d{3}-\d{4}|\b\d{3}[-.]\d{3}[-.]\d{4}\b"),
    "email": re.compile(r"\b\S+@\S+\.\w+"),
    "date": re.compile(
        r"\b\d{1,2}/\d{1,2}/\d{2,4}\b|\b(?:19|20)\d{2}\b"
        r"|\b(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]* \d{1,2}\b"
    ),
    "url": re.compile(r"https?://|www\."),
    "ip": re.compile(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\b"),
    "mrn": re.compile(r"\bMRN\b|\b\d{7,}\b"),
    "person": re.compile(
        r"\b(?:Dr|Mr|Mrs|Ms)\.\s|Patient name|\b(?:" + "|".join(FAKE_FIRST_NAMES + FAKE_LAST_NAMES) + r")\b"
    ),
}


def test_generator_notes_hold_no_identifiers_unless_planted(encounters: list[Encounter]) -> None:
    for encounter in encounters:
        assert encounter.age is not None and encounter.age <= 89
        for kind, pattern in _IDENTIFIER_PATTERNS.items():
            assert not pattern.search(encounter.text), (encounter.encounter_id, kind)


def test_generator_planted_identifiers_are_recorded_exactly(codesets: CodeSets) -> None:
    planted = list(generate_encounters(SynthConfig(n=80, seed=4, plant_phi=0.5), codesets=codesets))
    kinds_seen: set[str] = set()
    for encounter in planted:
        kinds = (encounter.model_extra or {})["planted_phi"]
        kinds_seen.update(kinds)
        found = {kind for kind, pattern in _IDENTIFIER_PATTERNS.items() if pattern.search(encounter.text)}
        # A planted address or date of birth may also look like another kind (a ZIP code is digits); every
        # planted kind must be findable and nothing may be found in a note without planting.
        if not kinds:
            assert not found, encounter.encounter_id
        for kind in kinds:
            if kind != "address":
                assert kind in found, (encounter.encounter_id, kind)
    assert 0 < sum(bool((e.model_extra or {})["planted_phi"]) for e in planted) < 80
    assert len(kinds_seen) >= 6


def test_generator_history_supports_recapture_and_global_periods(encounters: list[Encounter]) -> None:
    with_history = [e for e in encounters if e.history]
    assert with_history
    for encounter in with_history:
        for entry in encounter.history:
            assert encounter.date_of_service is not None and entry.date_of_service < encounter.date_of_service
            assert entry.claim.lines


def test_generator_notes_document_the_billed_drugs(encounters: list[Encounter]) -> None:
    knowledge = default_knowledge()
    brands = {"J1885": "toradol", "J2405": "zofran", "J1050": "depo-provera", "J0561": "bicillin", "J7620": "duoneb",
              "J3420": "b12"}  # fmt: skip
    words: dict[str, set[str]] = {}
    for entry in knowledge.services.values():
        if entry.drug:
            words.setdefault(entry.drug.code, {brands.get(entry.drug.code, "?")}).add(
                entry.drug.name.split()[0].split("-")[0].lower()
            )
    for encounter in encounters:
        assert encounter.gold is not None
        text = encounter.text.lower()
        for service in encounter.gold.services:
            if service.code in words:
                # Notes carry typos (adjacent letters swapped), so any one-swap spelling counts.
                variants = {
                    w[:i] + w[i + 1] + w[i] + w[i + 2 :] for w in words[service.code] for i in range(len(w) - 1)
                }
                assert any(w in text for w in words[service.code] | variants), (encounter.encounter_id, service.code)


def test_generator_json_has_no_nan_or_empty_ids(encounters: list[Encounter]) -> None:
    for encounter in encounters:
        line = json.dumps(encounter.to_json_dict())
        assert "NaN" not in line and encounter.encounter_id.startswith("SYN-")


def test_generator_works_without_cms_tables(tmp_path, codesets: CodeSets) -> None:
    bare = CodeSets(codesets.cache_dir, [tmp_path])  # same ICD-10-CM index, no CMS sources
    assert not bare.has_cms
    with pytest.warns(UserWarning, match="SYN020 CMS tables not found"):
        without = list(generate_encounters(SynthConfig(n=60, seed=8), codesets=bare))
    with_cms = list(generate_encounters(SynthConfig(n=60, seed=8), codesets=codesets))
    cms_types = {"ncci_ptp_conflict", "mue_exceeded", "addon_without_primary"}
    assert not any(f.type in cms_types for e in without for f in e.expected_flags)
    # Without the CMS tables only NCCI-driven gold differs (XS modifiers, services NCCI never pays together): E/M
    # levels and diagnoses are the same.
    assert [(e.gold.em_code, e.gold.icd10cm) for e in without] == [(e.gold.em_code, e.gold.icd10cm) for e in with_cms]


def test_generator_is_deterministic_across_processes(tmp_path) -> None:
    import hashlib
    import os
    import subprocess
    import sys

    digests = []
    for hash_seed in ("1", "2"):
        out = tmp_path / f"run{hash_seed}.jsonl"
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        code = (
            f"from datasets.synth import SynthConfig, synthesize; synthesize(SynthConfig(n=40, seed=12), {str(out)!r})"
        )
        subprocess.run([sys.executable, "-W", "ignore", "-c", code], check=True, env=env)
        digests.append(hashlib.sha256(out.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
