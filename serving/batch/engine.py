"""The bridge between the batch runners and the audit engine: load it once per process, audit a chunk into rows.

Both engines (the local process pool and the Spark executors) call :func:`audit_chunk` with the same engine, so
their outputs are equal row for row. The engine is named by a ``module:attribute`` spec and built by calling the
attribute with no arguments; it is built lazily, once per process (:func:`engine_for`), so each worker or Spark
Python worker holds one engine and its ONNX sessions for its whole life.

The audit engine (``models/audit``) returns one ``EncounterAudit`` per encounter; this module only reads its public
fields (flags, risk score, dollars, E/M levels, CDI queries) and never re-implements a check.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from datasets.schema import Encounter
from serving.batch.errors import BatchError
from serving.native_threads import limit_native_threads

# What ``medcode audit`` uses unless --engine-factory says otherwise: the audit engine with its default models.
DEFAULT_ENGINE_SPEC = "models.audit:load_default_engine"
CLAIMS_ONLY_ENGINE_SPEC = "serving.batch.engine:claims_only_engine"


class AuditEngine(Protocol):
    """What the batch runner needs from an audit engine: audit one encounter (labels already removed)."""

    def audit(self, encounter: Encounter) -> Any:
        """The engine's ``EncounterAudit`` for one encounter."""
        ...


_ENGINES: dict[str, AuditEngine] = {}


def load_engine(spec: str) -> AuditEngine:
    """Build the engine named by ``module:attribute[.attribute]`` (called with no arguments).

    Raises:
        BatchError: ``BAT002`` when the module or attribute is missing or the factory fails.
    """
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise BatchError("BAT002", spec=spec, reason="expected 'module:function'")
    try:
        target: Any = importlib.import_module(module_name)
        for part in attribute.split("."):
            target = getattr(target, part)
        engine = target()
    except (ImportError, AttributeError) as error:
        raise BatchError("BAT002", spec=spec, reason=f"{type(error).__name__}: {error}") from error
    if not callable(getattr(engine, "audit", None)):
        raise BatchError("BAT002", spec=spec, reason="the factory's result has no audit(encounter) method")
    return engine


def engine_for(spec: str) -> AuditEngine:
    """The engine of this process for ``spec``, built on first use (one per process, reused for every chunk)."""
    engine = _ENGINES.get(spec)
    if engine is None:
        limit_native_threads()
        engine = _ENGINES[spec] = load_engine(spec)
    return engine


def engine_id(engine: AuditEngine) -> str:
    """A short description of the engine's versions (recorded in the checkpoint; a resume must use the same)."""
    for attribute in ("engine_id", "version", "bundle_ids", "versions"):
        value = getattr(engine, attribute, None)
        if value is not None and not callable(value):
            return json.dumps(value, sort_keys=True, default=str) if not isinstance(value, str) else value
    return type(engine).__module__ + "." + type(engine).__qualname__


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)


def _as_dict(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json", exclude_none=True)
    if hasattr(value, "to_dict"):
        return value.to_dict()
    return dict(vars(value))


def _round(value: Any, digits: int = 6) -> float | None:
    return None if value is None else round(float(value), digits)


def _history_dx(encounter: Encounter) -> dict[str, list[str]]:
    by_date: dict[str, list[str]] = {}
    for entry in encounter.history:
        codes = by_date.setdefault(entry.date_of_service.isoformat(), [])
        for code in entry.claim.diagnoses():
            if code not in codes:
                codes.append(code)
    return dict(sorted(by_date.items()))


def _em_billed(encounter: Encounter) -> str | None:
    for code in encounter.claim.codes() if encounter.claim else []:
        if code.startswith("992") or code.startswith("993") or code in ("99024", "G0438", "G0439"):
            return code
    return None


def _context(index: int, encounter: Encounter) -> dict[str, Any]:
    claim = encounter.claim
    return {
        "input_index": index,
        "encounter_id": encounter.encounter_id,
        "patient_id": encounter.patient_id,
        "provider_id": encounter.provider_id,
        "date_of_service": encounter.date_of_service.isoformat() if encounter.date_of_service else None,
        "setting": encounter.setting,
        "specialty": encounter.specialty,
        "payer": encounter.payer,
        "age": encounter.age,
        "sex": encounter.sex,
        "em_billed": _em_billed(encounter),
        "billed_codes": _dump(claim.codes() if claim else []),
        "billed_dx": _dump(claim.diagnoses() if claim else []),
        "history_dx": _dump(_history_dx(encounter)),
    }


def audit_row(index: int, encounter: Encounter, result: Any) -> dict[str, Any]:
    """The output row (:data:`serving.batch.schema.OUTPUT_COLUMNS`) of one audited encounter."""
    audit = _as_dict(result)
    flags = [_as_dict(f) for f in audit.get("flags", [])]
    at_risk = _round(audit.get("dollars_at_risk")) or 0.0
    opportunity = _round(audit.get("dollars_opportunity")) or 0.0
    hcc_documented = [
        {"hcc": f.get("hcc"), "icd10cm": f.get("icd10cm"), "confidence": f.get("confidence")}
        for f in flags
        if f.get("type") == "hcc_gap"
    ]
    suggestions = {
        "em": audit.get("supported_em"),
        "services": [f.get("code") for f in flags if f.get("type") == "missed_service"],
        "icd10cm": sorted(
            {str(f["supported"]) for f in flags if f.get("type") == "unspecified_code" and f.get("supported")}
            | {str(f["icd10cm"]) for f in flags if f.get("type") == "hcc_gap" and f.get("icd10cm")}
        ),
        "queries": [q.get("topic") for q in audit.get("queries", [])],
    }
    row = _context(index, encounter)
    row.update(
        status="ok",
        error=None,
        risk_score=_round(audit.get("risk_score")),
        n_flags=len(flags),
        dollars_at_risk=at_risk,
        dollars_opportunity=opportunity,
        dollar_impact=round(at_risk + opportunity, 6),
        em_suggested=audit.get("supported_em"),
        flags=_dump(flags),
        suggestions=_dump(suggestions),
        hcc_documented=_dump(hcc_documented),
        queries=_dump([_as_dict(q) for q in audit.get("queries", [])]),
        tables=_dump(audit.get("tables", {})),
        checks_skipped=_dump(audit.get("checks_skipped", {})),
    )
    if audit.get("billed_em"):
        row["em_billed"] = audit["billed_em"]
    return row


def error_row(index: int, encounter: Encounter, error: BaseException) -> dict[str, Any]:
    """The row of an encounter the engine refused: status ``error`` and a PHI-free reason (type and code only)."""
    row = _context(index, encounter)
    code = getattr(error, "code", None)
    row.update(
        status="error",
        error=f"{type(error).__name__}{f' {code}' if code else ''}",
        n_flags=0,
        flags="[]",
        suggestions="{}",
        hcc_documented="[]",
        queries="[]",
        tables="{}",
        checks_skipped="{}",
    )
    return row


def audit_indexed(engine: AuditEngine, items: Iterable[tuple[int, Encounter]]) -> list[dict[str, Any]]:
    """Audit ``(input position, encounter)`` pairs into output rows, in the order given.

    One encounter the engine cannot audit becomes an ``error`` row; the others still run.
    """
    rows: list[dict[str, Any]] = []
    for index, encounter in items:
        try:
            result = engine.audit(encounter.without_labels())
        except Exception as error:  # one bad encounter never loses the others
            rows.append(error_row(index, encounter, error))
            continue
        rows.append(audit_row(index, encounter, result))
    return rows


def audit_chunk(engine: AuditEngine, first_index: int, encounters: Sequence[Encounter]) -> list[dict[str, Any]]:
    """Audit consecutive encounters (input positions ``first_index``, ``first_index + 1``, ...) into output rows."""
    return audit_indexed(engine, enumerate(encounters, start=first_index))


def claims_only_engine() -> AuditEngine:
    """The audit engine with its claim edits only and no models loaded (NCCI PTP/MUE/add-on, global period,
    modifier 25, payer rules); the model-based checks are skipped and recorded in each row's ``checks_skipped``.

    For sites without model bundles, and for benchmarking the runner itself at sizes the full models are too slow for
    on a small machine (spec ``serving.batch.engine:claims_only_engine``).
    """
    from models.audit import AuditEngine as Engine

    return Engine()
