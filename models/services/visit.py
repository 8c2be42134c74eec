"""All separately billable lines of a visit besides the E/M itself: detected services plus the leveler's companions.

Combines :class:`~models.services.detector.ServiceDetector` output with what the E/M leveler decided (preventive or
Medicare wellness code beside a problem visit, prolonged time 99417/G2212, G2211) and applies the visit-level
rules that need both:

- depression screening: 96127 with a problem or preventive visit; at a Medicare subsequent AWV it is G0444; at the
  IPPE or the initial AWV it is part of the visit (NCCI PTP G0438/G0444 and G0402/G0444, modifier indicator 0);
- advance care planning furnished with an AWV takes modifier 33 (no cost sharing, CMS MLN ACP booklet);
- NCCI PTP pairs among the detected lines: indicator 0 drops the column-2 code; indicator 1 between two procedures
  documented at separate sites adds XS to the column-2 line.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.clinical.document import Evidence
from models.em.leveler import EmResult

PtpLookup = Callable[[str, str], int | None]  # (column1, column2) -> modifier indicator, None when no edit
_WELLNESS = {"G0402", "G0438", "G0439"}
_PROCEDURE_KINDS = frozenset({"procedure"})


@dataclass
class ServiceLine:
    """One billable line (not the E/M) with its evidence and confidence."""

    code: str
    units: int
    modifiers: list[str]
    confidence: float
    evidence: list[Evidence] = field(default_factory=list)
    source: str = "detector"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "confidence": round(self.confidence, 4),
            "evidence": [e.to_dict() for e in self.evidence],
            "source": self.source,
        }


def ptp_from_cms(cms: Any, date_of_service: dt.date) -> PtpLookup:
    """A PTP lookup over :class:`datasets.codesets.CmsTables` for one date of service."""

    def lookup(column1: str, column2: str) -> int | None:
        edit = cms.ptp_edit(column1, column2, date_of_service)
        return None if edit is None else int(edit.modifier_indicator)

    return lookup


def visit_services(result: EmResult, ptp: PtpLookup | None = None) -> list[ServiceLine]:
    """The visit's billable lines besides the E/M (see module docstring)."""
    visit_codes = {result.em_code} | {code for code, _ in result.addons}
    lines: list[ServiceLine] = []
    for service in result.services:
        code, modifiers = service.code, list(service.modifiers)
        if service.key == "depression_screen":
            if "G0439" in visit_codes:
                code = "G0444"
            elif visit_codes & {"G0438", "G0402"}:
                continue
        if service.key == "acp" and visit_codes & _WELLNESS:
            modifiers.append("33")
        lines.append(ServiceLine(code, service.units, sorted(set(modifiers)), service.confidence,
                                 list(service.evidence), service.kind))  # fmt: skip
    for code, units in result.addons:
        lines.append(ServiceLine(code, units, [], result.confidence or 0.0, [], "em"))
    if ptp is not None:
        kinds = {s.code: s.kind for s in result.services}
        keep: list[ServiceLine] = []
        for line in lines:
            dropped = False
            for other in lines:
                if other is line:
                    continue
                indicator = ptp(other.code, line.code)
                if indicator == 0 and line.source != "em":
                    dropped = True
                elif (
                    indicator == 1
                    and kinds.get(line.code) in _PROCEDURE_KINDS
                    and kinds.get(other.code) in (_PROCEDURE_KINDS)
                ):
                    line.modifiers = sorted({*line.modifiers, "XS"})
            if not dropped:
                keep.append(line)
        lines = keep
    return lines
