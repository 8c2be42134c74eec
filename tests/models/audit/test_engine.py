"""The whole engine on synthetic encounters: conformance of every flag and query (slow: loads every model)."""

from __future__ import annotations

import pytest

from datasets.synth.generator import SynthConfig, generate_encounters
from evaluation.audit import AUDIT_METRIC_KEYS, evaluate_audit
from models.audit import load_default_engine, provider_summary, rank_for_review


@pytest.mark.slow
def test_engine_flags_conform_on_synthetic_encounters(cms):
    encounters = list(generate_encounters(SynthConfig(n=12, seed=5, phrasing="train")))
    engine = load_default_engine()
    audits = [engine.audit(e) for e in encounters]
    for encounter, audit in zip(encounters, audits, strict=True):
        assert audit.encounter_id == encounter.encounter_id and 0.0 <= audit.risk_score <= 1.0
        for flag in audit.flags:
            assert 0.0 <= flag.confidence <= 1.0 and flag.explanation and flag.action and flag.rule_id
            for span in flag.evidence:
                if span.source == "note":
                    assert encounter.text[span.start : span.end] == span.text
            if flag.dollar_impact is not None and flag.dollar_impact.amount is not None:
                assert "before geographic adjustment" in flag.dollar_impact.note
        for query in audit.queries:
            assert [o.label for o in query.options][-2:] == ["Other (please specify)", "Unable to determine"]
            assert all(encounter.text[s.start : s.end] == s.text for s in query.clinical_indicators)
    assert [a.risk_score for a in rank_for_review(audits)] == sorted((a.risk_score for a in audits), reverse=True)
    assert sum(p["encounters"] for p in provider_summary(audits)) == len(audits)


@pytest.mark.slow
def test_engine_never_reads_labels(cms):
    encounters = list(generate_encounters(SynthConfig(n=6, seed=9, phrasing="train")))
    engine = load_default_engine()
    for encounter in encounters:
        with_labels = engine.audit(encounter)
        without = engine.audit(encounter.without_labels())
        assert with_labels.model_dump() == without.model_dump()
    metrics = evaluate_audit(encounters, engine)
    assert set(AUDIT_METRIC_KEYS) <= set(metrics)
