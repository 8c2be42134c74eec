"""The audit-risk engine: claim edits (NCCI PTP/MUE/add-on, global periods, modifier 25), model-based checks
(E/M level, missed services, diagnosis support and specificity, HCC gaps), payer rules, CDI queries and risk scores.

Lives here: the checks (one module per flag family in ``checks/``), the flag and audit records, the $ estimator,
the risk score and provider summary, the CDI query generator. Does not live here: the models themselves
(``models/em``, ``models/services``, ``models/icd10``, ``models/hcc``), metrics (``evaluation/audit.py``), or I/O.
"""

from models.audit.adapters import DefaultModels, Providers, load_default_models, load_providers
from models.audit.engine import AuditEngine
from models.audit.flags import AuditFlag, CdiQuery, DollarImpact, EncounterAudit, EvidenceSpan, QueryOption
from models.audit.risk import flag_table, provider_summary, rank_for_review, risk_score

__all__ = [
    "AuditEngine",
    "AuditFlag",
    "CdiQuery",
    "DefaultModels",
    "DollarImpact",
    "EncounterAudit",
    "EvidenceSpan",
    "Providers",
    "QueryOption",
    "flag_table",
    "load_default_engine",
    "load_default_models",
    "load_providers",
    "provider_summary",
    "rank_for_review",
    "risk_score",
]


def load_default_engine() -> AuditEngine:
    """The audit engine with the default config, payer rules and every installed model (batch runner factory)."""
    from configs.audit import load_audit_config
    from datasets.codesets import CodeSets

    codesets = CodeSets.from_settings()
    config = load_audit_config()
    return AuditEngine(codesets=codesets, config=config, models=load_default_models(codesets, config))
