"""Specificity probe: validation notes name conditions in the probe's words; the claim bills the unspecified code."""

from __future__ import annotations

from datasets.schema import Encounter
from datasets.synth.knowledge import default_knowledge
from evaluation.specificity_probe import Wording, _rebilled, _rendered, probe_knowledge, read_wordings


def test_the_wordings_table_names_known_conditions_with_a_detail_axis() -> None:
    keys = {c.key for c in default_knowledge().conditions}
    wordings = read_wordings()
    assert wordings and {w.condition for w in wordings} <= keys
    assert all(w.axis and w.text for w in wordings)
    # each condition is probed with wordings that state the detail, some with wordings that do not
    assert any(not w.flag for w in wordings) and sum(w.flag for w in wordings) > len(wordings) / 2


def test_only_validation_families_name_conditions_by_the_probe() -> None:
    knowledge = default_knowledge()
    probed = probe_knowledge(knowledge, [Wording("knee_oa", "laterality", True, "{S} knee OA")])
    for name, family in probed.families.items():
        if family.split == "validation":
            assert family.condition_names["knee_oa"] == ("{S} knee OA",)
        else:
            assert family == knowledge.families[name]


def test_side_placeholders_are_written_as_the_side() -> None:
    assert _rendered("{S} knee OA, {s} side, {eye}", "left") == "L knee OA, lt side, OS"
    assert _rendered("{side} knee", "right") == "right knee"


def test_the_claim_bills_the_unspecified_code_in_place_of_the_specific_one() -> None:
    encounter = Encounter.model_validate(
        {
            "encounter_id": "e1",
            "text": "Assessment: R knee OA.",
            "claim": {"lines": [{"code": "99213", "dx": ["M17.11", "I10"]}, {"code": "20610", "dx": ["M17.11"]}]},
        }
    )
    rebilled = _rebilled(encounter, "M17.11", "M17.10")
    assert rebilled.claim is not None
    assert [line.dx for line in rebilled.claim.lines] == [["M17.10", "I10"], ["M17.10"]]
