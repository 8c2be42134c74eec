"""The audit engine's configuration (``configs/audit.yaml``), validated by pydantic.

Which checks run (by registered, versioned name), the confidence each model-based check needs before it flags, and
the weights of the encounter risk score. Thresholds are tuned on train-family synthetic data only, never on the
held-out family. Unknown keys are refused.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field

DEFAULT_PATH = Path(__file__).with_name("audit.yaml")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Thresholds(_Strict):
    """Minimum calibrated probability of the underlying model before a model-based check raises its flag."""

    em_level: float = Field(default=0.5, ge=0.0, le=1.0)
    em_second_opinion: float = Field(
        default=0.5,
        ge=0.0,
        le=1.0,
        description="least probability, by the note-text second opinion, that the MDM is below the billed level's "
        "before em_overcoded is raised (read only when em_second_opinion is on)",
    )
    missed_service: float = Field(default=0.5, ge=0.0, le=1.0)
    unsupported_diagnosis: float = Field(default=0.5, ge=0.0, le=1.0)
    hcc_gap: float = Field(default=0.5, ge=0.0, le=1.0)
    unspecified_code: float = Field(default=0.5, ge=0.0, le=1.0)


class DxStatusCalibration(_Strict):
    """Precision, on train-family synthetic data, of the diagnosis-support rules' answer for each status."""

    supported: float = Field(default=0.9, ge=0.0, le=1.0)
    negated: float = Field(default=0.9, ge=0.0, le=1.0)
    ruled_out: float = Field(default=0.9, ge=0.0, le=1.0)
    history_only: float = Field(default=0.9, ge=0.0, le=1.0)
    not_addressed: float = Field(default=0.9, ge=0.0, le=1.0)
    absent: float = Field(default=0.9, ge=0.0, le=1.0)


class Calibration(_Strict):
    """Measured precision of model answers that have no per-note calibrated probability installed yet.

    Each figure is the share of correct answers on train-family synthetic data (never the held-out family); a
    model bundle's per-note probability replaces it when installed.
    """

    em_level: float = Field(default=0.9, ge=0.0, le=1.0, description="rule-based E/M level equals the gold level")
    service: float = Field(default=0.9, ge=0.0, le=1.0, description="a detected service is in the gold services")
    em_addon: float = Field(default=0.9, ge=0.0, le=1.0, description="a leveler add-on/companion code is gold")
    dx_status: DxStatusCalibration = DxStatusCalibration()


class DocumentationConfig(_Strict):
    """How the diagnosis checks read the note (``models/audit/support.py``)."""

    mention_coverage: float = Field(
        default=0.75,
        ge=0.0,
        le=1.0,
        description="IDF-weighted share of a title's or inclusion term's words a line must state to mention the code",
    )
    not_judged: list[str] = Field(
        default_factory=list,
        description="code prefixes documented by med lists, vitals, procedures or forms, not judged from the text",
    )


class RiskWeights(_Strict):
    """Weight of each severity in the encounter risk score (1 - prod(1 - weight x confidence))."""

    compliance: float = Field(default=0.9, ge=0.0, le=1.0)
    denial: float = Field(default=0.6, ge=0.0, le=1.0)
    revenue: float = Field(default=0.5, ge=0.0, le=1.0)
    dollars_scale: float = Field(default=200.0, gt=0.0, description="dollars at which the $ factor reaches 1 - 1/e")


class AuditConfig(_Strict):
    """Everything the audit engine reads."""

    version: Literal[1] = 1
    checks: list[str] = Field(
        default_factory=lambda: [
            "audit.ncci_ptp.v1",
            "audit.mue.v1",
            "audit.addon.v1",
            "audit.global_period.v1",
            "audit.modifier25.v1",
            "audit.em_level.v1",
            "audit.missed_service.v1",
            "audit.diagnosis_support.v1",
            "audit.unspecified_code.v1",
            "audit.hcc_gap.v1",
            "audit.payer_rules.v1",
        ]
    )
    thresholds: Thresholds = Thresholds()
    calibration: Calibration = Calibration()
    risk: RiskWeights = RiskWeights()
    documentation: DocumentationConfig = DocumentationConfig()
    queries: bool = True
    em_second_opinion: bool = Field(
        default=False,
        description="raise em_overcoded only when the note-text second opinion on the MDM level "
        "(models/em/second_opinion.py) also finds the documentation below the billed level",
    )
    use_icd10_suggester: bool = Field(
        default=False,
        description="feed the latest ICD-10-CM bundle's suggestions to the diagnosis, specificity and HCC checks",
    )


def load_audit_config(path: Path | None = None) -> AuditConfig:
    """Read and validate an audit config file (``configs/audit.yaml`` by default).

    Raises:
        FileNotFoundError: the file does not exist (the message names it).
        pydantic.ValidationError: a value is out of range or a key is unknown.
    """
    target = path or DEFAULT_PATH
    if not target.is_file():
        raise FileNotFoundError(f"No audit config at {target}. Pass --config with an existing YAML file.")
    with target.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return AuditConfig.model_validate(data)
