"""Map billed and suggested diagnoses to CMS-HCC V28 and V24, keep those with MEAT, apply hierarchies, RAF delta.

Everything model-specific goes through the code-set layer (:class:`datasets.codesets.hcc.HccModel`, which delegates
to hccinfhir): ``hccs_for`` (mapping), ``apply_hierarchies`` and ``raf``. For each version:

- *captured*: billed, MEAT-supported, counting after hierarchies;
- *gap*: documented with MEAT but not billed (a suggestion; the RAF delta is what capturing it would add);
- *unsupported*: billed but without MEAT in the note (never suggested; the audit engine may flag it);
- *trumped*: supported but dropped by a more severe HCC of the same hierarchy.

RAF before = RAF of the billed diagnoses; RAF after = RAF of the billed plus the gap diagnoses; delta = after -
before. Needs the patient's age and sex (else RAF is not computed and says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from datasets.codesets.hcc import HccModel, HccVersion, RafScore, Segment
from datasets.schema import Encounter, normalize_icd10cm
from models.clinical.document import ClinicalDocument, Evidence
from models.hcc.meat import ConditionSupport, find_support

HccStatus = Literal["captured", "gap", "unsupported", "trumped"]


@dataclass
class HccRecord:
    """One HCC of one model version with the diagnoses behind it and their MEAT evidence."""

    hcc: str
    version: str
    label: str
    status: HccStatus
    icd10cm: list[str]
    meat: dict[str, list[Evidence]]
    confidence: float
    sources: list[str] = field(default_factory=list)

    @property
    def meat_elements(self) -> tuple[str, ...]:
        return tuple(k for k in ("monitor", "evaluate", "assess", "treat") if self.meat.get(k))

    def to_dict(self) -> dict[str, Any]:
        return {
            "hcc": self.hcc,
            "version": self.version,
            "label": self.label,
            "status": self.status,
            "icd10cm": list(self.icd10cm),
            "meat": {k: [e.to_dict() for e in v] for k, v in self.meat.items() if v},
            "confidence": round(self.confidence, 4),
            "sources": list(self.sources),
        }


@dataclass
class HccAnalysis:
    """Per version: HCC records; RAF before/after capturing the gaps (None without age and sex)."""

    records: dict[str, list[HccRecord]]
    support: dict[str, ConditionSupport]
    raf_before: dict[str, RafScore | None]
    raf_after: dict[str, RafScore | None]
    notes: list[str] = field(default_factory=list)

    def hccs(self, version: str = "V28", statuses: tuple[str, ...] = ("captured", "gap")) -> list[str]:
        """HCCs of a version with the given statuses (default: all MEAT-supported ones that count)."""
        return sorted({r.hcc for r in self.records.get(version, []) if r.status in statuses})

    def raf_delta(self, version: str = "V28") -> float | None:
        before, after = self.raf_before.get(version), self.raf_after.get(version)
        if before is None or after is None:
            return None
        return round(after.risk_score - before.risk_score, 4)

    def to_dict(self) -> dict[str, Any]:
        return {
            "records": {v: [r.to_dict() for r in rs] for v, rs in self.records.items()},
            "raf": {
                v: {
                    "before": None if self.raf_before.get(v) is None else self.raf_before[v].risk_score,  # type: ignore[union-attr]
                    "after": None if self.raf_after.get(v) is None else self.raf_after[v].risk_score,  # type: ignore[union-attr]
                    "delta": self.raf_delta(v),
                }
                for v in self.records
            },
            "notes": list(self.notes),
        }


class HccMapper:
    """HCCs with MEAT for encounters.

    Args:
        models: the HCC models to report, e.g. ``{"V28": HccModel("V28", 2026), "V24": HccModel("V24", 2026)}``.
        titles: optional ``code -> title`` lookup (ICD-10-CM) used when a code has no entry in the term table.
        segment: enrolment segment for the RAF.
    """

    def __init__(
        self,
        models: dict[str, HccModel] | None = None,
        titles: Any = None,
        segment: Segment = "community_nondual_aged",
    ) -> None:
        self.models = models or {"V28": HccModel("V28", 2026), "V24": HccModel("V24", 2026)}
        self.titles = titles
        self.segment = segment

    def _title(self, code: str) -> str | None:
        if self.titles is None:
            return None
        try:
            return str(self.titles(code))
        except KeyError:
            return None

    def analyse(
        self,
        encounter: Encounter,
        suggested: Sequence[tuple[str, float]] = (),
        doc: ClinicalDocument | None = None,
        named: Mapping[str, Sequence[Evidence]] | None = None,
    ) -> HccAnalysis:
        """HCC records for the billed diagnoses and the suggested ones (code, confidence); ``named``: where the
        suggester read each suggested code's condition (see :func:`~models.hcc.meat.find_support`)."""
        doc = ClinicalDocument.from_encounter(encounter) if doc is None else doc
        billed = encounter.claim.diagnoses() if encounter.claim else []
        confidence = {normalize_icd10cm(c): float(p) for c, p in suggested}
        where = {normalize_icd10cm(c): spans for c, spans in (named or {}).items()}
        candidates: dict[str, list[str]] = {}
        for code in billed:
            candidates.setdefault(normalize_icd10cm(code), []).append("billed")
        for code in confidence:
            candidates.setdefault(code, []).append("suggested")
        support: dict[str, ConditionSupport] = {}
        for code in candidates:
            if any(model.hccs_for(code) for model in self.models.values()):
                support[code] = find_support(doc, code, self._title(code), where.get(code, ()))
        records: dict[str, list[HccRecord]] = {}
        raf_before: dict[str, RafScore | None] = {}
        raf_after: dict[str, RafScore | None] = {}
        notes: list[str] = []
        for version, model in self.models.items():
            supported = [c for c, s in support.items() if s.supported]
            mapped = model.map_diagnoses(supported)
            kept = set(model.apply_hierarchies(list(mapped)))
            billed_set = {normalize_icd10cm(c) for c in billed}
            billed_supported = [c for c in supported if c in billed_set]
            billed_hccs = set(model.apply_hierarchies(list(model.map_diagnoses(billed_supported))))
            out: list[HccRecord] = []
            for hcc, codes in sorted(mapped.items()):
                meat: dict[str, list[Evidence]] = {}
                for c in codes:
                    for element, spans in support[c].meat.items():
                        meat.setdefault(element, []).extend(spans)
                sources = sorted({s for c in codes for s in candidates[c]})
                if hcc not in kept:
                    status: HccStatus = "trumped"
                elif hcc in billed_hccs:
                    status = "captured"
                else:
                    status = "gap"
                share = len([e for e in meat if meat[e]]) / 4.0
                base = max([confidence.get(c, 1.0 if "billed" in candidates[c] else 0.5) for c in codes])
                out.append(HccRecord(hcc, version, model.label(hcc), status, codes, meat,
                                     round(base * (0.5 + 0.5 * share), 4), sources))  # fmt: skip
            for code in billed_set:
                s = support.get(code)
                if s is not None and not s.supported:
                    for hcc in model.hccs_for(code):
                        out.append(HccRecord(hcc, version, model.label(hcc), "unsupported", [code], s.meat, 0.0,
                                             ["billed"]))  # fmt: skip
            records[version] = out
            if encounter.age is not None and encounter.sex in ("F", "M"):
                gaps = [c for r in out if r.status == "gap" for c in r.icd10cm]
                before_dx = sorted(billed_set)
                sex: Literal["F", "M"] = "F" if encounter.sex == "F" else "M"
                raf_before[version] = model.raf(before_dx, age=encounter.age, sex=sex, segment=self.segment)
                after_dx = sorted({*before_dx, *gaps})
                # without a gap the claim's own list is scored again: the same score (most notes have no gap)
                raf_after[version] = (
                    raf_before[version]
                    if after_dx == before_dx
                    else model.raf(after_dx, age=encounter.age, sex=sex, segment=self.segment)
                )
            else:
                raf_before[version] = raf_after[version] = None
                notes.append(f"{version}: RAF needs the patient's age and sex (F/M); not computed")
        return HccAnalysis(records, support, raf_before, raf_after, notes)


def default_versions(payment_year: int = 2026) -> dict[str, HccModel]:
    """V28 and V24 for a payment year (V24 only where hccinfhir carries it)."""
    out: dict[str, HccModel] = {"V28": HccModel("V28", payment_year)}
    versions: tuple[HccVersion, ...] = ("V24",)
    for version in versions:
        try:
            out[version] = HccModel(version, payment_year)
        except ValueError:
            continue
    return out
