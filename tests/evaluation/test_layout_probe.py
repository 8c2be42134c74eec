"""Layout probe: one validation family writes every assessment item in a layout of the probe's batteries."""

from __future__ import annotations

from datasets.synth.generator import Generator, SynthConfig
from datasets.synth.knowledge import default_knowledge
from evaluation.layout_probe import BATTERIES, layout_knowledge


def test_only_the_chosen_family_writes_its_items_in_the_layout() -> None:
    knowledge = default_knowledge()
    probed = layout_knowledge(knowledge, "V", "Problem #{i}: {name}\nStatus: {status}\nPlan: {plan}")
    assert probed.families["V"].templates["problem_line"] == ("Problem #{i}: {name}\nStatus: {status}\nPlan: {plan}",)
    # the family's other templates and every other family stay as they were
    assert {k: v for k, v in probed.families["V"].templates.items() if k != "problem_line"} == {
        k: v for k, v in knowledge.families["V"].templates.items() if k != "problem_line"
    }
    assert all(probed.families[name] == family for name, family in knowledge.families.items() if name != "V")


def test_a_generated_note_carries_the_layout_and_the_same_scenario() -> None:
    layout = "Issue {i} -- {name} [{status}]. Plan: {plan}."
    config = SynthConfig(n=3, seed=690, phrasing="validation", family="V")
    plain = list(Generator(config))
    probed = list(Generator(config, knowledge=layout_knowledge(default_knowledge(), "V", layout)))
    # (a preventive visit of the three writes no problem line)
    assert sum("Issue 1 -- " in e.text for e in probed) == 2
    assert not any("Issue 1 -- " in e.text for e in plain)
    # the same seed gives the same encounters: only the assessment's wording differs
    assert [e.gold.icd10cm if e.gold else None for e in probed] == [e.gold.icd10cm if e.gold else None for e in plain]


def test_every_layout_uses_only_the_generators_placeholders() -> None:
    allowed = {"i", "name", "status", "findings", "plan"}
    for layouts in BATTERIES.values():
        for layout in layouts:
            names = {part.split("}")[0] for part in layout.split("{")[1:]}
            assert names <= allowed and "name" in names, layout
