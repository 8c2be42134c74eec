"""Billed claims: inject coding errors into a correct claim and derive the flags a correct audit must raise.

The expected flags are never written by hand: :func:`reference_audit` compares the billed claim with the gold labels
and the NCCI tables, so the flags always describe the claim exactly, including side effects of an error (undercoding
99215 to 99214 leaves its 99417 without a primary; replacing E11.22 by E11.9 loses HCC 37). A clean claim must
produce no flag at all; the generator checks that for every encounter.

Conventions of the reference audit (documented in datasets/README.md):
- E/M flags compare the billed office E/M with ``gold.em_code`` (MDM or documented time, whichever is higher).
- A missing 25 is reported once, as missing_modifier_25; the NCCI pair it also breaks (E/M as column 2) is not
  repeated as ncci_ptp_conflict. A missing 24 inside a global period is global_period_conflict.
- ncci_ptp_conflict: an active pair with indicator 0, or 1 when the column-2 line has no bypass modifier (or the
  two lines do not carry different anatomic modifiers).
- mue_exceeded: billed units of a code (summed over lines) above a positive MUE; an MUE of 0 marks a service
  Medicare does not cover and is not treated as a unit limit.
- addon_without_primary: an add-on with listed primaries (AOC edit types 1 and 3) and none of them billed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from datasets.codesets.em import em_level_rules, em_rank
from datasets.codesets.hcc import HccModel
from datasets.schema import ExpectedFlag, FlagType, Gold
from datasets.synth.gold import Line, is_office_em
from datasets.synth.knowledge import Knowledge
from datasets.synth.ncci import AWV_CODES, CmsFacts, office_em_codes, preventive_codes
from datasets.synth.scenario import Scenario

ERROR_WEIGHTS: dict[str, float] = {
    "em_overcoded": 0.20,
    "em_undercoded": 0.08,
    "missed_service": 0.13,
    "unsupported_diagnosis": 0.12,
    "hcc_gap": 0.09,
    "missing_modifier_25": 0.09,
    "unspecified_code": 0.10,
    "ncci_ptp_conflict": 0.07,
    "mue_exceeded": 0.05,
    "addon_without_primary": 0.04,
    "global_period_conflict": 0.03,
}
# Pairs never injected together: they would cancel or hide each other (an overcoded 99215 becomes a primary of an
# added 99417; over- and undercoding the same line).
_EXCLUSIVE = frozenset(
    {frozenset(("em_overcoded", "em_undercoded")), frozenset(("em_overcoded", "addon_without_primary"))}
)
CMS_ERRORS = frozenset({"ncci_ptp_conflict", "mue_exceeded", "addon_without_primary"})
# Modifiers that bypass an indicator-1 PTP edit when on the column-2 line (NCCI policy manual, chapter I, E).
LINE_BYPASS = frozenset({"59", "XE", "XS", "XP", "XU", "25", "57", "24", "27", "79", "91"})
ANATOMIC = frozenset(
    {"RT", "LT", "E1", "E2", "E3", "E4", "FA", "F1", "F2", "F3", "F4", "F5", "F6", "F7", "F8", "F9",
     "LC", "LD", "LM", "RC", "RI", "TA", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"}
)  # fmt: skip
GLOBAL_BYPASS = frozenset({"24", "25", "57", "58", "78", "79"})


def unspecified_map(knowledge: Knowledge) -> dict[str, str]:
    """Specific code -> the less specific billable code a careless coder picks instead (from conditions_v1)."""
    out: dict[str, str] = {}
    for condition in knowledge.conditions:
        out.update(condition.unspecified)
    return out


def modifier25_triggers(knowledge: Knowledge) -> frozenset[str]:
    """Codes whose presence on the claim requires modifier 25 on a same-day problem E/M."""
    services = {s.code for s in knowledge.services.values() if s.em_needs_25}
    return frozenset(services | set(preventive_codes()) | set(AWV_CODES))


def _em_family(code: str) -> list[str]:
    rules = em_level_rules()
    rule = next(r for r in rules if r.code == code)
    return [r.code for r in rules if r.category == rule.category and r.patient_status == rule.patient_status]


def _billed_hccs(hcc: HccModel, diagnoses: list[str]) -> list[str]:
    return hcc.apply_hierarchies(list(hcc.map_diagnoses(diagnoses)))


def _claim_dx(lines: list[Line]) -> list[str]:
    return list(dict.fromkeys(code for line in lines for code in line.dx))


def reference_audit(
    gold: Gold,
    em_modifiers: list[str],
    lines: list[Line],
    date_of_service: dt.date,
    facts: CmsFacts,
    hcc: HccModel,
    unspecified: dict[str, str],
    triggers_25: frozenset[str],
) -> list[ExpectedFlag]:
    """The flags a correct audit of ``lines`` against the gold labels raises (module docstring: conventions)."""
    flags: list[ExpectedFlag] = []
    codes = [line.code for line in lines]
    em_line = next((line for line in lines if is_office_em(line.code)), None)
    gold_em = gold.em_code if gold.em_code and is_office_em(gold.em_code) else None
    if em_line is not None and gold_em is not None and em_line.code != gold_em:
        billed, supported = em_rank(em_line.code), em_rank(gold_em)
        if billed is not None and supported is not None and billed[:2] == supported[:2]:
            kind: FlagType = "em_overcoded" if billed[2] > supported[2] else "em_undercoded"
            flags.append(ExpectedFlag(type=kind, billed=em_line.code, supported=gold_em))
    missing_25 = False
    # Only a same-day trigger on the billed claim (preventive visit, AWV, minor procedure, NCCI-paired service) makes
    # a missing 25 visible; with the procedure itself left off the claim the flag is missed_service instead.
    triggered = any(line.code in triggers_25 for line in lines)
    if em_line is not None and gold.em_modifier25 and "25" not in em_line.modifiers and triggered:
        flags.append(ExpectedFlag(type="missing_modifier_25", code=em_line.code))
        missing_25 = True
    if em_line is not None and "24" in em_modifiers and not GLOBAL_BYPASS & set(em_line.modifiers):
        flags.append(ExpectedFlag(type="global_period_conflict", code=em_line.code))
    expected_codes = [s.code for s in gold.services]
    if gold.em_code and not is_office_em(gold.em_code):
        expected_codes.insert(0, gold.em_code)  # a preventive visit or AWV billed as the only visit code
    for code in dict.fromkeys(expected_codes):
        if code not in codes:
            flags.append(ExpectedFlag(type="missed_service", code=code))
    gold_dx = set(gold.icd10cm)
    billed_dx = _claim_dx(lines)
    for code in billed_dx:
        if code in gold_dx:
            continue
        specific = next((g for g in gold.icd10cm if unspecified.get(g) == code and g not in billed_dx), None)
        if specific is not None:
            flags.append(ExpectedFlag(type="unspecified_code", billed=code, supported=specific))
        else:
            flags.append(ExpectedFlag(type="unsupported_diagnosis", icd10cm=code))
    billed_hccs = set(_billed_hccs(hcc, billed_dx))
    for category in gold.hcc_v28:
        if category not in billed_hccs:
            source = next(c for c in gold.icd10cm if category in hcc.hccs_for(c))
            flags.append(ExpectedFlag(type="hcc_gap", hcc=category, icd10cm=source))
    if facts.available:
        by_code: dict[str, list[Line]] = defaultdict(list)
        for line in lines:
            by_code[line.code].append(line)
        for pair in facts.ptp_pairs(codes, date_of_service):
            first, second = by_code[pair.column1][0], by_code[pair.column2][0]
            if pair.modifier_indicator == 1:
                if LINE_BYPASS & set(second.modifiers):
                    continue
                sides1, sides2 = ANATOMIC & set(first.modifiers), ANATOMIC & set(second.modifiers)
                if sides1 and sides2 and sides1 != sides2:
                    continue
            if missing_25 and em_line is not None and pair.column2 == em_line.code:
                continue
            flags.append(ExpectedFlag(type="ncci_ptp_conflict", column1=pair.column1, column2=pair.column2))
        for code, code_lines in by_code.items():
            limit = facts.mue_max(code, date_of_service)
            if limit is not None and sum(line.units for line in code_lines) > limit:
                flags.append(ExpectedFlag(type="mue_exceeded", code=code))
        for code in by_code:
            primaries = facts.addon_primaries(code, date_of_service)
            if primaries is not None and not primaries & set(by_code):
                flags.append(ExpectedFlag(type="addon_without_primary", code=code))
    return flags


class ErrorInjector:
    """Applies coding errors of the DESIGN.md flag types to a copy of the correct claim lines.

    Args:
        knowledge: the generator's tables (unspecified variants, bundled components).
        facts: live NCCI lookups; without them the NCCI, MUE and add-on error types are skipped.
        hcc: the HCC model that decides which dropped diagnosis opens an HCC gap.
    """

    def __init__(self, knowledge: Knowledge, facts: CmsFacts, hcc: HccModel) -> None:
        self.knowledge = knowledge
        self.facts = facts
        self.hcc = hcc
        self.unspecified = unspecified_map(knowledge)

    def applicable(self, scenario: Scenario, gold: Gold, em_modifiers: list[str], lines: list[Line]) -> list[str]:
        """The error types that can be injected into this claim."""
        kinds: list[str] = []
        em_line = next((line for line in lines if is_office_em(line.code)), None)
        if em_line is not None:
            family = _em_family(em_line.code)
            position = family.index(em_line.code)
            if position + 1 < len(family):
                kinds.append("em_overcoded")
            if position > 0 and family[position - 1] != "99211":
                kinds.append("em_undercoded")
            if "25" in em_line.modifiers:
                kinds.append("missing_modifier_25")
            if "24" in em_line.modifiers:
                kinds.append("global_period_conflict")
        if self._removable(lines):
            kinds.append("missed_service")
        if self._unsupported_candidates(scenario, gold):
            kinds.append("unsupported_diagnosis")
        if self._hcc_candidates(gold, lines):
            kinds.append("hcc_gap")
        if any(code in self.unspecified for code in gold.icd10cm):
            kinds.append("unspecified_code")
        if self.facts.available:
            if self._ptp_candidates(lines, scenario.date):
                kinds.append("ncci_ptp_conflict")
            if any(self.facts.mue_max(line.code, scenario.date) for line in lines if line.role != "em"):
                kinds.append("mue_exceeded")
            prolonged_ok = em_line is not None and em_line.code not in ("99205", "99215")
            if prolonged_ok or any(line.code in ("11102", "17000", "90471") for line in lines):
                kinds.append("addon_without_primary")
        return kinds

    def inject(
        self, rng: random.Random, scenario: Scenario, gold: Gold, em_modifiers: list[str], lines: list[Line],
        provider_overcodes: bool,
    ) -> list[Line]:  # fmt: skip
        """A copy of ``lines`` with one or two errors (none when no error type applies)."""
        billed = [Line(x.code, x.units, list(x.modifiers), list(x.dx), x.role, x.service_key) for x in lines]
        kinds = self.applicable(scenario, gold, em_modifiers, billed)
        if not kinds:
            return billed
        weights = {k: ERROR_WEIGHTS[k] for k in kinds}
        if provider_overcodes and "em_overcoded" in weights:
            weights["em_overcoded"] = 1.5
        count = 2 if rng.random() < 0.3 and len(kinds) > 1 else 1
        chosen: list[str] = []
        while len(chosen) < count:
            names = [k for k in weights if k not in chosen and not any(frozenset((k, c)) in _EXCLUSIVE for c in chosen)]
            if not names:
                break
            chosen.append(rng.choices(names, weights=[weights[k] for k in names])[0])
        for kind in chosen:
            getattr(self, f"_{kind}")(rng, scenario, gold, billed)
        return billed

    # --- one method per error type ----------------------------------------------------------------------------
    def _em_overcoded(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        line = next(x for x in lines if is_office_em(x.code))
        family = _em_family(line.code)
        position = family.index(line.code)
        step = 2 if position + 2 < len(family) and rng.random() < 0.15 else 1
        line.code = family[position + step]

    def _em_undercoded(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        line = next(x for x in lines if is_office_em(x.code))
        family = _em_family(line.code)
        line.code = family[family.index(line.code) - 1]

    def _missing_modifier_25(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        line = next(x for x in lines if is_office_em(x.code))
        line.modifiers = [m for m in line.modifiers if m != "25"]

    def _global_period_conflict(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        line = next(x for x in lines if is_office_em(x.code))
        line.modifiers = [m for m in line.modifiers if m != "24"]

    @staticmethod
    def _removable(lines: list[Line]) -> list[Line]:
        return [x for x in lines if x.role in ("service", "drug", "addon", "vaccine", "admin", "screening")]

    def _missed_service(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        candidates = self._removable(lines)
        if candidates:
            lines.remove(rng.choice(candidates))

    def _unsupported_candidates(self, scenario: Scenario, gold: Gold) -> list[str]:
        gold_dx = set(gold.icd10cm)
        unspecified_of_gold = {self.unspecified[g] for g in gold_dx if g in self.unspecified}
        out: list[str] = []
        for problem in scenario.problems:
            if problem.rule_out is not None:
                out.append(problem.rule_out.code)
        for problem in scenario.background:
            out.extend(c for c in problem.codes if not c.startswith("Z79"))
        return [c for c in dict.fromkeys(out) if c not in gold_dx and c not in unspecified_of_gold]

    def _unsupported_diagnosis(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        candidates = self._unsupported_candidates(scenario, gold)
        if not candidates or not lines:
            return
        code = rng.choice(candidates)
        target = next((x for x in lines if x.role == "em"), lines[0])
        target.dx.append(code)

    def _hcc_candidates(self, gold: Gold, lines: list[Line]) -> list[str]:
        if len(gold.icd10cm) < 2:
            return []
        out = []
        for code in gold.icd10cm:
            if not self.hcc.hccs_for(code):
                continue
            remaining = [c for c in _claim_dx(lines) if c != code]
            if set(gold.hcc_v28) - set(_billed_hccs(self.hcc, remaining)):
                out.append(code)
        return out

    def _hcc_gap(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        candidates = self._hcc_candidates(gold, lines)
        if not candidates:
            return
        code = rng.choice(candidates)
        for line in lines:
            line.dx = [c for c in line.dx if c != code]
        fallback = next((c for c in _claim_dx(lines)), None)
        for line in lines:
            if not line.dx and fallback is not None:
                line.dx = [fallback]

    def _unspecified_code(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        candidates = [c for c in gold.icd10cm if c in self.unspecified and c in _claim_dx(lines)]
        if not candidates:
            return
        code = rng.choice(candidates)
        replacement = self.unspecified[code]
        for line in lines:
            line.dx = list(dict.fromkeys(replacement if c == code else c for c in line.dx))

    def _ptp_candidates(self, lines: list[Line], date_of_service: dt.date) -> list[tuple[str, Line | None, str]]:
        """(action, line, code): strip XS from a line, or add a bundled component code beside a service line."""
        out: list[tuple[str, Line | None, str]] = []
        codes = [x.code for x in lines]
        for line in lines:
            if "XS" in line.modifiers:
                out.append(("strip", line, line.code))
            if line.role != "service" or line.service_key is None:
                continue
            for component in self.knowledge.services[line.service_key].bundled:
                if component in codes:
                    continue
                pairs = self.facts.ptp_pairs([line.code, component], date_of_service)
                if any({p.column1, p.column2} == {line.code, component} for p in pairs):
                    out.append(("add", line, component))
        return out

    def _ncci_ptp_conflict(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        candidates = self._ptp_candidates(lines, scenario.date)
        if not candidates:
            return
        action, line, code = rng.choice(candidates)
        assert line is not None
        if action == "strip":
            line.modifiers = [m for m in line.modifiers if m != "XS"]
        else:
            lines.insert(lines.index(line) + 1, Line(code, 1, [], list(line.dx), "bundled"))

    def _mue_exceeded(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        candidates = [x for x in lines if x.role != "em" and self.facts.mue_max(x.code, scenario.date)]
        if not candidates:
            return
        line = rng.choice(candidates)
        limit = self.facts.mue_max(line.code, scenario.date) or 1
        service = self.knowledge.services.get(line.service_key or "")
        if line.role == "drug" and service is not None and service.drug is not None:
            # The classic drug-unit error: the dose in its own unit (mg, mcg) entered as billing units.
            fact = next((f for f in scenario.services if f.service.key == service.key), None)
            dose = int(fact.dose) if fact is not None and fact.dose is not None else 0
            if dose > limit:
                line.units = dose
                return
        line.units = limit + rng.randint(1, 2)

    def _addon_without_primary(self, rng: random.Random, scenario: Scenario, gold: Gold, lines: list[Line]) -> None:
        replaceable = [x for x in lines if x.code in ("11102", "17000", "90471")]
        em_line = next((x for x in lines if is_office_em(x.code)), None)
        prolonged_ok = em_line is not None and em_line.code not in ("99205", "99215")
        if replaceable and (not prolonged_ok or rng.random() < 0.4):
            line = rng.choice(replaceable)
            addon = {"11102": "11103", "17000": "17003", "90471": "90472"}[line.code]
            existing = next((x for x in lines if x.code == addon), None)
            if existing is not None:  # the first unit was billed under the add-on code as well
                existing.units += 1
                lines.remove(line)
            else:
                line.code = addon
            return
        if em_line is None or not prolonged_ok:
            return
        code = "G2212" if scenario.medicare else "99417"
        if code in [x.code for x in lines]:
            return
        lines.insert(lines.index(em_line) + 1, Line(code, 1, [], list(em_line.dx[:4]), "prolonged"))


def office_em_set() -> frozenset[str]:
    return frozenset(office_em_codes())
