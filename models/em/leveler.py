"""The E/M leveler: note (+ setting, patient status, time) -> the supported E/M code, its reasoning and confidence.

Steps, each traceable in :class:`EmResult`:

1. the pipeline (:mod:`models.em.pipeline`) annotates services, visit type, time, problems, data and risk, with
   evidence spans;
2. each MDM element's level comes from the AMA table in ``data/mdm_elements_2023.csv`` (:func:`element_level`);
3. overall MDM is the 2-of-3 rule and the code is the higher of MDM and total time, both from
   :mod:`datasets.codesets.em` (the same functions the synthetic generator uses);
4. visit-type rules: preventive visits by age and status (99381-99397), Medicare IPPE/AWV (G0402/G0438/G0439), a
   separately identifiable problem visit beside them (modifier 25), prolonged time (99417, or G2212 for Medicare),
   the G2211 complexity add-on when longitudinal care is documented, telehealth modifiers 95 (video) / 93 (audio);
5. a calibrated confidence (:mod:`models.em.confidence`) so that borderline notes go to review.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from datasets.codesets.em import (
    Convention,
    EmCategory,
    em_code_for,
    em_level_rules,
    mdm_level,
    medicare_visit_code,
    medicare_visit_rules,
    preventive_code,
    prolonged_service,
)
from datasets.schema import Encounter
from models.clinical.document import ClinicalDocument, Evidence
from models.em.pipeline import DEFAULT_PIPELINE, annotate
from models.em.rules import ElementResult, element_level
from models.services.detector import DetectedService

_HOSPITAL_SETTINGS = frozenset({"inpatient", "observation", "nursing_facility"})
_PREVENTIVE_KINDS = ("ippe", "awv_initial", "awv_subsequent", "preventive")
_GLOBAL_MODIFIERS_DAYS = (10, 90)


@dataclass
class EmResult:
    """The leveler's answer for one note.

    Attributes:
        em_code: the problem-oriented (or preventive, when there is no separate problem visit) E/M code; None for a
            procedure-only visit.
        category / patient_status: the E/M family used.
        elements: problems, data and risk with level, criteria groups met and margins.
        mdm: overall MDM level (2 of 3).
        mdm_code / time_code: the code each basis supports; ``basis`` says which one won.
        time_minutes: total time used (structured field first, then the note).
        modifiers: on the E/M line (25, 95, 93, 24).
        addons: add-on or companion codes with units (99417/G2212, G2211, and the preventive/AWV code when the
            problem visit is billed beside it).
        confidence / probabilities: calibrated probability that ``em_code`` is right, and of the neighbouring levels.
        reasoning: the guideline steps in words; missing: what a higher level would need.
    """

    em_code: str | None
    category: str
    patient_status: str
    elements: dict[str, ElementResult]
    mdm: str
    mdm_code: str | None
    time_code: str | None
    basis: Literal["mdm", "time", "preventive", "none"]
    time_minutes: int | None
    modifiers: list[str]
    addons: list[tuple[str, int]]
    preventive_code: str | None
    confidence: float | None = None
    probabilities: dict[str, float] = field(default_factory=dict)
    tier: Literal["auto", "review"] = "review"
    reasoning: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    evidence: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    services: list[DetectedService] = field(default_factory=list)
    doc: ClinicalDocument | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "em_code": self.em_code,
            "category": self.category,
            "patient_status": self.patient_status,
            "mdm": {
                "problems": self.elements["problems"].level,
                "data": self.elements["data"].level,
                "risk": self.elements["risk"].level,
                "level": self.mdm,
            },
            "mdm_code": self.mdm_code,
            "time_code": self.time_code,
            "basis": self.basis,
            "time_minutes": self.time_minutes,
            "modifiers": list(self.modifiers),
            "addons": [{"code": c, "units": u} for c, u in self.addons],
            "preventive_code": self.preventive_code,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "probabilities": {k: round(v, 4) for k, v in self.probabilities.items()},
            "tier": self.tier,
            "reasoning": list(self.reasoning),
            "missing": list(self.missing),
            "evidence": self.evidence,
            "services": [s.to_dict() for s in self.services],
        }


def _labels(doc: ClinicalDocument, kind: str) -> Counter[str]:
    return Counter(m.label for m in doc.of(kind))


def _category(doc: ClinicalDocument, visit: set[str]) -> EmCategory:
    setting = doc.context.get("setting")
    if setting == "emergency" or (setting is None and "emergency" in visit):
        return "emergency"
    hospital = setting in _HOSPITAL_SETTINGS or (
        setting is None and bool(visit & {"hospital_initial", "hospital_subsequent", "discharge"})
    )
    if hospital:
        if "discharge" in visit:
            return "discharge"
        return "hospital_initial" if "hospital_initial" in visit else "hospital_subsequent"
    return "office"


def _missing(elements: dict[str, ElementResult], mdm: str, time_minutes: int | None) -> list[str]:
    """In words, what the next MDM level would need (two elements at the next level, AMA 2-of-3)."""
    out = []
    order = ["minimal", "low", "moderate", "high"]
    target = order[min(3, order.index(mdm if mdm != "straightforward" else "minimal") + 1)]
    for name, result in elements.items():
        if order.index(result.level) < order.index(target):
            out.append(f"{name}: at {result.level}, {target} needs {result.margin_up or 1} more qualifying item(s)")
    if time_minutes is None:
        out.append("time: total time on the date of the encounter not documented")
    return out


def global_period_modifier(
    encounter_date: dt.date | None, history: list[Any], global_days: dict[str, int]
) -> tuple[str, str] | None:
    """(modifier, procedure code) when this visit falls in another procedure's post-operative period.

    CMS global surgery rules (MLN 907166): an unrelated E/M during the post-operative days of a 10- or 90-day
    procedure takes modifier 24 (an unrelated procedure takes 79). ``global_days`` maps codes to their global days
    (fee schedule); codes without an entry are skipped.
    """
    if encounter_date is None:
        return None
    for entry in history:
        claim = getattr(entry, "claim", None)
        date = getattr(entry, "date_of_service", None)
        if claim is None or date is None:
            continue
        for line in claim.lines:
            days = global_days.get(line.code)
            if days in _GLOBAL_MODIFIERS_DAYS and date < encounter_date <= date + dt.timedelta(days=days or 0):
                return "24", line.code
    return None


class EmLeveler:
    """Levels notes with the rule tables and scores the answer with an optional calibrated model.

    Args:
        confidence_model: an object with ``predict_proba(features: list[dict]) -> list[dict[int, float]]`` over
            level offsets (-1, 0, +1), e.g. :class:`models.em.confidence.OnnxEmConfidence`; None leaves confidence
            unset and routes everything to review.
        auto_threshold: confidence at or above which the answer is routed to the auto tier.
        global_days: procedure code -> global days, used for modifier 24 with the encounter's ``history``.
        pipeline: component names (registered in :mod:`models.em.pipeline`).
    """

    version = "medcode.em.leveler.v1"

    def __init__(
        self,
        confidence_model: Any = None,
        auto_threshold: float = 0.9,
        global_days: dict[str, int] | None = None,
        pipeline: tuple[str, ...] = DEFAULT_PIPELINE,
    ) -> None:
        self.confidence_model = confidence_model
        self.auto_threshold = auto_threshold
        self.global_days = dict(global_days or {})
        self.pipeline = pipeline

    def level_encounter(self, encounter: Encounter, doc: ClinicalDocument | None = None) -> EmResult:
        """Level an encounter (labels are never read).

        Args:
            encounter: the encounter.
            doc: its parsed note (:meth:`ClinicalDocument.from_encounter`), when the caller shares one document
                among several models; it must not have been annotated yet. Parsed here when None.
        """
        result = self.level_document(ClinicalDocument.from_encounter(encounter) if doc is None else doc)
        gp = global_period_modifier(encounter.date_of_service, list(encounter.history), self.global_days)
        if gp and result.em_code and "24" not in result.modifiers:
            result.modifiers.append("24")
            result.reasoning.append(f"visit inside the global period of {gp[1]} from the history: modifier 24")
        return result

    def level(self, text: str, context: dict[str, Any] | None = None) -> EmResult:
        """Level a note with optional context (setting, patient_status, time_minutes, age, payer)."""
        return self.level_document(ClinicalDocument(text, context))

    def level_document(self, doc: ClinicalDocument) -> EmResult:
        """Level a parsed, not yet annotated note: the pipeline annotates it, the rules read its mentions."""
        doc = annotate(doc, self.pipeline)
        ctx = doc.context
        visit = set(_labels(doc, "visit"))
        category = _category(doc, visit)
        status = ctx.get("patient_status") or (
            "new" if "new" in visit and "established" not in visit else "established"
        )
        if "new" in visit and ctx.get("patient_status") is None and "established" in visit:
            status = "new" if doc.text.lower().find("new") < doc.text.lower().find("establish") else "established"
        reasoning: list[str] = [f"E/M family: {category}, {status} patient"]
        elements = {
            "problems": element_level("problems", _labels(doc, "problem")),
            "data": element_level("data", _labels(doc, "data")),
            "risk": element_level("risk", _labels(doc, "risk")),
        }
        for name, res in elements.items():
            reasoning.append(f"{name}: {res.level}" + (f" (criteria {', '.join(res.groups)})" if res.groups else ""))
        mdm = mdm_level(elements["problems"].level, elements["data"].level, elements["risk"].level)
        reasoning.append(f"MDM {mdm} (2 of 3 elements, AMA CPT 2021/2023)")
        time_minutes = ctx.get("time_minutes")
        if time_minutes is None:
            found = doc.of("time")
            time_minutes = found[0].attrs["minutes"] if found else None
        lookup_status = cast(Literal["new", "established"], status)
        mdm_code = em_code_for(category, lookup_status, mdm, None)
        time_code = em_code_for(category, lookup_status, None, time_minutes) if time_minutes is not None else None
        em_code, basis = mdm_code, "mdm"
        if time_code is not None and (mdm_code is None or _rank(time_code) > _rank(mdm_code)):
            em_code, basis = time_code, "time"
            reasoning.append(f"total time {time_minutes} min supports {time_code}, higher than MDM's {mdm_code}")
        elif time_minutes is not None:
            reasoning.append(f"total time {time_minutes} min supports {time_code}; MDM's {mdm_code} is not lower")
        modifiers: list[str] = []
        addons: list[tuple[str, int]] = []
        services = [m.attrs["service"] for m in doc.of("service")]
        # Preventive and Medicare wellness visits
        prev_code: str | None = None
        kind = next((k for k in _PREVENTIVE_KINDS if k in visit), None)
        if kind is not None and category == "office":
            if kind == "preventive":
                age = ctx.get("age")
                if age is not None:
                    prev_code = preventive_code(int(age), lookup_status)
            else:
                prev_code = medicare_visit_code(cast(Any, kind))
            if prev_code:
                reasoning.append(f"preventive service {prev_code} ({kind})")
        problems_explicit = [m for m in doc.of("problem") if not m.attrs.get("inferred")]
        separate = "separate_problem" in visit or (prev_code is not None and bool(problems_explicit))
        # A visit for a scheduled procedure (or a psychotherapy session) bills that service; the decision to perform
        # it is part of the procedure (CMS global surgery, NCCI ch. XI), so no E/M unless a separate problem is.
        therapy_only = any(s.kind == "psychotherapy" and not s.detail.get("with_em") for s in services)
        procedure_only = (
            ("procedure_only" in visit or therapy_only) and prev_code is None and "separate_problem" not in visit
        )
        if procedure_only:
            em_code, basis = None, "none"
            reasoning.append("procedure-only visit: the procedure includes the decision to perform it; no E/M")
        elif prev_code is not None and not separate:
            em_code, basis = prev_code, "preventive"
            reasoning.append("no separately identifiable problem visit: the preventive code is the visit code")
        elif prev_code is not None:
            addons.append((prev_code, 1))
            modifiers.append("25")
            reasoning.append(
                "separately identifiable problem-oriented visit beside the preventive service: modifier 25"
            )
        if em_code is not None and basis in ("mdm", "time"):
            if any(s.em_needs_25 for s in services) and "25" not in modifiers:
                modifiers.append("25")
                reasoning.append("same-day minor procedure or injection: modifier 25 on the E/M")
            setting = ctx.get("setting")
            if "telehealth_audio" in visit:
                modifiers.append("93")
            elif setting == "telehealth" or "telehealth_video" in visit:
                modifiers.append("95")
            if "global_unrelated" in visit and "24" not in modifiers:
                modifiers.append("24")
                reasoning.append("unrelated problem inside a post-operative period: modifier 24")
            if basis == "time" and time_minutes is not None:
                payer = str(ctx.get("payer") or "").lower()
                convention: Convention = "medicare" if "medicare" in payer else "cpt"
                prolonged = prolonged_service(em_code, int(time_minutes), convention)
                if prolonged:
                    addons.append(prolonged)
                    reasoning.append(f"prolonged time: {prolonged[0]} x{prolonged[1]} ({convention} convention)")
            g2211 = next(r for r in medicare_visit_rules() if r.kind == "complexity_addon")
            date = ctx.get("date_of_service")
            allow_25 = prev_code is not None and (date is None or date >= dt.date(2025, 1, 1))
            if "longitudinal" in visit and em_code in g2211.base_codes and ("25" not in modifiers or allow_25):
                addons.append((g2211.code, 1))
                reasoning.append("longitudinal care relationship documented: G2211")
        evidence = {
            kind_: [
                m.to_dict() | {"attrs": {k: v for k, v in m.attrs.items() if k != "service"}} for m in doc.of(kind_)
            ]
            for kind_ in ("problem", "data", "risk", "time", "visit")
        }
        result = EmResult(
            em_code=em_code,
            category=category,
            patient_status=status,
            elements=elements,
            mdm=mdm,
            mdm_code=mdm_code,
            time_code=time_code,
            basis=cast(Any, basis),
            time_minutes=time_minutes,
            modifiers=modifiers,
            addons=addons,
            preventive_code=prev_code,
            reasoning=reasoning,
            missing=_missing(elements, mdm, time_minutes),
            evidence=evidence,
            services=services,
            doc=doc,
        )
        if self.confidence_model is not None and em_code is not None:
            from models.em.features import em_features

            probs = self.confidence_model.predict_proba([em_features(result)])[0]
            result.confidence = float(probs.get(0, 0.0))
            result.probabilities = _neighbour_probabilities(result, probs)
            result.tier = "auto" if result.confidence >= self.auto_threshold else "review"
        return result


def _rank(code: str) -> int:
    rules = em_level_rules()
    for i, rule in enumerate(rules):
        if rule.code == code:
            return i
    return -1


def _neighbour_probabilities(result: EmResult, probs: dict[int, float]) -> dict[str, float]:
    """Map offset probabilities (-1, 0, +1) to the codes one level below and above within the family."""
    rules = em_level_rules()
    code = result.em_code
    own = next((r for r in rules if r.code == code), None)
    if own is None:
        return {code: probs.get(0, 0.0)} if code else {}
    family = [r.code for r in rules if r.category == own.category and r.patient_status == own.patient_status]
    i = family.index(own.code)
    out: dict[str, float] = {}
    for offset, p in probs.items():
        j = min(max(i + offset, 0), len(family) - 1)
        out[family[j]] = out.get(family[j], 0.0) + p
    return out


def evidence_spans(result: EmResult) -> list[Evidence]:
    """All evidence spans behind the MDM elements and time."""
    if result.doc is None:
        return []
    return [m.evidence for m in result.doc.mentions if m.kind in ("problem", "data", "risk", "time")]
