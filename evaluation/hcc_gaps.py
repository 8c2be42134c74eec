"""Patient-level HCC gap scan over a batch audit's output: recapture gaps and documented-never-coded conditions.

For each patient, the measurement year is the year of their latest date of service in the audit (or the year the
caller gives). Two kinds of gap, both in CMS-HCC (V28 by default), hierarchies applied:

- ``recapture``: an HCC coded on a claim in one of the ``lookback_years`` before the measurement year (the
  patient's ``history`` claims, or audited encounters of earlier years) that no claim of the measurement year
  captures yet. CMS resets risk scores every year, so a chronic condition must be coded again each year.
- ``documented_never_coded``: an HCC the audit engine found documented and addressed (an ``hcc_gap`` flag on an
  encounter of the measurement year) that no claim of that year or the lookback captures.

An HCC counts as captured when a billed diagnosis maps to it or to an HCC that outranks it in the hierarchy. The RAF
impact per patient is ``raf(current + gap diagnoses) - raf(current diagnoses)``, both computed by the code-set
layer (:meth:`datasets.codesets.HccModel.raf`, i.e. hccinfhir); nothing here re-implements the risk model. A patient
without age or with sex ``U`` gets gaps but no RAF (``raf_delta`` is None and the reason says why).

Only the columns needed are read, in batches; per-patient state is a few small sets, so memory grows with the
number of patients, not of encounters.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from datasets.codesets import CodeSets, HccModel
from models.hcc.gaps import HccGap, PatientCoding, PatientGaps, scan_patient, service_year

_COLUMNS = ["patient_id", "date_of_service", "age", "sex", "billed_dx", "history_dx", "flags", "status"]


@dataclass
class GapScan:
    """The scan of all patients: per-patient results (only patients with gaps) and totals."""

    model: str
    patients_scanned: int
    patients: list[PatientGaps]

    @property
    def gaps(self) -> list[HccGap]:
        return [g for p in self.patients for g in p.gaps]

    def totals(self) -> dict[str, Any]:
        """Counts by kind and the total RAF impact (sum over patients with a computable RAF)."""
        gaps = self.gaps
        deltas = [p.raf_delta for p in self.patients if p.raf_delta is not None]
        return {
            "model": self.model,
            "patients_scanned": self.patients_scanned,
            "patients_with_gaps": len(self.patients),
            "gaps": len(gaps),
            "recapture": sum(g.kind == "recapture" for g in gaps),
            "documented_never_coded": sum(g.kind == "documented_never_coded" for g in gaps),
            "raf_delta_total": round(sum(deltas), 4),
            "patients_without_raf": sum(p.raf_delta is None for p in self.patients),
        }

    def write(self, out_dir: Path) -> dict[str, str]:
        """Write ``hcc_gaps.jsonl`` (one patient a line) and ``hcc_gaps_summary.json``; returns the file names."""
        out_dir.mkdir(parents=True, exist_ok=True)
        with (out_dir / "hcc_gaps.jsonl").open("w", encoding="utf-8") as handle:
            for patient in self.patients:
                handle.write(json.dumps(patient.to_dict(), sort_keys=True) + "\n")
        (out_dir / "hcc_gaps_summary.json").write_text(json.dumps(self.totals(), indent=1, sort_keys=True) + "\n")
        return {"hcc_gaps": "hcc_gaps.jsonl", "hcc_gaps_summary": "hcc_gaps_summary.json"}


def iter_audit_rows(path: Path, columns: list[str], batch_size: int = 4096) -> Iterator[dict[str, Any]]:
    """Rows of an ``audit.parquet`` (file or Spark directory), only ``columns``, in batches."""
    import pyarrow.dataset as ds

    dataset = ds.dataset(str(path), format="parquet")
    present = [c for c in columns if c in dataset.schema.names]
    for batch in dataset.to_batches(columns=present, batch_size=batch_size):
        yield from batch.to_pylist()


def _collect(rows: Iterable[dict[str, Any]]) -> dict[str, PatientCoding]:
    patients: dict[str, PatientCoding] = {}
    for row in rows:
        pid = row.get("patient_id")
        if not pid or row.get("status", "ok") != "ok":
            continue
        patient = patients.setdefault(pid, PatientCoding())
        patient.encounters += 1
        date = row.get("date_of_service") or ""
        if date >= patient.last_date:
            patient.last_date = date
            patient.age = row.get("age") if row.get("age") is not None else patient.age
            patient.sex = row.get("sex") or patient.sex
        year = service_year(date)
        if year is not None:
            patient.dx_by_year.setdefault(year, set()).update(json.loads(row.get("billed_dx") or "[]"))
            for flag in json.loads(row.get("flags") or "[]"):
                if flag.get("type") == "hcc_gap" and flag.get("hcc") and flag.get("icd10cm"):
                    patient.documented.setdefault(year, {}).setdefault(flag["hcc"], flag["icd10cm"])
        for history_date, codes in json.loads(row.get("history_dx") or "{}").items():
            history_year = service_year(history_date)
            if history_year is not None:
                patient.dx_by_year.setdefault(history_year, set()).update(codes)
    return patients


def scan_audit(
    audit_path: str | Path,
    *,
    codesets: CodeSets | None = None,
    version: Literal["V24", "V28"] = "V28",
    year: int | None = None,
    lookback_years: int = 1,
) -> GapScan:
    """Scan a batch audit's ``audit.parquet`` for HCC gaps, patient by patient.

    Args:
        audit_path: ``audit.parquet`` written by either batch engine.
        codesets: the code sets (default: from settings).
        version: CMS-HCC model version.
        year: measurement year for every patient (default: each patient's latest year of service).
        lookback_years: how many years before the measurement year count as "previously coded".
    """
    sets = codesets or CodeSets.from_settings()
    cache: dict[int, HccModel] = {}

    def models(payment_year: int) -> HccModel:
        if payment_year not in cache:
            cache[payment_year] = sets.hcc(version, payment_year)
        return cache[payment_year]

    patients = _collect(iter_audit_rows(Path(audit_path), _COLUMNS))
    results = [
        r
        for pid in sorted(patients)
        if (r := scan_patient(pid, patients[pid], models, year=year, lookback_years=lookback_years)) is not None
    ]
    results.sort(key=lambda p: (-(p.raf_delta or 0.0), p.patient_id))
    return GapScan(model=f"CMS-HCC {version}", patients_scanned=len(patients), patients=results)
