"""The encounter record: the contract every reader produces and every model consumes (DESIGN.md).

Required: ``encounter_id`` and ``text``. Everything else is optional context, the billed ``claim``, the patient's
``history``, and labels (``gold``, ``expected_flags``) that only training and evaluation read. Unknown keys are kept
(``extra="allow"``) so a round trip never drops a field a user's pipeline added.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import lru_cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Setting = Literal["office", "telehealth", "inpatient", "observation", "emergency", "nursing_facility", "home"]
PatientStatus = Literal["new", "established"]
Sex = Literal["F", "M", "U"]
CodeSystem = Literal["CPT", "HCPCS"]

FlagType = Literal[
    "em_overcoded",
    "em_undercoded",
    "missed_service",
    "unsupported_diagnosis",
    "hcc_gap",
    "missing_modifier_25",
    "unspecified_code",
    "ncci_ptp_conflict",
    "mue_exceeded",
    "addon_without_primary",
    "global_period_conflict",
]
FLAG_TYPES: tuple[str, ...] = FlagType.__args__  # type: ignore[attr-defined]

# A category is a letter, a digit and a digit or letter ("E11", "C7A") or, since FY2026, a letter, a letter and a digit
# ("QA0", neurodevelopmental disorders with a genetic cause): a shape test that demanded a digit second rejected those.
ICD10CM_CATEGORY = r"[A-Z](?:[0-9][0-9A-Z]|[A-Z][0-9])"
ICD10CM_DOTTED = re.compile(rf"^{ICD10CM_CATEGORY}(?:\.[0-9A-Z]{{1,4}})?$")
_ICD_INPUT = re.compile(rf"^{ICD10CM_CATEGORY}(?:\.?[0-9A-Z]{{1,4}})?$")
_PROCEDURE_CODE = re.compile(r"^[0-9A-Z]{5}$")


@lru_cache(maxsize=1 << 16)  # pure; the HCC mapper alone asks ~300 times per note, mostly for the same codes
def normalize_icd10cm(code: str) -> str:
    """Return an ICD-10-CM code in the canonical upper-case dotted form used everywhere in medcode.

    ``"e119"``, ``"E11.9 "`` and ``"e11.9"`` all become ``"E11.9"``; a three-character category has no dot.
    This is the one place where user spelling is normalised.

    Raises:
        ValueError: when the input cannot be an ICD-10-CM code at all (wrong shape).
    """
    compact = code.strip().upper().replace(".", "")
    if not _ICD_INPUT.match(compact):
        raise ValueError(f"{code.strip()!r} is not shaped like an ICD-10-CM code (letter, digit, 1-5 more characters)")
    return compact if len(compact) <= 3 else f"{compact[:3]}.{compact[3:]}"


def normalize_procedure_code(code: str) -> str:
    """Return a CPT/HCPCS code upper-cased and stripped; they are always five characters."""
    clean = code.strip().upper()
    if not _PROCEDURE_CODE.match(clean):
        raise ValueError(f"{code.strip()!r} is not a CPT/HCPCS code (five letters or digits)")
    return clean


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ClaimLine(_Record):
    """One billed line: a CPT/HCPCS code with its modifiers, units and pointed diagnoses."""

    code: str
    modifiers: list[str] = Field(default_factory=list)
    units: int = Field(default=1, ge=0)
    dx: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return normalize_procedure_code(value)

    @field_validator("modifiers")
    @classmethod
    def _modifiers(cls, value: list[str]) -> list[str]:
        return [m.strip().upper() for m in value if m.strip()]

    @field_validator("dx")
    @classmethod
    def _dx(cls, value: list[str]) -> list[str]:
        return [normalize_icd10cm(c) for c in value]


class Claim(_Record):
    """What was billed for the encounter."""

    lines: list[ClaimLine] = Field(default_factory=list)

    def codes(self) -> list[str]:
        return [line.code for line in self.lines]

    def diagnoses(self) -> list[str]:
        """Distinct billed ICD-10-CM codes in first-pointed order."""
        seen: dict[str, None] = {}
        for line in self.lines:
            for code in line.dx:
                seen.setdefault(code, None)
        return list(seen)


class HistoryEntry(_Record):
    """An earlier encounter of the same patient, used for global periods and HCC recapture."""

    date_of_service: dt.date
    claim: Claim = Field(default_factory=Claim)


class GoldService(_Record):
    code: str
    system: CodeSystem = "CPT"
    units: int = Field(default=1, ge=1)
    modifiers: list[str] = Field(default_factory=list)

    @field_validator("code")
    @classmethod
    def _code(cls, value: str) -> str:
        return normalize_procedure_code(value)


class GoldMdm(_Record):
    """Medical decision making elements, each as a level name: minimal | low | moderate | high (straightforward
    is written ``minimal`` for problems/data/risk and ``straightforward`` for the overall level)."""

    problems: str | None = None
    data: str | None = None
    risk: str | None = None
    level: str | None = None


class Gold(_Record):
    """Labels for training and evaluation; never read while predicting."""

    icd10cm: list[str] = Field(default_factory=list)
    em_code: str | None = None
    em_modifier25: bool = False
    services: list[GoldService] = Field(default_factory=list)
    hcc_v28: list[str] = Field(default_factory=list)
    mdm: GoldMdm | None = None

    @field_validator("icd10cm")
    @classmethod
    def _icd(cls, value: list[str]) -> list[str]:
        return [normalize_icd10cm(c) for c in value]


class FlagKeyFields(BaseModel):
    """The type and key fields of an audit flag (DESIGN.md flag table); each type fills the fields it names.

    Shared by expected flags, the audit engine's flags and the API's flags so the vocabulary is declared once.
    """

    type: str
    billed: str | None = None
    supported: str | None = None
    code: str | None = None
    icd10cm: str | None = None
    hcc: str | None = None
    column1: str | None = None
    column2: str | None = None


class ExpectedFlag(FlagKeyFields, _Record):
    """An audit flag that a correct audit of the claim raises; key fields depend on ``type`` (DESIGN.md)."""

    type: FlagType

    def match_key(self) -> tuple[str, str | None]:
        """The key evaluation matches on: the type plus its first key field (E/M types by type alone)."""
        return flag_match_key(self.type, self.model_dump())


def flag_match_key(flag_type: str, fields: dict[str, Any]) -> tuple[str, str | None]:
    """Type plus first key field, per DESIGN.md's flag table; shared by gold flags and predicted flags."""
    first_key = FLAG_FIRST_KEY[flag_type]
    if first_key is None:
        return (flag_type, None)
    value = fields.get(first_key)
    return (flag_type, None if value is None else str(value))


# First key field of every flag type (None: matched by type alone).
FLAG_FIRST_KEY: dict[str, str | None] = {
    "em_overcoded": None,
    "em_undercoded": None,
    "missed_service": "code",
    "unsupported_diagnosis": "icd10cm",
    "hcc_gap": "hcc",
    "missing_modifier_25": "code",
    "unspecified_code": "billed",
    "ncci_ptp_conflict": "column1",
    "mue_exceeded": "code",
    "addon_without_primary": "code",
    "global_period_conflict": "code",
}


class Encounter(_Record):
    """One encounter: the de-identified note, its context, what was billed, and optional labels."""

    encounter_id: str = Field(min_length=1)
    text: str
    patient_id: str | None = None
    date_of_service: dt.date | None = None
    setting: Setting | None = None
    patient_status: PatientStatus | None = None
    age: int | None = Field(default=None, ge=0, le=130)
    sex: Sex | None = None
    specialty: str | None = None
    provider_id: str | None = None
    payer: str | None = None
    time_minutes: int | None = Field(default=None, ge=0)
    claim: Claim | None = None
    history: list[HistoryEntry] = Field(default_factory=list)
    gold: Gold | None = None
    expected_flags: list[ExpectedFlag] = Field(default_factory=list)

    @field_validator("text")
    @classmethod
    def _text_not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the note text is empty; an encounter needs its note")
        return value

    def without_labels(self) -> Encounter:
        """A copy with ``gold`` and ``expected_flags`` removed: what a predictor may see."""
        return self.model_copy(update={"gold": None, "expected_flags": []})

    def to_json_dict(self) -> dict[str, Any]:
        """JSON-ready dict without unset optional fields (keeps files small and round trips exact)."""
        return self.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
