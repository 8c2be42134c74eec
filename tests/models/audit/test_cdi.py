"""CDI provider queries: quoted indicators, an open question, options with "other" and "unable to determine"."""

from __future__ import annotations

import pytest

from models.audit.cdi import OTHER, UNABLE, QueryTemplate, default_templates
from models.audit.errors import QueryTemplateError
from tests.models.audit.conftest import make_encounter

HF_NOTE = "Assessment: CHF, more short of breath, 2+ leg edema. BNP 900. Plan: furosemide 40 mg daily."
LEADING_WORDS = ("hcc", "payment", "reimburse", "risk score", "raf", "$", "dollar", "revenue")


def queries(engine, text, dx):
    return engine.audit(make_encounter([{"code": "99214", "dx": dx}], text=text)).queries


def test_cdi_heart_failure_query_quotes_indicators(claim_engine):
    [query] = [q for q in queries(claim_engine, HF_NOTE, ["I50.9"]) if q.topic == "heart failure type and acuity"]
    assert all(HF_NOTE[e.start : e.end] == e.text for e in query.clinical_indicators)
    assert any("BNP 900" in e.text for e in query.clinical_indicators)
    assert [o.label for o in query.options][-2:] == [OTHER, UNABLE]
    assert len(query.options) >= 4 and query.question.endswith("?")


def test_cdi_heart_failure_type_documented_no_query(claim_engine):
    text = HF_NOTE.replace("CHF", "chronic diastolic CHF")
    assert [q for q in queries(claim_engine, text, ["I50.9"]) if q.topic == "heart failure type and acuity"] == []


def test_cdi_ckd_stage_query(claim_engine):
    text = "CKD noted, eGFR 48 and creatinine 1.4 today. Continue lisinopril."
    [query] = [q for q in queries(claim_engine, text, ["N18.9"]) if q.template_id == "cdi.ckd.stage.v1"]
    assert {o.code for o in query.options} >= {"N18.31", "N18.32", "N18.4"}


def test_cdi_ckd_stage_documented_no_query(claim_engine):
    text = "CKD stage 3a, eGFR 48 today."
    assert [q for q in queries(claim_engine, text, ["N18.9"]) if q.template_id == "cdi.ckd.stage.v1"] == []


@pytest.mark.parametrize("template", default_templates(), ids=lambda t: t.id)
def test_cdi_template_is_non_leading(template):
    text = (template.question + " " + " ".join(o.label for o in template.options)).lower()
    assert not any(word in text for word in LEADING_WORDS)
    assert len(template.options) != 1  # never a single clinical answer (a yes/no in disguise)


@pytest.mark.parametrize("template", default_templates(), ids=lambda t: t.id)
def test_cdi_template_round_trip(template):
    assert QueryTemplate.from_dict(template.to_dict()) == template


def test_cdi_template_rejects_unknown_key():
    row = default_templates()[0].to_dict() | {"tone": "urgent"}
    with pytest.raises(QueryTemplateError, match=r"AUD205 .*unknown \['tone'\]"):
        QueryTemplate.from_dict(row)
