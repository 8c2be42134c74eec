"""Code a sampled scenario the way a careful coder would: gold labels and the correctly billed claim lines.

Rules applied here (each with its source):
- ICD-10-CM: only problems addressed today are coded, first-listed the reason for the visit (preventive encounter
  code first at a wellness visit); uncertain diagnoses ("rule out") are never coded (Official Guidelines IV.H);
  copied-forward problem-list conditions not addressed today are not coded (IV.J).
- E/M: MDM 2-of-3 or documented total time via :func:`datasets.codesets.em.em_code_for`; prolonged time with
  99417 (CPT) or G2212 (Medicare) via :func:`~datasets.codesets.em.prolonged_service`.
- Modifier 25 on the problem E/M beside a preventive visit or AWV, a minor procedure (global 000/010), or a service
  whose NCCI PTP edit lists the E/M as column 2 with indicator 1; modifier 95 on a telehealth E/M; modifier 24 on an
  E/M for an unrelated problem inside this practice's global period.
- NCCI pairs among performed services (the CMS PTP table): indicator 0 pairs are never both billed (the
  column-2 service is dropped from the scenario); distinct procedures for different problems carry XS on column 2.
- HCC V28 from the gold diagnoses after hierarchies (every coded problem was addressed with MEAT evidence).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from datasets.codesets.em import Convention, em_code_for, mdm_level, preventive_code, prolonged_service
from datasets.codesets.hcc import HccModel
from datasets.schema import CodeSystem, Gold, GoldMdm, GoldService
from datasets.synth.knowledge import Knowledge
from datasets.synth.ncci import office_em_codes
from datasets.synth.scenario import Scenario, ServiceFact

ACUTE_OR_NEW = ("acute_uncomplicated", "acute_systemic", "undiagnosed_uncertain", "threat", "self_limited")


@dataclass
class Line:
    """A claim line while it is being built: code, units, modifiers, pointed diagnoses and what it bills."""

    code: str
    units: int = 1
    modifiers: list[str] = field(default_factory=list)
    dx: list[str] = field(default_factory=list)
    role: str = "service"  # em | preventive | prolonged | service | addon | drug | vaccine | admin | screening
    service_key: str | None = None


@dataclass
class CodedEncounter:
    """Gold labels plus the correctly billed lines and the modifiers the E/M line must carry."""

    gold: Gold
    lines: list[Line]
    em_modifiers: list[str]


def _system(code: str) -> CodeSystem:
    return "CPT" if code[0].isdigit() else "HCPCS"


def _dedupe(codes: list[str]) -> list[str]:
    return list(dict.fromkeys(codes))


def _service_lines(fact: ServiceFact, dx: list[str]) -> list[Line]:
    service = fact.service
    modifiers = list(service.modifiers)
    if service.laterality == "limb" and fact.side:
        modifiers.append("RT" if fact.side == "right" else "LT")
    elif service.laterality == "finger_third" and fact.side:
        modifiers.append("F7" if fact.side == "right" else "F2")  # third digit: F7 right hand, F2 left hand
    lines = [Line(service.code, 1, modifiers, list(dx), "service", service.key)]
    if service.addon and fact.count > 1:
        lines.append(Line(service.addon, fact.count - 1, [], list(dx), "addon", service.key))
    if service.drug and fact.dose is not None:
        lines.append(Line(service.drug.code, service.drug.units_for(fact.dose), [], list(dx), "drug", service.key))
    return lines


def _resolve_ptp(scenario: Scenario, ptp: dict[tuple[str, str], int]) -> None:
    """Drop services NCCI never pays together; both kept when they are distinct procedures (XS added later)."""
    kept: list[ServiceFact] = []
    for fact in scenario.services:
        codes = {fact.service.code} | ({fact.service.drug.code} if fact.service.drug else set())
        clash = False
        for other in kept:
            other_codes = {other.service.code} | ({other.service.drug.code} if other.service.drug else set())
            for a in codes:
                for b in other_codes:
                    indicator = ptp.get((a, b), ptp.get((b, a)))
                    if indicator is None:
                        continue
                    distinct = (
                        indicator == 1
                        and fact.service.kind == other.service.kind == "procedure"
                        and fact.problem != other.problem
                    )
                    clash = clash or not distinct
        if not clash:
            kept.append(fact)
    scenario.services = kept


def code_scenario(
    scenario: Scenario, knowledge: Knowledge, hcc: HccModel, ptp: dict[tuple[str, str], int]
) -> CodedEncounter:
    """Gold labels and correct claim lines for a scenario (may drop services NCCI bundles; call before rendering).

    ``ptp`` is :func:`datasets.synth.ncci.gold_ptp_pairs` (empty without the CMS tables).
    """
    _resolve_ptp(scenario, ptp)
    problems = scenario.problems
    problem_dx = _dedupe([c for p in problems for c in p.codes])
    sdoh_dx = [scenario.sdoh[1]] if scenario.sdoh else []
    lines: list[Line] = []
    em_code: str | None = None
    mdm: GoldMdm | None = None
    em_modifiers: list[str] = []

    preventive: str | None = None
    preventive_dx: list[str] = []
    if scenario.kind in ("preventive", "awv"):
        abnormal = any(p.condition.status in ACUTE_OR_NEW for p in problems)
        if scenario.age < 18:
            preventive_dx = ["Z00.121" if abnormal else "Z00.129"]
        else:
            preventive_dx = ["Z00.01" if abnormal else "Z00.00"]
        if scenario.kind == "preventive":
            preventive = preventive_code(scenario.age, scenario.patient_status)
        else:
            preventive = "G0438" if scenario.awv_initial else "G0439"

    if scenario.has_problem_em and scenario.mdm_elements is not None:
        level = mdm_level(*scenario.mdm_elements)
        em_code = em_code_for("office", scenario.patient_status, level, scenario.time_minutes)
        problems_el, data_el, risk_el = scenario.mdm_elements
        mdm = GoldMdm(problems=problems_el, data=data_el, risk=risk_el, level=level)

    # Service lines first, so that the E/M modifiers can depend on what was performed.
    service_lines: list[Line] = []
    for fact in scenario.services:
        if fact.service.code == "96127" and scenario.kind == "preventive":
            dx = ["Z13.31"]
        elif fact.problem is not None and fact.problem < len(problems):
            dx = list(problems[fact.problem].codes[:4])
        else:
            dx = problem_dx[:1]
        service_lines.extend(_service_lines(fact, dx))
    # XS on the column-2 line of distinct procedures that NCCI otherwise bundles (e.g. biopsy and destruction of
    # different lesions).
    for first in service_lines:
        for second in service_lines:
            distinct = first.service_key != second.service_key and {first.role, second.role} <= {"service", "addon"}
            if distinct and ptp.get((first.code, second.code)) == 1 and "XS" not in second.modifiers:
                second.modifiers.append("XS")

    vaccine_lines: list[Line] = []
    admin_lines: list[Line] = []
    if scenario.vaccines:
        for given in scenario.vaccines:
            vaccine_lines.append(Line(given.vaccine.code, 1, [], ["Z23"], "vaccine"))
        if scenario.medicare:
            for given in scenario.vaccines:
                code = {"flu": "G0008", "pneumo": "G0009"}[given.vaccine.kind]
                admin_lines.append(Line(code, 1, [], ["Z23"], "admin"))
        else:
            admin_lines.append(Line("90471", 1, [], ["Z23"], "admin"))
            if len(scenario.vaccines) > 1:
                admin_lines.append(Line("90472", len(scenario.vaccines) - 1, [], ["Z23"], "admin"))
    screening_lines: list[Line] = []
    extra_dx: list[str] = []
    if scenario.kind == "preventive" and scenario.depression_screen:
        screening_lines.append(Line("96127", 1, [], ["Z13.31"], "screening"))
        extra_dx.append("Z13.31")
    if scenario.kind == "awv":
        if scenario.depression_screen:
            screening_lines.append(Line("G0444", 1, [], ["Z13.31"], "screening"))
            extra_dx.append("Z13.31")
        if scenario.pap:
            screening_lines.append(Line("Q0091", 1, [], ["Z12.4"], "screening"))
            screening_lines.append(Line("G0101", 1, [], ["Z01.419"], "screening"))
            extra_dx += ["Z12.4", "Z01.419"]
        if scenario.acp_minutes:
            # Modifier 33 waives cost sharing for ACP furnished with the AWV (CMS MLN, advance care planning).
            screening_lines.append(Line("99497", 1, ["33"], ["Z71.89"], "screening"))
            extra_dx.append("Z71.89")

    if em_code is not None:
        needs_25 = preventive is not None or any(f.service.em_needs_25 for f in scenario.services)
        if needs_25:
            em_modifiers.append("25")
        if scenario.global_procedure is not None:
            em_modifiers.append("24")
        if scenario.setting == "telehealth":
            em_modifiers.append("95")
        lines.append(Line(em_code, 1, list(em_modifiers), (problem_dx + sdoh_dx) or preventive_dx, "em"))
        convention: Convention = "medicare" if scenario.medicare else "cpt"
        prolonged = prolonged_service(em_code, scenario.time_minutes, convention)
        if prolonged is not None:
            lines.append(Line(prolonged[0], prolonged[1], [], list(lines[0].dx[:4]), "prolonged"))
    if preventive is not None:
        # NCCI pairs 90471/90472 (column 1) with the preventive visit codes (column 2, indicator 1): the preventive
        # visit billed with vaccine administration carries modifier 25.
        needs_25 = any(line.code in ("90471", "90472") for line in admin_lines)
        lines.append(Line(preventive, 1, ["25"] if needs_25 else [], list(preventive_dx), "preventive"))
    lines += service_lines + vaccine_lines + admin_lines + screening_lines

    if scenario.kind in ("preventive", "awv"):
        vaccine_dx = ["Z23"] if scenario.vaccines else []
        icd = _dedupe(preventive_dx + vaccine_dx + extra_dx + problem_dx + sdoh_dx)
    else:
        icd = _dedupe(problem_dx + sdoh_dx)
    for line in lines:
        line.dx = _dedupe(line.dx)

    gold_em = em_code
    services = [line for line in lines if line.role != "em"]
    if em_code is None and preventive is not None:
        gold_em = preventive
        services = [line for line in services if line.role != "preventive"]
    hccs = hcc.apply_hierarchies(list(hcc.map_diagnoses(icd)))
    em_line = next((line for line in lines if line.code == gold_em), None)
    # em_modifiers (an extra key): every modifier the problem E/M line must carry (25, 24, 95).
    gold = Gold.model_validate(
        {
            "icd10cm": icd,
            "em_code": gold_em,
            "em_modifier25": em_line is not None and "25" in em_line.modifiers,
            "services": [
                GoldService(code=line.code, system=_system(line.code), units=line.units, modifiers=list(line.modifiers))
                for line in services
            ],
            "hcc_v28": hccs,
            "mdm": mdm,
            "em_modifiers": em_modifiers,
        }
    )
    return CodedEncounter(gold, lines, em_modifiers)


def is_office_em(code: str) -> bool:
    return code in office_em_codes()
