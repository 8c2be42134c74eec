"""The MDM wording probe rewords validation families only, and keeps every encounter's gold."""

from __future__ import annotations

from datasets.synth.generator import Generator, SynthConfig
from datasets.synth.knowledge import default_knowledge
from evaluation.mdm_wording_probe import CLASSES, knowledge_for


def test_only_validation_families_take_the_battery_wording() -> None:
    shipped = default_knowledge()
    probed = knowledge_for("status_progression")
    for name, family in probed.families.items():
        original = shipped.families[name]
        if family.split == "validation":
            assert "losing ground" in family.status["chronic_progression"]
            assert family.status["stable_chronic"] == original.status["stable_chronic"]  # other statuses kept
        else:
            assert family == original


def test_every_class_rewords_the_notes_and_keeps_the_labels() -> None:
    config = SynthConfig(n=6, seed=303, phrasing="validation")
    shipped = list(Generator(config))
    for name in ("line_status_sentence", "orders", "plan_verbs"):
        assert name in CLASSES
        probed = list(Generator(config, knowledge_for(name)))
        assert [e.gold for e in probed] == [e.gold for e in shipped]
        assert any(p.text != s.text for p, s in zip(probed, shipped, strict=True))
