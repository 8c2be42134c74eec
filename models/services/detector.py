"""Service detector: performed, separately billable services of this visit -> CPT/HCPCS lines with units and evidence.

A service counts only when the note says it was done at this visit: the sentence must not be negated, hypothetical,
historical or *planned* (ordered, scheduled, referred: "will obtain spirometry at the next visit" is not a service),
and a test needs a performed-here cue ("in clinic", "done today", "point-of-care"). Drugs are billed by their J-code
with units from the documented dose and the HCPCS unit (catalogue); vaccines as product plus administration.
Modifiers the documentation supports are added here (laterality RT/LT/50 and finger F0-F9; QW for CLIA-waived tests;
XS for a bundled pair at separate sites); E/M modifiers (25, 95/93, 24) are the leveler's.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from models.clinical.assertion import assert_span
from models.clinical.document import ClinicalDocument, Evidence, Sentence
from models.clinical.literals import may_match, required_literals
from models.services.catalogue import Catalogue, DrugRule, ServiceRule, default_catalogue

# Sections whose sentences describe this visit's care (history sections describe the past or other people).
_VISIT_SECTIONS = frozenset(
    {"procedure", "assessment", "plan", "data", "exam", "preventive", "other", "time", "chief_complaint"}
)
# "given" is the verb ("Tdap given IM", "... given.") and not the preposition ("stable given ECG without changes",
# "influenza ... given temp 102.1")
_GIVEN_VERB = (
    r"\bgiven\b(?=\s+(?:im|iv|sc|subq|po|in|at|today|here|x\s?\d|\d|with|by|per|via|and|to|into)\b|\s*[.;,)]|\s*$)"
)
_PERFORMED = re.compile(
    _GIVEN_VERB + r"|"
    r"\b(?:gave|administered|performed|done|obtained|in[- ]clinic|in[- ]office|in the office|here(?: today)?|"
    r"injected|removed|repaired|drained|incised|applied|placed|treated|frozen|scored|"
    r"destroyed|examined|checked|completed|x ?1|today|my (?:read|interpretation)|interpreted|sutured|closed|"
    r"curetted|shaved|excised|aspirated|collected|point[- ]of[- ]care)\b"
)
_NOT_THIS_VISIT = frozenset({"negated", "hypothetical", "planned", "historical", "family"})
# A sentence dated in the past ("had I&D with us 8 days ago") or listing orders ("Orders entered today: ECG monitor",
# "Ordered today: ambulatory ECG monitor", "Ordered today → ECG monitor") describes no service performed at this visit.
_DATED_PAST = re.compile(r"\b\d+\s+(?:days?|weeks?|months?|years?)\s+ago\b|\blast (?:week|month|year)\b")
_ORDERS = re.compile(r"\borders\b|^\W*ordered\b[^.;:\u2192]{0,20}(?::|\u2192|->|>>)")
# A procedure the note states as needed, required or due ("wax impaction requiring removal", "needs the ingrown nail
# removed", "due for a wart freeze") is not one done at this visit; the sentence must go on to state it done after the
# need ("..., requiring removal, removed with a curette"). The ConText cues read no trigger inside the matched span, and
# a service pattern's span reaches from the body part to the procedure word, across the need between them.
_NEEDED = re.compile(
    r"\b(?:requir(?:es|ed|ing)|needs?|needing|needed|in need of|warrant(?:s|ed|ing)|due for|awaiting|to be)\b"
)
_NEED_REACH = 30  # characters before a match that a need reaches ("needs removal of cerumen")
_DOSE = re.compile(
    r"(?P<amount>[0-9][0-9,]*(?:\.[0-9]+)?)\s?(?P<unit>mg|mcg|units|unit|million units|ml|g)\b(?!/)", re.IGNORECASE
)
_ROUTE_IM_SC = re.compile(r"\b(?:im|intramuscular(?:ly)?|sc|subq|subcut(?:aneous(?:ly)?)?|sq|deep im|injection)\b")
_ROUTE_IV = re.compile(r"\b(?:iv push|iv|intravenous(?:ly)?)\b")
_COUNT = re.compile(
    r"\b(?P<n>[0-9]{1,2}|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen)\s+"
    r"(?:separate\s+|total\s+)?(?:lesions?|aks?|actinic keratoses|warts?|sites?|spots?|biops(?:y|ies)|tags?)\b"
)
_TIMES = re.compile(r"\bx\s?(?P<n>[0-9]{1,2})\b")
_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
        ]
    )
}
_LENGTH = re.compile(r"(?P<cm>[0-9]+(?:\.[0-9]+)?)\s?cm\b")
_FACE = re.compile(r"\b(?:face|facial|forehead|cheek|chin|lip|ear|eyelid|nose|nasal|brow|eyebrow)\b")
_SIDE = re.compile(r"\b(?P<side>right|left|bilateral|both|rt|lt)\b")
_FINGER = re.compile(r"\b(?P<which>thumb|index|middle|ring|little|small|long|fifth|second|third|fourth)\b")
_FINGER_MOD = {
    ("left", "thumb"): "FA",
    ("left", "index"): "F1",
    ("left", "second"): "F1",
    ("left", "middle"): "F2",
    ("left", "long"): "F2",
    ("left", "third"): "F2",
    ("left", "ring"): "F3",
    ("left", "fourth"): "F3",
    ("left", "little"): "F4",
    ("left", "small"): "F4",
    ("left", "fifth"): "F4",
    ("right", "thumb"): "F5",
    ("right", "index"): "F6",
    ("right", "second"): "F6",
    ("right", "middle"): "F7",
    ("right", "long"): "F7",
    ("right", "third"): "F7",
    ("right", "ring"): "F8",
    ("right", "fourth"): "F8",
    ("right", "little"): "F9",
    ("right", "small"): "F9",
    ("right", "fifth"): "F9",
}
# Simple repair by total length (cm, upper bounds) for trunk/extremities and for the face (own summary of the
# CPT repair families; numbers only).
_REPAIR_BODY = ((2.5, "12001"), (7.5, "12002"), (12.5, "12004"), (20.0, "12005"), (30.0, "12006"), (1e9, "12007"))
_REPAIR_FACE = (
    (2.5, "12011"),
    (5.0, "12013"),
    (7.5, "12014"),
    (12.5, "12015"),
    (20.0, "12016"),
    (30.0, "12017"),
    (1e9, "12018"),
)
# Psychotherapy by session minutes (CMS/CPT time rule: the code whose time is met past its midpoint).
_PSYCHOTHERAPY = ((53, "90837"), (38, "90834"), (16, "90832"))
_PSYCHOTHERAPY_ADDON = ((53, "90838"), (38, "90836"), (16, "90833"))
_WITH_EM = re.compile(
    r"add-?on|with (?:an? )?(?:e/?m|evaluation and management|medication management)|distinct from (?:the )?med"
)
_MINUTES = re.compile(r"(?P<min>\d{1,3})\s?(?:minutes|min)\b")
_VACCINE_GIVEN = re.compile(
    _GIVEN_VERB + r"|\b(?:administered|gave|immuniz|vaccine:|vaccinated|im\b|intramuscular|sc\b|subcut|vis\b)"
)
_MEDICARE_ADMIN = {"influenza": "G0008", "pneumococcal": "G0009", "hepatitis_b": "G0010"}


@dataclass
class DetectedService:
    """A billable line the note supports, with its evidence spans and the features its confidence is scored on."""

    code: str
    system: str
    units: int
    modifiers: list[str]
    key: str
    kind: str
    evidence: list[Evidence]
    counts_as_data: bool = False
    em_needs_25: bool = False
    confidence: float = 1.0
    features: dict[str, float] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "system": self.system,
            "units": self.units,
            "modifiers": list(self.modifiers),
            "key": self.key,
            "kind": self.kind,
            "evidence": [e.to_dict() for e in self.evidence],
            "counts_as_data": self.counts_as_data,
            "em_needs_25": self.em_needs_25,
            "confidence": round(self.confidence, 4),
            "detail": dict(self.detail),
        }


_SCALE = {"g": 1000.0, "mg": 1.0, "mcg": 0.001, "units": 1.0, "unit": 1.0, "million units": 1_000_000.0, "ml": 1.0}


def _in_unit(amount: float, unit: str, target: str) -> float:
    """A documented dose in the drug's billing unit: "1 g" of ceftriaxone is 1000 mg, "1.2 million units" of
    penicillin G benzathine is 1,200,000 units."""
    if target in ("mg", "mcg") and unit in ("g", "mg", "mcg"):
        return amount * _SCALE[unit] / _SCALE[target]
    if unit == "million units":
        return amount * 1_000_000
    return amount


def _system(code: str) -> str:
    return "CPT" if code[0].isdigit() else "HCPCS"


def _count_in(text: str) -> int | None:
    match = _COUNT.search(text)
    if match:
        raw = match.group("n")
        return int(raw) if raw.isdigit() else _WORDS[raw]
    return None


def _side(text: str) -> str | None:
    sides = {m.group("side") for m in _SIDE.finditer(text)}
    if sides & {"bilateral", "both"} or ({"right", "rt"} & sides and {"left", "lt"} & sides):
        return "50"
    if sides & {"right", "rt"}:
        return "RT"
    if sides & {"left", "lt"}:
        return "LT"
    return None


def _finger(text: str) -> str | None:
    side_match = _SIDE.search(text)
    finger = _FINGER.search(text)
    if side_match is None or finger is None:
        return None
    side = {"rt": "right", "lt": "left"}.get(side_match.group("side"), side_match.group("side"))
    return _FINGER_MOD.get((side, finger.group("which")))


class ServiceDetector:
    """Finds performed services in a note (see module docstring).

    Args:
        catalogue: the service catalogue; the shipped one by default.
        scorer: optional callable mapping a list of feature dicts to confidences in [0, 1] (the ONNX calibrator of
            ``models/services/confidence.py``); without it every detection has confidence 1.0.
    """

    def __init__(
        self, catalogue: Catalogue | None = None, scorer: Callable[[list[dict[str, float]]], list[float]] | None = None
    ) -> None:
        self.catalogue = catalogue or default_catalogue()
        self.scorer = scorer
        drugs = [(d, re.compile("|".join(f"(?:{n})" for n in d.names))) for d in self.catalogue.drugs]
        # longest name first, so that a drug named inside a longer name is not found on its own
        self._drug_re = sorted(drugs, key=lambda item: -max(len(n) for n in item[0].names))
        self._vaccine_re = [(v, re.compile("|".join(f"(?:{n})" for n in v.names))) for v in self.catalogue.vaccines]
        # a pattern is searched only in sentences holding one of its required literals (models/clinical/literals.py)
        self._service_patterns = [
            (rule, [(pattern, required_literals(pattern)) for pattern in rule.compiled])
            for rule in self.catalogue.services
        ]
        drug_literals = [required_literals(pattern) for _, pattern in self._drug_re]
        self._drug_literals: tuple[str, ...] | None = (
            None if any(lit is None for lit in drug_literals) else tuple(x for lit in drug_literals for x in lit or ())
        )

    # ------------------------------------------------------------------------------------------------------------
    def _this_visit(self, doc: ClinicalDocument, sentence: Sentence, start: int, end: int) -> tuple[bool, set[str]]:
        if sentence.section not in _VISIT_SECTIONS:
            return False, {f"section:{sentence.section}"}
        assertion = assert_span(doc, start, end)
        blocked = set(assertion.categories) & _NOT_THIS_VISIT
        if _DATED_PAST.search(sentence.norm) or _ORDERS.search(sentence.norm, 0, start - sentence.start):
            blocked.add("dated or ordered")
        at, stop = start - sentence.start, end - sentence.start
        need = _NEEDED.search(sentence.norm, max(0, at - _NEED_REACH), stop)
        if need is not None and not _PERFORMED.search(sentence.norm, need.end()):
            blocked.add("needed")
        return not blocked, blocked

    def _drugs_in(self, lowered: str) -> list[tuple[DrugRule, re.Match[str], float | None]]:
        found: list[tuple[DrugRule, re.Match[str], float | None]] = []
        if not may_match(self._drug_literals, lowered):
            return found
        taken: list[tuple[int, int]] = []
        for drug, pattern in self._drug_re:
            match = pattern.search(lowered)
            if match is None or any(s <= match.start() < e for s, e in taken):
                continue
            taken.append((match.start(), match.end()))
            dose = None
            for dose_match in _DOSE.finditer(lowered, match.end(), min(len(lowered), match.end() + 40)):
                unit = dose_match.group("unit").lower()
                amount = float(dose_match.group("amount").replace(",", ""))
                dose = _in_unit(amount, unit, drug.unit)
                break
            if dose is None:
                before = list(_DOSE.finditer(lowered, max(0, match.start() - 25), match.start()))
                if before:
                    dose = _in_unit(
                        float(before[-1].group("amount").replace(",", "")), before[-1].group("unit").lower(), drug.unit
                    )
            if drug.unit == "dose":
                times = _TIMES.search(lowered)
                dose = float(times.group("n")) if times else 1.0
            found.append((drug, match, dose))
        return found

    def detect(self, doc: ClinicalDocument) -> list[DetectedService]:
        """All performed services of the note, one line per code (units summed), with evidence."""
        lines: dict[tuple[str, str], DetectedService] = {}
        payer = str(doc.context.get("payer") or "").lower()
        medicare = "medicare" in payer
        vaccine_admins: list[tuple[str, Evidence]] = []

        def add(
            code: str,
            key: str,
            kind: str,
            units: int,
            ev: Evidence,
            rule: ServiceRule | None,
            modifiers: list[str],
            feats: dict[str, float],
            detail: dict[str, Any] | None = None,
        ) -> None:
            mods = sorted(set(modifiers))
            line_key = (code, ",".join(mods))
            if line_key in lines:
                existing = lines[line_key]
                if kind in ("injection",) and detail and detail.get("drug") not in existing.detail.get("drugs", []):
                    existing.units += units
                    existing.detail.setdefault("drugs", []).append(detail.get("drug"))
                existing.evidence.append(ev)
                return
            lines[line_key] = DetectedService(
                code=code,
                system=_system(code),
                units=units,
                modifiers=mods,
                key=key,
                kind=kind,
                evidence=[ev],
                counts_as_data=bool(rule and rule.counts_as_data),
                em_needs_25=bool(rule and rule.em_needs_25) or kind in ("injection", "procedure"),
                features=feats,
                detail=dict(detail or {}) | ({"drugs": [detail.get("drug")]} if detail else {}),
            )

        found_keys: dict[str, list[tuple[Sentence, re.Match[str]]]] = {}
        # A pattern whose required literals the whole note lacks cannot match any of its sentences: the sentence
        # loop tries only the others (~90 patterns x ~40 sentences of literal tests become ~90 on the note).
        note_text = "\n".join(sentence.norm for sentence in doc.sentences)
        tried = [
            (rule, possible)
            for rule, patterns in self._service_patterns
            if not (rule.payer and rule.payer not in payer)
            and (possible := [(p, literals) for p, literals in patterns if may_match(literals, note_text)])
        ]
        for sentence in doc.sentences:
            lowered = sentence.norm
            for rule, patterns in tried:
                for pattern, literals in patterns:
                    if not may_match(literals, lowered):
                        continue
                    match = pattern.search(lowered)
                    if match is None:
                        continue
                    start, end = sentence.start + match.start(), sentence.start + match.end()
                    ok, _ = self._this_visit(doc, sentence, start, end)
                    performed = bool(_PERFORMED.search(lowered)) or sentence.section == "procedure"
                    if ok and (performed or not rule.requires_in_office):
                        found_keys.setdefault(rule.key, []).append((sentence, match))
                    break
        # A service that another detected one includes is dropped (94060 includes 94010 and the 94640 treatment).
        excluded = {x for key in found_keys for x in self.catalogue.service(key).excludes}
        joint_sentences: set[int] = set()
        for key, hits in found_keys.items():
            if key in excluded:
                continue
            rule = self.catalogue.service(key)
            sentence, match = hits[0]
            ev = Evidence(
                sentence.start + match.start(),
                sentence.start + match.end(),
                doc.text[sentence.start + match.start() : sentence.start + match.end()],
            )
            lowered = sentence.norm
            feats = {
                "in_procedure_section": float(sentence.section == "procedure"),
                "performed_cue": float(bool(_PERFORMED.search(lowered))),
                "n_hits": float(len(hits)),
                "kind_test": float(rule.kind == "test"),
                "kind_procedure": float(rule.kind == "procedure"),
            }
            modifiers = list(rule.modifiers)
            if rule.laterality == "limb":
                side = _side(lowered)
                if side:
                    modifiers.append(side)
            elif rule.laterality == "digit":
                finger = _finger(lowered)
                if finger:
                    modifiers.append(finger)
            code = rule.code
            detail: dict[str, Any] = {}
            if code == "@laceration":
                lengths = [float(m.group("cm")) for m in _LENGTH.finditer(lowered)]
                total = sum(lengths) if lengths else 0.0
                table = _REPAIR_FACE if _FACE.search(lowered) else _REPAIR_BODY
                code = next(c for bound, c in table if total <= bound)
                detail = {"length_cm": total}
            if code == "@psychotherapy":
                minutes = [int(m.group("min")) for h, _ in hits for m in _MINUTES.finditer(h.norm)]
                session = max(minutes) if minutes else 0
                addon = any(_WITH_EM.search(h.norm) for h, _ in hits)
                psych = _PSYCHOTHERAPY_ADDON if addon else _PSYCHOTHERAPY
                code = next((c for bound, c in psych if session >= bound), psych[-1][1])
                detail = {"minutes": session, "with_em": addon}
            units = 1
            if rule.units in ("lesions", "instruments"):
                n = 1
                if rule.units == "lesions":
                    n = max([_count_in(s.norm) or 1 for s, _ in hits])
                else:
                    n = (
                        len(
                            {
                                m.group(0).replace("-", "")
                                for s, _ in hits
                                for m in re.finditer(r"phq-?9|phq-?2|gad-?7", s.norm)
                            }
                        )
                        or 1
                    )
                    units = n
                if rule.addon and n > 1:
                    add(rule.addon, key + "_addon", rule.kind, min(n - 1, rule.addon_max), ev, rule, [], feats)
                detail["count"] = n
            add(code, key, rule.kind, units, ev, rule, modifiers, feats, None)
            lines[(code, ",".join(sorted(set(modifiers))))].detail.update(detail)
            if rule.drug_route == "joint" or rule.kind == "nebulizer":
                # the drug may be named in the next sentences of the same procedure note
                nearby = []
                for hit_sentence, _ in hits:
                    index = doc.sentences.index(hit_sentence)
                    nearby += [
                        s
                        for s in doc.sentences[index : index + 3]
                        if s is hit_sentence or s.section == hit_sentence.section
                    ]
                drugs = []
                for other in nearby:
                    joint_sentences.add(other.start)
                    drugs += [(d, m, dose, other) for d, m, dose in self._drugs_in(other.norm)]
                seen_codes: set[str] = set()
                for drug, dmatch, dose, other in drugs:
                    if drug.code in seen_codes:
                        continue
                    seen_codes.add(drug.code)
                    sentence = other
                    if dose is None:
                        continue
                    dev = Evidence(
                        sentence.start + dmatch.start(),
                        sentence.start + dmatch.end(),
                        doc.text[sentence.start + dmatch.start() : sentence.start + dmatch.end()],
                    )
                    add(
                        drug.code,
                        f"drug:{drug.code}",
                        "drug",
                        drug.units_for(dose),
                        dev,
                        None,
                        [],
                        feats | {"has_dose": 1.0},
                        {"drug": drug.code, "dose": dose, "per_unit": drug.per_unit, "unit": drug.unit},
                    )
        # Injections (IM/SC -> 96372, IV push -> 96374) with the drug's J-code.
        for sentence in doc.sentences:
            if sentence.start in joint_sentences:
                continue
            lowered = sentence.norm
            for drug, dmatch, dose in self._drugs_in(lowered):
                if drug.route == "inhaled" or dose is None:
                    continue
                start, end = sentence.start + dmatch.start(), sentence.start + dmatch.end()
                ok, _ = self._this_visit(doc, sentence, start, end)
                given = re.search(r"\b(?:given|gave|administered|injected|x ?1|deep im)\b", lowered)
                if not ok or given is None:
                    continue
                iv = _ROUTE_IV.search(lowered) and not _ROUTE_IM_SC.search(lowered)
                if not iv and not _ROUTE_IM_SC.search(lowered):
                    continue
                ev = Evidence(start, end, doc.text[start:end])
                feats = {
                    "in_procedure_section": float(sentence.section == "procedure"),
                    "performed_cue": 1.0,
                    "has_dose": 1.0,
                    "n_hits": 1.0,
                    "kind_test": 0.0,
                    "kind_procedure": 0.0,
                }
                admin = "96374" if iv else "96372"
                add(
                    admin,
                    "iv_push" if iv else "injection",
                    "injection",
                    1,
                    ev,
                    self.catalogue.service("iv_push" if iv else "injection"),
                    [],
                    feats,
                    {"drug": drug.code},
                )
                add(
                    drug.code,
                    f"drug:{drug.code}",
                    "drug",
                    drug.units_for(dose),
                    ev,
                    None,
                    [],
                    feats,
                    {"drug": drug.code, "dose": dose, "per_unit": drug.per_unit, "unit": drug.unit},
                )
        # Vaccines: product code plus administration.
        seen_vaccines: set[str] = set()
        for sentence in doc.sentences:
            lowered = sentence.norm
            if not _VACCINE_GIVEN.search(lowered) or (
                "vaccin" not in lowered
                and "immuniz" not in lowered
                and not any(p.search(lowered) for _, p in self._vaccine_re)
            ):
                continue
            candidates = [(v, m) for v, p in self._vaccine_re if (m := p.search(lowered))]
            # the most specific product wins within a family ("high-dose influenza" over "influenza")
            best: dict[str, tuple[Any, re.Match[str]]] = {}
            for vaccine, match in candidates:
                current = best.get(vaccine.family)
                if current is None or len(match.group(0)) > len(current[1].group(0)):
                    best[vaccine.family] = (vaccine, match)
            for vaccine, match in best.values():
                start, end = sentence.start + match.start(), sentence.start + match.end()
                ok, _ = self._this_visit(doc, sentence, start, end)
                if not ok or vaccine.code in seen_vaccines:
                    continue
                seen_vaccines.add(vaccine.code)
                ev = Evidence(start, end, doc.text[start:end])
                feats = {
                    "in_procedure_section": 0.0,
                    "performed_cue": 1.0,
                    "has_dose": 0.0,
                    "n_hits": 1.0,
                    "kind_test": 0.0,
                    "kind_procedure": 0.0,
                }
                add(vaccine.code, f"vaccine:{vaccine.code}", "vaccine", 1, ev, None, [], feats)
                vaccine_admins.append((vaccine.family, ev))
        feats = {
            "in_procedure_section": 0.0,
            "performed_cue": 1.0,
            "has_dose": 0.0,
            "n_hits": 1.0,
            "kind_test": 0.0,
            "kind_procedure": 0.0,
        }
        others = []
        for family, ev in vaccine_admins:
            if medicare and family in _MEDICARE_ADMIN:
                add(_MEDICARE_ADMIN[family], "vaccine_admin", "vaccine_admin", 1, ev, None, [], feats)
            else:
                others.append(ev)
        if others:
            add("90471", "vaccine_admin", "vaccine_admin", 1, others[0], None, [], feats)
            if len(others) > 1:
                add("90472", "vaccine_admin", "vaccine_admin", len(others) - 1, others[1], None, [], feats)
        services = list(lines.values())
        if self.scorer is not None and services:
            for service, score in zip(services, self.scorer([s.features for s in services]), strict=True):
                service.confidence = float(score)
        return services
