"""Payer-specific billing rules as data (``configs/payer_rules.yaml``), validated by pydantic.

Three rule kinds, each a small closed record (unknown keys are refused, so a typo fails at load time):

- ``frequency_limit``: at most ``max_units`` of the codes per ``period_days`` rolling window, counting the patient's
  history. Example: Medicare pays one annual wellness visit (G0438/G0439) per 12 months.
- ``code_not_accepted``: the payer does not pay these codes. Example: a commercial plan that does not recognise the
  G2211 visit-complexity add-on.
- ``modifier_not_accepted``: the payer does not accept these modifiers to bypass an NCCI edit and wants another.
  Example: a plan that does not accept XE/XS/XP/XU and wants 59.

Payers are matched by name, case-insensitively, against the encounter's ``payer`` field.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

DEFAULT_PATH = Path(__file__).with_name("payer_rules.yaml")


class PayerRulesFileError(ValueError):
    """AUD201: the payer rules file is malformed (file, rule and field named; fix the YAML)."""

    code = "AUD201"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Payer(_Strict):
    """A payer and the spellings of its name found in encounters' ``payer`` field."""

    id: str = Field(pattern=r"^[a-z0-9_]+$")
    names: list[str] = Field(min_length=1)

    @field_validator("names")
    @classmethod
    def _lower(cls, value: list[str]) -> list[str]:
        return [v.strip().lower() for v in value]


class _Rule(_Strict):
    id: str = Field(pattern=r"^[a-z0-9_.]+$")
    payer: str
    source: str = Field(min_length=1, description="publication the rule comes from")
    effective_from: dt.date
    effective_to: dt.date | None = None
    note: str = ""

    def in_force(self, date_of_service: dt.date) -> bool:
        return self.effective_from <= date_of_service and (
            self.effective_to is None or date_of_service <= self.effective_to
        )


class FrequencyLimit(_Rule):
    kind: Literal["frequency_limit"]
    codes: list[str] = Field(min_length=1)
    max_units: int = Field(ge=1)
    period_days: int = Field(ge=1)


class CodeNotAccepted(_Rule):
    kind: Literal["code_not_accepted"]
    codes: list[str] = Field(min_length=1)


class ModifierNotAccepted(_Rule):
    kind: Literal["modifier_not_accepted"]
    modifiers: list[str] = Field(min_length=1)
    use_instead: list[str] = Field(min_length=1)


PayerRule = Annotated[FrequencyLimit | CodeNotAccepted | ModifierNotAccepted, Field(discriminator="kind")]


class PayerRules(_Strict):
    """The whole file: its version, the payers, and the rules."""

    version: str
    payers: list[Payer]
    rules: list[PayerRule]

    @model_validator(mode="after")
    def _consistent(self) -> PayerRules:
        payer_ids = [p.id for p in self.payers]
        if len(set(payer_ids)) != len(payer_ids):
            raise ValueError("payer ids must be unique")
        rule_ids = [r.id for r in self.rules]
        duplicates = sorted({r for r in rule_ids if rule_ids.count(r) > 1})
        if duplicates:
            raise ValueError(f"rule ids must be unique; repeated: {duplicates}")
        unknown = sorted({r.payer for r in self.rules} - set(payer_ids))
        if unknown:
            raise ValueError(f"rules name payers that are not declared under 'payers': {unknown}")
        return self

    def payer_id(self, payer_name: str | None) -> str | None:
        """The payer id whose names include ``payer_name`` (case-insensitive), or None."""
        if not payer_name:
            return None
        wanted = payer_name.strip().lower()
        for payer in self.payers:
            if wanted in payer.names or wanted == payer.id:
                return payer.id
        return None

    def rules_for(self, payer_name: str | None, date_of_service: dt.date) -> list[PayerRule]:
        """The rules of the encounter's payer that are in force on the date of service."""
        payer = self.payer_id(payer_name)
        if payer is None:
            return []
        return [r for r in self.rules if r.payer == payer and r.in_force(date_of_service)]


def load_payer_rules(path: Path | None = None) -> PayerRules:
    """Read and validate the payer rules YAML.

    Raises:
        PayerRulesFileError: when the file is missing or malformed; the message names the file and the field.
    """
    path = path or DEFAULT_PATH
    if not path.is_file():
        raise PayerRulesFileError(f"AUD201 No payer rules file at {path}. Pass --payer-rules or restore the file.")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return PayerRules.model_validate(data)
    except yaml.YAMLError as exc:
        raise PayerRulesFileError(f"AUD201 {path}: not valid YAML ({exc.__class__.__name__}). Fix the file.") from None
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()[:5])
        raise PayerRulesFileError(f"AUD201 {path}: {problems}. Fix these fields.") from None
