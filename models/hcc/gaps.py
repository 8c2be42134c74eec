"""Patient-level HCC gaps: conditions coded in an earlier year and not yet recaptured, and documented HCCs never coded.

CMS resets risk scores every year, so a chronic condition must be coded again each year. For one patient and a
measurement year (CMS-HCC, hierarchies applied):

- ``recapture``: an HCC coded on a claim in one of the ``lookback_years`` before the measurement year that no claim
  of the measurement year captures yet;
- ``documented_never_coded``: an HCC found documented and addressed (with MEAT) in the measurement year that no claim
  of that year or the lookback captures.

An HCC counts as captured when a billed diagnosis maps to it or to an HCC that outranks it in the hierarchy. The RAF
impact is ``raf(current + gap diagnoses) - raf(current diagnoses)``, both from the code-set layer (hccinfhir). The
batch scan (``evaluation/hcc_gaps.py``) and the service's gap endpoint both call :func:`scan_patient`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

from datasets.codesets import HccModel

GapKind = Literal["recapture", "documented_never_coded"]


@dataclass
class PatientCoding:
    """What is known of one patient's coding: billed diagnoses by year of service, HCCs documented with MEAT by
    year (hcc -> the ICD-10-CM code behind it), and the latest age and sex."""

    last_date: str = ""
    age: int | None = None
    sex: str | None = None
    dx_by_year: dict[int, set[str]] = field(default_factory=dict)
    documented: dict[int, dict[str, str]] = field(default_factory=dict)  # year -> hcc -> icd10cm
    encounters: int = 0


@dataclass(frozen=True)
class HccGap:
    """One gap of one patient: the HCC, the diagnosis behind it, and its kind."""

    patient_id: str
    hcc: str
    label: str
    icd10cm: str
    kind: GapKind
    last_coded_year: int | None
    documented_this_year: bool


@dataclass
class PatientGaps:
    """A patient's gaps in the measurement year and what closing all of them would change in the RAF."""

    patient_id: str
    year: int
    payment_year: int
    gaps: list[HccGap]
    raf_current: float | None
    raf_closed: float | None
    raf_delta: float | None
    raf_note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "patient_id": self.patient_id,
            "year": self.year,
            "payment_year": self.payment_year,
            "raf_current": self.raf_current,
            "raf_closed": self.raf_closed,
            "raf_delta": self.raf_delta,
            "raf_note": self.raf_note,
            "gaps": [vars(g) for g in self.gaps],
        }


def service_year(date: str | None) -> int | None:
    """The year of an ISO date string (None when it has none)."""
    return int(date[:4]) if date and len(date) >= 4 and date[:4].isdigit() else None


def hcc_captured(model: HccModel, hcc: str, current: set[str]) -> bool:
    """An HCC is captured when coded, or outranked in its hierarchy by a coded HCC."""
    if hcc in current:
        return True
    return bool(current) and hcc not in model.apply_hierarchies([*current, hcc])


def payment_year_for(year: int) -> int:
    # CMS-HCC payment year = service year + 1, clamped to the years the code sets ship.
    return min(max(year + 1, 2025), 2027)


def scan_patient(
    patient_id: str,
    patient: PatientCoding,
    models: Callable[[int], HccModel],
    *,
    year: int | None = None,
    lookback_years: int = 1,
) -> PatientGaps | None:
    """The gaps of one patient (None when there are none)."""
    measurement = year if year is not None else service_year(patient.last_date)
    if measurement is None:
        return None
    payment_year = payment_year_for(measurement)
    model = models(payment_year)
    current_dx = sorted(patient.dx_by_year.get(measurement, set()))
    current = set(model.map_diagnoses(current_dx))
    gaps: dict[str, HccGap] = {}
    documented = patient.documented.get(measurement, {})
    for prior_year in range(measurement - 1, measurement - 1 - lookback_years, -1):
        for hcc, codes in sorted(model.map_diagnoses(sorted(patient.dx_by_year.get(prior_year, set()))).items()):
            if hcc in gaps or hcc_captured(model, hcc, current):
                continue
            gaps[hcc] = HccGap(patient_id, hcc, model.label(hcc), codes[0], "recapture", prior_year, hcc in documented)
    for hcc, code in sorted(documented.items()):
        if hcc in gaps or hcc_captured(model, hcc, current):
            continue
        gaps[hcc] = HccGap(patient_id, hcc, model.label(hcc), code, "documented_never_coded", None, True)
    if not gaps:
        return None
    result = PatientGaps(patient_id, measurement, payment_year, list(gaps.values()), None, None, None)
    if patient.age is None or patient.sex not in ("F", "M"):
        result.raf_note = "no RAF: age or sex (F/M) unknown"
        return result
    sex: Literal["F", "M"] = "F" if patient.sex == "F" else "M"
    closed_dx = current_dx + [g.icd10cm for g in gaps.values() if g.icd10cm not in current_dx]
    before = model.raf(current_dx, age=patient.age, sex=sex)
    after = model.raf(closed_dx, age=patient.age, sex=sex)
    result.raf_current = before.risk_score
    result.raf_closed = after.risk_score
    result.raf_delta = round(after.risk_score - before.risk_score, 4)
    return result
