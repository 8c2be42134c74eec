"""The E/M pipeline: components registered by versioned name, run in order over one shared document.

Order matters: services first (the data component must know which tests we bill with our own interpretation),
then visit, time, problems, data, risk. A new behaviour gets a new name (``...v2``); config refers to names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from models.clinical.document import ClinicalDocument
from models.em.components.data import annotate_data
from models.em.components.problems import annotate_problems
from models.em.components.risk import annotate_risk
from models.em.components.time import annotate_time
from models.em.components.visit import annotate_visit
from models.services.detector import ServiceDetector

Component = Callable[[ClinicalDocument], ClinicalDocument]
_DETECTOR: list[ServiceDetector] = []


def annotate_services(doc: ClinicalDocument) -> ClinicalDocument:
    """Add one ``service`` mention per detected service line (attrs: code, units, kind, counts_as_data)."""
    if not _DETECTOR:
        _DETECTOR.append(ServiceDetector())
    for service in _DETECTOR[0].detect(doc):
        ev = service.evidence[0]
        doc.add(
            "service",
            service.key,
            ev.start,
            ev.end,
            code=service.code,
            units=service.units,
            service_kind=service.kind,
            counts_as_data=service.counts_as_data,
            em_needs_25=service.em_needs_25,
            service=service,
        )
    return doc


REGISTRY: dict[str, Component] = {
    "medcode.services.detect.v1": annotate_services,
    "medcode.em.visit.v1": annotate_visit,
    "medcode.em.time.v1": annotate_time,
    "medcode.em.problems.v1": annotate_problems,
    "medcode.em.data.v1": annotate_data,
    "medcode.em.risk.v1": annotate_risk,
}
DEFAULT_PIPELINE: tuple[str, ...] = tuple(REGISTRY)


def run_pipeline(
    text: str, context: dict[str, Any] | None = None, names: tuple[str, ...] = DEFAULT_PIPELINE
) -> ClinicalDocument:
    """Build the document and run the named components over it.

    Raises:
        KeyError: EM120 when a name is not registered (the message lists the registered names).
    """
    return annotate(ClinicalDocument(text, context), names)


def annotate(doc: ClinicalDocument, names: tuple[str, ...] = DEFAULT_PIPELINE) -> ClinicalDocument:
    """Run the named components over an already parsed document (the one every model of an encounter reads).

    Raises:
        KeyError: EM120 when a name is not registered (the message lists the registered names).
    """
    for name in names:
        if name not in REGISTRY:
            raise KeyError(f"EM120 No E/M component {name!r}; registered: {sorted(REGISTRY)}.")
        doc = REGISTRY[name](doc)
    return doc
