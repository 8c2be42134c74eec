"""Payer rules and audit config files, the check registry and the AUD2xx error codes."""

from __future__ import annotations

import datetime as dt

import pytest

from configs.audit import load_audit_config
from configs.payer_rules import PayerRulesFileError, load_payer_rules
from models.audit import errors
from models.audit.errors import UnknownCheckError
from models.audit.registry import get_check, registered


def test_payer_rules_shipped_file_loads_and_matches_names():
    rules = load_payer_rules()
    assert rules.payer_id("MEDICARE") == "medicare"
    assert rules.payer_id("Medicare Advantage - Humana") == "medicare_advantage"
    assert rules.payer_id("unknown plan") is None
    ids = [r.id for r in rules.rules_for("Medicare", dt.date(2024, 8, 1))]
    assert "medicare.g0439.once_per_12_months" in ids


def test_payer_rules_unknown_key_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "version: '1'\npayers: [{id: p, names: [p]}]\nrules:\n"
        "  - {id: p.x, payer: p, kind: code_not_accepted, codes: [G2211], source: s, effective_from: 2024-01-01,"
        " colour: red}\n"
    )
    with pytest.raises(PayerRulesFileError, match=r"AUD201 .*colour"):
        load_payer_rules(path)


def test_payer_rules_undeclared_payer_refused(tmp_path):
    path = tmp_path / "rules.yaml"
    path.write_text(
        "version: '1'\npayers: [{id: p, names: [p]}]\nrules:\n"
        "  - {id: q.x, payer: q, kind: code_not_accepted, codes: [G2211], source: s, effective_from: 2024-01-01}\n"
    )
    with pytest.raises(PayerRulesFileError, match=r"not declared under 'payers'"):
        load_payer_rules(path)


def test_payer_rules_missing_file_names_path(tmp_path):
    with pytest.raises(PayerRulesFileError, match=r"AUD201 No payer rules file at .*nope.yaml"):
        load_payer_rules(tmp_path / "nope.yaml")


def test_audit_config_lists_registered_checks():
    config = load_audit_config()
    assert set(config.checks) <= set(registered())


def test_registry_unknown_check_raises_with_known_names():
    with pytest.raises(UnknownCheckError, match=r"AUD202 No audit check named 'audit.nope.v1'"):
        get_check("audit.nope.v1")


def test_error_codes_do_not_collide():
    assert len(set(errors.ERROR_CODES)) == len(errors.ERROR_CODES)
    classes = [errors.PayerRulesError, errors.UnknownCheckError, errors.CmsTablesMissingError,
               errors.ModelOutputError, errors.QueryTemplateError, errors.AuditConfigError,
               errors.CalibrationMismatchWarning]  # fmt: skip
    assert sorted(c.code for c in classes) == sorted(errors.ERROR_CODES)
