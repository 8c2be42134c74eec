"""CPU milliseconds per component of one audit encounter and of one suggest answer (where the time goes).

``python -m evaluation.cpu_breakdown [--n N] [--with-icd10-suggester]`` audits the audit benchmark's 400-word notes
with every model the audit uses loaded (the ICD-10-CM suggester too with the flag), then answers
``SuggestionEngine.suggest`` for the same notes, and prints one JSON object: per component, its own CPU time per
note (time spent in the component itself, with the components it calls subtracted), measured with
``time.process_time`` so that other work on a shared machine does not count. The components are the model
steps named in :data:`AUDIT_COMPONENTS` and :data:`SUGGEST_COMPONENTS`; ``other`` is what the entry point spends
outside all of them (orchestration, result records). The HTTP side of a request (validation, routing, the
database write, serialisation) is the service benchmark's server CPU per request minus ``suggest``'s total here.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

# (label, "module:Class.attribute" or "module:function") - wrapped while measuring, restored afterwards
AUDIT_COMPONENTS: tuple[tuple[str, str], ...] = (
    ("icd10_suggester", "models.icd10.suggester:Icd10Suggester.suggest"),
    ("parse_note", "models.clinical.document:ClinicalDocument.__init__"),
    ("em_leveler", "models.em.leveler:EmLeveler.level_encounter"),
    ("em_confidence", "models.em.confidence:OnnxEmConfidence.predict_proba"),
    *(
        (f"em_pipeline.{name.split('.')[-2]}", f"models.em.pipeline:REGISTRY[{name}]")
        for name in (
            "medcode.services.detect.v1",
            "medcode.em.visit.v1",
            "medcode.em.time.v1",
            "medcode.em.problems.v1",
            "medcode.em.data.v1",
            "medcode.em.risk.v1",
        )
    ),
    ("services_visit_rules", "models.audit.adapters:DefaultModels._visit_services"),
    ("specificity", "models.audit.adapters:SpecificityFinder.find"),
    ("diagnosis_support", "models.audit.support:DiagnosisSupport.classify"),
    ("hcc_mapper", "models.hcc.mapper:HccMapper.analyse"),
    ("checks", "models.audit.engine:AuditEngine.run_checks"),
    ("em_second_opinion", "models.em.second_opinion:MdmSecondOpinion.probability_below"),
    ("cdi_queries", "models.audit.cdi:QueryGenerator.generate"),
    ("hcc_semantic", "models.audit.adapters:DefaultModels._named_conditions"),
)
SUGGEST_COMPONENTS: tuple[tuple[str, str], ...] = (
    *AUDIT_COMPONENTS[:14],
    ("titles", "serving.engine:SuggestionEngine._title"),
)


class _Clock:
    """Own and total CPU seconds per label, with nested calls subtracted from their caller's own time."""

    def __init__(self) -> None:
        self.own: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[float] = []  # CPU seconds spent in measured callees of each open call

    def wrap(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def measured(*args: Any, **kwargs: Any) -> Any:
            self._stack.append(0.0)
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.process_time() - started
                inner = self._stack.pop()
                self.own[label] = self.own.get(label, 0.0) + elapsed - inner
                self.calls[label] = self.calls.get(label, 0) + 1
                if self._stack:
                    self._stack[-1] += elapsed

        return measured


def _target(path: str) -> tuple[Any, str]:
    """The object holding what ``path`` names, and its name there (``REGISTRY[key]``: a dict and its key)."""
    module_name, _, attribute = path.partition(":")
    owner: Any = importlib.import_module(module_name)
    if attribute.endswith("]"):
        table, _, key = attribute[:-1].partition("[")
        return getattr(owner, table), key
    *parents, name = attribute.split(".")
    for parent in parents:
        owner = getattr(owner, parent)
    return owner, name


def _get(owner: Any, name: str) -> Any:
    if isinstance(owner, dict):
        return owner[name]
    return owner.__dict__[name] if isinstance(owner, type) else getattr(owner, name)


def _set(owner: Any, name: str, value: Any) -> None:
    if isinstance(owner, dict):
        owner[name] = value
    else:
        setattr(owner, name, value)


@contextmanager
def measured(components: tuple[tuple[str, str], ...], entry: tuple[str, str]) -> Iterator[_Clock]:
    """Wrap ``entry`` and every component with a CPU clock for the duration of the block."""
    clock = _Clock()
    originals: list[tuple[Any, str, Any]] = []
    try:
        for label, path in (entry, *components):
            owner, name = _target(path)
            original = _get(owner, name)
            originals.append((owner, name, original))
            _set(owner, name, clock.wrap(label, original))
        yield clock
    finally:
        for owner, name, original in reversed(originals):
            _set(owner, name, original)


def _per_note(clock: _Clock, entry: str, n: int) -> dict[str, Any]:
    total = sum(clock.own.values())
    out: dict[str, Any] = {"total_ms": round(1000 * total / n, 2)}
    components = {k: round(1000 * v / n, 2) for k, v in sorted(clock.own.items(), key=lambda kv: -kv[1])}
    components["other"] = components.pop(entry)
    out["own_ms"] = components
    out["calls_per_note"] = {k: round(v / n, 2) for k, v in clock.calls.items() if k != entry}
    return out


def run(n: int = 100, seed: int = 2024, icd10_suggester: bool = False) -> dict[str, Any]:
    """Own CPU ms per note of each component, for the audit (as configured, or with the ICD-10-CM suggester in
    its loop) and for ``suggest``."""
    from datasets.codesets import CodeSets
    from evaluation.bench_audit import audit_engine as load_audit_engine
    from evaluation.bench_audit import make_notes
    from evaluation.bench_service import find_bundle
    from serving.engine import build_engine

    notes = make_notes(n, seed)
    audit_engine = load_audit_engine(icd10_suggester)
    service = build_engine(find_bundle(), [], CodeSets.from_settings(), auto_threshold=None, min_confidence=0.05,
                           top_k=15)  # fmt: skip
    for encounter in notes[:5]:  # warm-up: lazy tables, first ONNX runs
        audit_engine.audit(encounter)
        service.suggest(encounter)
    result: dict[str, Any] = {"notes": len(notes)}
    entry = ("audit", "models.audit.engine:AuditEngine.audit")
    with measured(AUDIT_COMPONENTS, entry) as clock:
        for encounter in notes:
            audit_engine.audit(encounter)
    result["audit"] = _per_note(clock, "audit", len(notes))
    entry = ("suggest", "serving.engine:SuggestionEngine.suggest")
    with measured(SUGGEST_COMPONENTS, entry) as clock:
        for encounter in notes:
            service.suggest(encounter)
    result["suggest"] = _per_note(clock, "suggest", len(notes))
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100, help="notes (400 words each)")
    parser.add_argument(
        "--with-icd10-suggester", action="store_true", help="audit with the ICD-10-CM suggester in its loop"
    )
    args = parser.parse_args(argv)
    print(json.dumps(run(args.n, icd10_suggester=args.with_icd10_suggester), indent=2))


if __name__ == "__main__":
    main()
