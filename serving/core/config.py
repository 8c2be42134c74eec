"""The service's one ``Settings``: read from ``MEDCODE_*`` variables (and ``DATABASE_URL``), unsafe values refused.

Defaults are the embedded ones: SQLite under the artefacts folder, a development secret, no model bundle (suggest then
answers 503 and ``/ready`` is false until ``MEDCODE_ICD_BUNDLE`` names one). Outside ``development`` the validators
refuse a placeholder secret, a debug flag, and a missing bundle path, naming the variable to set.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from configs.settings import get_settings as get_path_settings

Environment = Literal["development", "test", "production"]
PLACEHOLDER_SECRET = "changethis-development-only"


def _default_database_url() -> str:
    folder = get_path_settings().artifacts_dir
    return f"sqlite:///{(folder / 'medcode.db').resolve()}"


class Settings(BaseSettings):
    """Everything ``medcode serve`` can be told.

    Attributes:
        environment: ``development`` (default), ``test`` or ``production`` (``MEDCODE_ENVIRONMENT``).
        secret_key: signs web session cookies and bearer tokens (``MEDCODE_SECRET_KEY``).
        debug: verbose errors; refused outside development (``MEDCODE_DEBUG``).
        database_url: SQLAlchemy URL (``DATABASE_URL`` or ``MEDCODE_DATABASE_URL``); SQLite file by default.
        icd_bundle: ICD-10-CM model bundle folder or MLflow model URI (``MEDCODE_ICD_BUNDLE``).
        auto_threshold: calibrated confidence at or above which a suggestion is accepted without review; unset, the
            ICD bundle's tuned ``thresholds.auto`` applies (0.9 when it has none).
        extra_bundles: further bundles (CPT/HCPCS services, E/M) as a JSON list of folders or MLflow URIs.
        min_confidence: suggestions below this are not shown at all.
        qa_sample_rate: share of fully automatic encounters still queued for quality review.
        max_note_bytes: largest note (UTF-8 bytes) accepted; larger ones get 413.
        max_body_bytes: largest request body accepted (batch included); larger ones get 413.
        max_batch: most encounters in one batch request.
        rate_limit_per_minute: sustained requests per API key per minute (token bucket, per process).
        rate_limit_burst: bucket size (requests a key may send at once).
        request_timeout_s: a request running longer is answered 504.
        token_ttl_s: lifetime of bearer tokens and web sessions.
        bootstrap_admin_key: when set, an admin key with this value is created at start-up if no admin exists.
        load_codesets: open the code sets (titles, claim validation, HCC map, audit tables).
        use_audit_engine: audit with ``models.audit`` (E/M, services, diagnosis support, HCC, NCCI, payer rules).
        suggest_em_services: add the E/M level and CPT/HCPCS services to suggestions (about 40 ms a note).
        model_concurrency: most requests running the models at once in one worker process; the others wait their
            turn. The models are CPU-bound Python and ONNX, so more than a couple at once per process only make
            threads fight over the interpreter lock: at concurrency 32 on 2 workers, 2 gave 47-49 requests/s and a
            p95 under 1 s, FastAPI's thread pool of 40 gave 31 requests/s and a p95 of 3.6 s.
    """

    model_config = SettingsConfigDict(env_prefix="MEDCODE_", extra="ignore", populate_by_name=True)

    environment: Environment = "development"
    secret_key: str = PLACEHOLDER_SECRET
    debug: bool = False
    database_url: str = Field(
        default_factory=_default_database_url,
        validation_alias=AliasChoices("database_url", "DATABASE_URL", "MEDCODE_DATABASE_URL"),
    )
    icd_bundle: str | None = None
    auto_threshold: float | None = Field(default=None, ge=0.0, le=1.0)
    extra_bundles: list[str] = Field(default_factory=list)
    min_confidence: float = Field(default=0.05, ge=0.0, le=1.0)
    top_k: int = Field(default=15, ge=1, le=100)
    qa_sample_rate: float = Field(default=0.05, ge=0.0, le=1.0)
    max_note_bytes: int = Field(default=200_000, ge=1)
    max_body_bytes: int = Field(default=4_000_000, ge=1)
    max_batch: int = Field(default=50, ge=1)
    rate_limit_per_minute: int = Field(default=6000, ge=1)
    rate_limit_burst: int = Field(default=200, ge=1)
    request_timeout_s: float = Field(default=30.0, gt=0)
    token_ttl_s: int = Field(default=8 * 3600, ge=60)
    bootstrap_admin_key: str | None = None
    load_codesets: bool = True
    use_audit_engine: bool = True
    suggest_em_services: bool = True
    model_concurrency: int = Field(default=2, ge=1, le=64)

    @model_validator(mode="after")
    def _refuse_unsafe(self) -> Settings:
        if self.environment == "development":
            return self
        if self.secret_key == PLACEHOLDER_SECRET or len(self.secret_key) < 16:
            raise ValueError(
                f"MEDCODE_SECRET_KEY is a placeholder or shorter than 16 characters while MEDCODE_ENVIRONMENT="
                f"{self.environment}; set it to a long random value (e.g. `python -c 'import secrets; "
                f"print(secrets.token_urlsafe(32))'`)."
            )
        if self.debug:
            raise ValueError(
                f"MEDCODE_DEBUG is on while MEDCODE_ENVIRONMENT={self.environment}; unset it outside development."
            )
        if self.environment == "production" and not self.icd_bundle:
            raise ValueError(
                "MEDCODE_ICD_BUNDLE is not set while MEDCODE_ENVIRONMENT=production; point it to a model bundle "
                "folder or an MLflow model URI (train one with `medcode train --task icd10`)."
            )
        if self.icd_bundle and "://" not in self.icd_bundle and not Path(self.icd_bundle).exists():
            raise ValueError(
                f"MEDCODE_ICD_BUNDLE points to {self.icd_bundle}, which does not exist; fix the path or unset it."
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        """Whether the database is the embedded SQLite one."""
        return self.database_url.startswith("sqlite")
