"""Sample the clinical facts of one synthetic encounter: who, where, what was addressed, done, reviewed and decided.

A :class:`Scenario` holds everything the note renderer and the gold builder need, sampled from one seeded
``random.Random`` so that an encounter depends only on (seed, index). Rules that decide codes (which preventive code,
when modifier 25 or 24 applies, which problems are coded) live in :mod:`datasets.synth.gold`; this module decides what
happened clinically and what the note will document.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal, cast

from datasets.codesets.em import ElementLevel, em_code_for, em_level_rules, mdm_level
from datasets.synth.knowledge import Condition, Family, Knowledge, Plan, RiskCategory, RuleOut, Service, Vaccine
from datasets.synth.mdm import DataReviewed, problems_level, risk_level

VisitKind = Literal["problem", "preventive", "awv", "procedure_only", "therapy"]
Setting = Literal["office", "telehealth"]

# Share of encounters by specialty (roughly the mix of a multi-specialty group's outpatient volume).
SPECIALTY_WEIGHTS: dict[str, float] = {
    "family_medicine": 0.20,
    "internal_medicine": 0.14,
    "urgent_care": 0.11,
    "cardiology": 0.08,
    "orthopaedics": 0.08,
    "dermatology": 0.08,
    "obgyn": 0.07,
    "behavioural_health": 0.07,
    "endocrinology": 0.06,
    "pulmonology": 0.06,
    "gastroenterology": 0.05,
}
SPECIALTY_ABBR: dict[str, str] = {
    "family_medicine": "FM",
    "internal_medicine": "IM",
    "urgent_care": "UC",
    "cardiology": "CAR",
    "orthopaedics": "ORT",
    "dermatology": "DER",
    "obgyn": "OBG",
    "behavioural_health": "BH",
    "endocrinology": "END",
    "pulmonology": "PUL",
    "gastroenterology": "GI",
}
# Visit kinds by specialty; "preventive" becomes a Medicare annual wellness visit for Medicare patients of 65+.
KIND_WEIGHTS: dict[str, dict[VisitKind, float]] = {
    "family_medicine": {"problem": 0.74, "preventive": 0.26},
    "internal_medicine": {"problem": 0.74, "preventive": 0.26},
    "obgyn": {"problem": 0.68, "preventive": 0.32},
    "dermatology": {"problem": 0.75, "procedure_only": 0.25},
    "orthopaedics": {"problem": 0.8, "procedure_only": 0.2},
    "behavioural_health": {"problem": 0.6, "therapy": 0.4},
}
NEW_PATIENT_SHARE: dict[str, float] = {"family_medicine": 0.12, "internal_medicine": 0.12, "urgent_care": 0.45}
TELEHEALTH_SHARE: dict[str, float] = {
    "family_medicine": 0.12,
    "internal_medicine": 0.12,
    "endocrinology": 0.25,
    "behavioural_health": 0.45,
    "gastroenterology": 0.15,
    "pulmonology": 0.1,
    "cardiology": 0.08,
    "urgent_care": 0.05,
    "obgyn": 0.05,
}
PROVIDERS_PER_SPECIALTY = 4
# Providers who systematically bill one level too high: their erroneous claims are mostly em_overcoded.
OVERCODERS = frozenset({"PRV-FM-01", "PRV-CAR-02", "PRV-ORT-01", "PRV-UC-03", "PRV-IM-04", "PRV-DER-02"})
COMMERCIAL_PAYERS = ("Aetna", "Blue Cross Blue Shield", "Cigna", "UnitedHealthcare")
MEDICARE_PAYERS = ("Medicare", "Medicare", "Medicare Advantage - Humana", "Medicare Advantage - UnitedHealthcare")
# Procedures whose global period can contain a later visit (code, plain label, global days, dx, modifier).
GLOBAL_PROCEDURES: dict[str, tuple[str, str, int, str, str, str]] = {
    "orthopaedics": ("29881", "right knee arthroscopy with partial meniscectomy", 90, "S83.241A", "RT", "knee_oa"),
    "dermatology": ("17000", "cryotherapy of an actinic keratosis", 10, "L57.0", "", "ak"),
    "family_medicine": ("10060", "incision and drainage of a right axillary abscess", 10, "L02.411", "", "abscess"),
    "urgent_care": ("10060", "incision and drainage of a right axillary abscess", 10, "L02.411", "", "abscess"),
}
# How often a condition in each status is the one addressed (stable follow-ups and simple acute visits dominate real
# outpatient volume; severe exacerbations and threats are rare in the office).
STATUS_WEIGHTS: dict[str, float] = {
    "stable_chronic": 3.0,
    "acute_uncomplicated": 2.2,
    "self_limited": 1.6,
    "chronic_progression": 1.2,
    "undiagnosed_uncertain": 1.0,
    "acute_systemic": 1.0,
    "chronic_severe": 0.4,
    "threat": 0.3,
}
BLOOD_TEST_WORDS = ("panel", "CBC", "TSH", "level", "A1c", "INR", "BNP", "troponin", "PSA", "RNA", "serology",
                    "iron", "T4", "immunoglobulin", "uric acid", "lipase", "B12")  # fmt: skip


@dataclass
class ProblemFact:
    """A problem addressed at the visit (or on the problem list only, when ``addressed`` is False)."""

    condition: Condition
    side: str | None
    codes: tuple[str, ...]
    name: str
    hpi: str
    finding: str
    plan: Plan
    rule_out: RuleOut | None
    addressed: bool = True


@dataclass
class ServiceFact:
    """A service performed in the office, with what the note says and the pieces the gold builder bills."""

    service: Service
    problem: int | None
    side: str | None
    dose: float | None
    count: int
    minutes: int | None
    note: str = ""


@dataclass
class VaccineFact:
    vaccine: Vaccine
    muscle: str


@dataclass
class DataFacts:
    """What the note documents as data reviewed and analysed (and the MDM element it amounts to)."""

    reviewed: DataReviewed
    results: list[tuple[str, str, str]] = field(default_factory=list)  # (test, source, value)
    external_sources: list[str] = field(default_factory=list)
    historian: tuple[str, str] | None = None
    interpretation: tuple[str, str] | None = None
    specialist: str | None = None


@dataclass
class GlobalProcedure:
    code: str
    label: str
    global_days: int
    days_ago: int
    dx: str
    modifier: str


@dataclass
class Scenario:
    """Everything sampled for one encounter."""

    index: int
    specialty: str
    provider_id: str
    kind: VisitKind
    setting: Setting
    patient_status: Literal["new", "established"]
    age: int
    sex: Literal["F", "M"]
    payer: str
    date: dt.date
    family: Family
    problems: list[ProblemFact]
    background: list[ProblemFact]
    services: list[ServiceFact]
    vaccines: list[VaccineFact]
    data: DataFacts
    risks: list[RiskCategory]
    sdoh: tuple[str, str] | None
    mdm_elements: tuple[ElementLevel, ElementLevel, ElementLevel] | None
    time_minutes: int | None
    awv_initial: bool
    pap: bool
    acp_minutes: int | None
    depression_screen: bool
    resolved: list[str]
    family_history: list[tuple[str, str]]
    global_procedure: GlobalProcedure | None
    recapture_history: bool

    @property
    def medicare(self) -> bool:
        return self.payer.startswith("Medicare")

    @property
    def has_problem_em(self) -> bool:
        """A problem-oriented E/M is billed: problem visits, and preventive/AWV visits with separate problems."""
        return self.kind == "problem" or (self.kind in ("preventive", "awv") and bool(self.problems))


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys])[0]


def _age(rng: random.Random, specialty: str, kind: VisitKind) -> int:
    if specialty in ("family_medicine", "urgent_care") and rng.random() < 0.12:
        return rng.randint(2, 17)
    if specialty == "obgyn":
        return rng.randint(18, 78)
    if specialty == "behavioural_health":
        return rng.randint(18, 75)
    # Adult ages skewed older for chronic-care specialties; capped at 89 because ages over 89 are identifiers.
    older = specialty in ("cardiology", "internal_medicine", "pulmonology", "endocrinology") or kind == "awv"
    low = 40 if older and rng.random() < 0.7 else 18
    return min(89, int(rng.triangular(low, 89, 68 if older else 50)))


def _payer(rng: random.Random, age: int) -> str:
    if age >= 65:
        return rng.choice(MEDICARE_PAYERS) if rng.random() < 0.88 else rng.choice(COMMERCIAL_PAYERS)
    roll = rng.random()
    if age >= 18 and roll < 0.06:
        return "Medicare"  # entitled through disability
    if roll < 0.26:
        return "Medicaid"
    return rng.choice(COMMERCIAL_PAYERS)


@lru_cache(maxsize=4)
def _by_specialty(knowledge: Knowledge) -> dict[str, list[Condition]]:
    out: dict[str, list[Condition]] = {}
    for condition in knowledge.conditions:
        for specialty in condition.specialties:
            out.setdefault(specialty, []).append(condition)
    return out


def _eligible(condition: Condition, specialty: str, age: int, sex: str) -> bool:
    return (
        specialty in condition.specialties
        and condition.min_age <= age <= condition.max_age
        and condition.sex in ("any", sex)
    )


def _name(rng: random.Random, condition: Condition, family: Family, side: str | None) -> str:
    names = family.condition_names.get(condition.key) or condition.names
    # With three or more variants the last phrasing belongs to the held-out family only (a family's own names
    # are all its own).
    if len(names) >= 3 and condition.key not in family.condition_names:
        names = (names[-1],) if family.split == "heldout" and rng.random() < 0.6 else names[:-1]
    return rng.choice(names).replace("{side}", side or "")


def _problem(
    rng: random.Random, condition: Condition, family: Family, *, telehealth: bool, addressed: bool = True
) -> ProblemFact:
    side = rng.choice(("right", "left")) if condition.sides else None
    plans = [p for p in condition.plans if not (telehealth and p.service)] or list(condition.plans)
    rule_out = rng.choice(condition.rule_out) if condition.rule_out and rng.random() < 0.7 else None
    if telehealth:
        # A video visit has no hands-on exam or in-office test: the support for the assessment is what the patient
        # reports and what is seen on camera.
        reported = rng.choice(condition.hpi).replace("{side}", side or "").rstrip(".")
        finding = "per patient report, " + reported[0].lower() + reported[1:]
    else:
        finding = rng.choice(condition.findings).replace("{side}", side or "")
    return ProblemFact(
        condition=condition,
        side=side,
        codes=condition.codes_for(side),
        name=_name(rng, condition, family, side),
        hpi=" ".join(rng.sample(condition.hpi, k=min(len(condition.hpi), rng.randint(1, 2)))).replace(
            "{side}", side or ""
        ),
        finding=finding,
        plan=rng.choice(plans),
        rule_out=rule_out,
        addressed=addressed,
    )


def _compatible_pool(pool: list[Condition], chosen: list[ProblemFact]) -> list[Condition]:
    """Conditions that may join ``chosen``: no family twice, and no pair that would need a combination code."""
    families = {p.condition.family for p in chosen}
    blocked = families.union(*(p.condition.excludes for p in chosen))
    return [c for c in pool if c.family not in blocked and families.isdisjoint(c.excludes)]


def _pick_problems(
    rng: random.Random,
    knowledge: Knowledge,
    specialty: str,
    age: int,
    sex: str,
    family: Family,
    count: int,
    *,
    telehealth: bool,
    require_service: Literal["procedure", "any", None] = None,
    avoid_families: frozenset[str] = frozenset(),
) -> list[ProblemFact]:
    pool = [
        c
        for c in _by_specialty(knowledge)[specialty]
        if _eligible(c, specialty, age, sex)
        and c.family not in avoid_families
        and not (telehealth and all(p.service for p in c.plans))
    ]
    chosen: list[ProblemFact] = []
    if require_service == "procedure":
        first_pool = [c for c in pool if any(knowledge.services[s].kind == "procedure" for s in c.services)]
        pool_first = first_pool or pool
    else:
        pool_first = pool
    while pool_first and len(chosen) < count:
        candidates = _compatible_pool(pool_first if not chosen else pool, chosen)
        if not candidates:
            break
        weights = [STATUS_WEIGHTS[c.status] for c in candidates]
        chosen.append(_problem(rng, rng.choices(candidates, weights=weights)[0], family, telehealth=telehealth))
    return chosen


def _dose_and_count(rng: random.Random, service: Service) -> tuple[float | None, int]:
    dose = rng.choice(service.drug.doses) if service.drug else None
    if service.addon:
        count = rng.randint(1, service.addon_max + 1) if rng.random() < 0.6 else 1
    elif service.code in ("17110", "11200"):
        count = rng.randint(1, 8)
    elif service.code in ("12001", "12002"):
        count = rng.randint(3, 9)
    else:
        count = 1
    return dose, count


def _services_for(
    rng: random.Random, knowledge: Knowledge, problems: list[ProblemFact], *, force_procedure: bool
) -> list[ServiceFact]:
    chosen: list[ServiceFact] = []
    keys: set[str] = set()
    for index, problem in enumerate(problems):
        wanted: list[str] = []
        if problem.plan.service:
            wanted.append(problem.plan.service)
        options = [s for s in problem.condition.services if s not in wanted]
        procedures = [s for s in options if knowledge.services[s].kind == "procedure"]
        if force_procedure and index == 0 and procedures:
            wanted.append(rng.choice(procedures))
            options = [s for s in options if s not in procedures]
        for key in options:
            kind = knowledge.services[key].kind
            chance = {"test": 0.6, "procedure": 0.45, "nebulizer": 0.7, "injection": 0.35}.get(kind, 0.5)
            if kind == "procedure" and any(knowledge.services[w].kind == "procedure" for w in wanted):
                continue  # one procedure per problem: the alternatives (steroid vs hyaluronan) exclude each other
            if rng.random() < chance:
                wanted.append(key)
        for key in wanted:
            service = knowledge.services[key]
            if key in keys or any(c.service.code == service.code for c in chosen):
                continue  # the same service for two problems is billed once
            if service.kind in ("injection", "nebulizer") and any(c.service.kind == service.kind for c in chosen):
                continue  # keep to one IM injection and one nebulizer per visit
            dose, count = _dose_and_count(rng, service)
            minutes = rng.randint(4, 10) if service.code == "99406" else None
            chosen.append(ServiceFact(service, index, problem.side, dose, count, minutes))
            keys.add(key)
    return chosen


def _blood_test(name: str) -> bool:
    return any(word in name for word in BLOOD_TEST_WORDS)


def _data(
    rng: random.Random, knowledge: Knowledge, problems: list[ProblemFact], services: list[ServiceFact], age: int
) -> DataFacts:
    content = knowledge.content
    ordered: list[str] = []
    for problem in problems:
        for test in problem.plan.orders:
            if test not in ordered:
                ordered.append(test)
        for test in problem.condition.tests:
            if test not in ordered and rng.random() < 0.3:
                ordered.append(test)
    for fact in services:
        if fact.service.counts_as_data and fact.service.label not in ordered:
            ordered.append(fact.service.label)
    results: list[tuple[str, str, str]] = []
    roll = rng.random()
    for _ in range(2 if roll < 0.08 else 1 if roll < 0.33 else 0):
        test, value = rng.choice(content.reviewed_results)
        if test not in ordered and test not in [r[0] for r in results]:
            results.append((test, rng.choice(content.external_sources), value))
    roll = rng.random()
    sources = rng.sample(content.external_sources, k=2 if roll < 0.03 else 1 if roll < 0.17 else 0)
    historian = None
    if age < 12 and rng.random() < 0.9:
        historian = next(h for h in content.historians if h[0] == "mother")
    elif (age >= 80 and rng.random() < 0.25) or rng.random() < 0.02:
        historian = rng.choice([h for h in content.historians if h[0] != "mother"])
    text = " ".join(p.name + " " + p.hpi + " " + " ".join(p.condition.tests) for p in problems)
    matching = [i for i in content.interpretations if any(k in text for k in i[2])]
    interpretation = None
    if matching and rng.random() < 0.12:
        test, value, _ = rng.choice(matching)
        interpretation = (test, value)
    specialist = rng.choice(content.specialists) if rng.random() < 0.06 else None
    reviewed = DataReviewed(
        tests_ordered=tuple(ordered),
        results_reviewed=tuple(r[0] for r in results),
        external_notes=tuple(sources),
        historian=historian is not None,
        interpretation=interpretation is not None,
        discussion=specialist is not None,
    )
    return DataFacts(reviewed, results, list(sources), historian, interpretation, specialist)


def _time_minutes(rng: random.Random, status: str, em_from_mdm_rank: int) -> int:
    """Documented total time: mostly consistent with the MDM level, sometimes above it (time then sets the level)
    and sometimes below it (MDM then sets the level)."""
    thresholds = [
        r.min_total_minutes
        for r in em_level_rules()
        if r.category == "office" and r.patient_status == status and r.min_total_minutes is not None
    ]
    rank = min(max(em_from_mdm_rank, 0), len(thresholds) - 1)
    roll = rng.random()
    if roll < 0.3 and rank + 1 < len(thresholds):
        low = thresholds[rank + 1]
        high = thresholds[rank + 2] - 1 if rank + 2 < len(thresholds) else low + 12
        return rng.randint(low, high)
    if roll < 0.42 and rank + 1 == len(thresholds):
        return rng.randint(thresholds[-1] + 10, thresholds[-1] + 50)  # long visits: prolonged-service territory
    if roll < 0.55 and rank > 0:
        return rng.randint(thresholds[rank - 1], thresholds[rank] - 1)
    high = thresholds[rank + 1] - 1 if rank + 1 < len(thresholds) else thresholds[rank] + 8
    return rng.randint(thresholds[rank], high)


def sample_scenario(
    rng: random.Random,
    index: int,
    knowledge: Knowledge,
    family: Family,
    start: dt.date,
    end: dt.date,
) -> Scenario:
    """Sample one encounter's facts (no codes decided here beyond those the note must name)."""
    specialty = _weighted(rng, SPECIALTY_WEIGHTS)
    provider_id = f"PRV-{SPECIALTY_ABBR[specialty]}-{rng.randint(1, PROVIDERS_PER_SPECIALTY):02d}"
    kind = cast(
        VisitKind, _weighted(rng, {str(k): v for k, v in KIND_WEIGHTS.get(specialty, {"problem": 1.0}).items()})
    )
    age = _age(rng, specialty, kind)
    sex: Literal["F", "M"] = "F" if specialty == "obgyn" or rng.random() < 0.55 else "M"
    payer = _payer(rng, age)
    medicare = payer.startswith("Medicare")
    if kind == "preventive" and medicare and age >= 65 and specialty != "obgyn":
        kind = "awv"
    if kind == "preventive" and medicare:
        kind = "problem"  # Medicare does not cover routine physicals under 65; those patients come for problems
    new_share = NEW_PATIENT_SHARE.get(specialty, 0.33)
    if kind in ("awv", "procedure_only"):
        new_share = 0.0  # a scheduled procedure-only visit follows an earlier evaluation
    status: Literal["new", "established"] = "new" if rng.random() < new_share else "established"
    date = start + dt.timedelta(days=rng.randrange((end - start).days + 1))
    telehealth = kind == "problem" and rng.random() < TELEHEALTH_SHARE.get(specialty, 0.0)
    setting: Setting = "telehealth" if telehealth else "office"

    problems: list[ProblemFact] = []
    services: list[ServiceFact] = []
    if kind == "problem":
        counts = {"urgent_care": [0.8, 0.2], "family_medicine": [0.42, 0.34, 0.17, 0.07],
                  "internal_medicine": [0.36, 0.36, 0.2, 0.08]}.get(specialty, [0.66, 0.28, 0.06])  # fmt: skip
        count = rng.choices(range(1, len(counts) + 1), weights=counts)[0]
        problems = _pick_problems(rng, knowledge, specialty, age, sex, family, count, telehealth=telehealth)
        if not telehealth:
            services = _services_for(rng, knowledge, problems, force_procedure=False)
            if status == "established" and len(problems) == 1:
                # The decision to do a minor procedure belongs to the procedure: an established patient seen for the
                # one problem that is treated gets either a procedure-only visit or an E/M without the procedure,
                # never a 25-modified E/M that has nothing separately identifiable to report.
                services = [s for s in services if s.service.kind != "procedure"]
    elif kind == "procedure_only":
        problems = _pick_problems(
            rng, knowledge, specialty, age, sex, family, 1, telehealth=False, require_service="procedure"
        )
        services = _services_for(rng, knowledge, problems, force_procedure=True)
        services = [s for s in services if s.service.kind == "procedure"][:1]
        if not services:  # no procedure fits this patient: it becomes an ordinary problem visit
            kind = "problem"
            services = _services_for(rng, knowledge, problems, force_procedure=False)
    elif kind in ("preventive", "awv"):
        if rng.random() < 0.4:
            problems = _pick_problems(
                rng, knowledge, "internal_medicine" if specialty == "internal_medicine" else
                ("obgyn" if specialty == "obgyn" else "family_medicine"), age, sex, family,
                rng.choice([1, 1, 2]), telehealth=False,
            )  # fmt: skip
            services = [s for s in _services_for(rng, knowledge, problems, force_procedure=False)
                        if s.service.kind in ("test", "injection", "nebulizer")]  # fmt: skip
    elif kind == "therapy":
        problems = _pick_problems(rng, knowledge, specialty, age, sex, family, 1, telehealth=telehealth)
        for problem in problems:  # a therapist does not prescribe or order: the plan is the therapy itself
            problem.plan = Plan("minimal", rng.choice(knowledge.content.therapy_plans))

    if kind == "problem" and specialty == "behavioural_health" and rng.random() < 0.4:
        services.append(ServiceFact(knowledge.services["psychotherapy_with_em"], 0, None, None, 1,
                                    rng.randint(16, 37)))  # fmt: skip
    if kind == "therapy":
        key = "diagnostic_evaluation" if status == "new" else rng.choice(["psychotherapy_45", "psychotherapy_60"])
        minutes = {"diagnostic_evaluation": rng.randint(50, 70), "psychotherapy_45": rng.randint(38, 52),
                   "psychotherapy_60": rng.randint(53, 60)}[key]  # fmt: skip
        services = [ServiceFact(knowledge.services[key], 0, None, None, 1, minutes)]

    is_problem_em = kind == "problem" or (kind in ("preventive", "awv") and bool(problems))
    data = _data(rng, knowledge, problems, services, age) if is_problem_em else DataFacts(DataReviewed())
    blood = setting == "office" and is_problem_em and any(_blood_test(t) for t in data.reviewed.tests_ordered)
    if blood and rng.random() < 0.5 and not any(s.service.code == "36415" for s in services):
        services.append(ServiceFact(knowledge.services["venipuncture"], 0, None, None, 1, None))
    risks: list[RiskCategory] = [p.plan.risk for p in problems] if is_problem_em else []
    sdoh = None
    if is_problem_em and age >= 18 and rng.random() < 0.04:
        sdoh = rng.choice(knowledge.content.sdoh)
        risks.append("sdoh")

    vaccines: list[VaccineFact] = []
    depression_screen = False
    pap = False
    acp = None
    awv_initial = False
    if kind in ("preventive", "awv"):
        flu_season = date.month >= 9
        for vaccine in knowledge.content.vaccines:
            if not (vaccine.min_age <= age <= vaccine.max_age) or (medicare and not vaccine.medicare):
                continue
            chance = 0.6 if vaccine.kind == "flu" and flu_season else 0.0 if vaccine.kind == "flu" else 0.15
            if rng.random() < chance:
                vaccines.append(VaccineFact(vaccine, rng.choice(knowledge.content.muscles)))
        if kind == "preventive":
            depression_screen = age >= 12 and rng.random() < 0.5
        else:
            awv_initial = rng.random() < 0.15
            pap = sex == "F" and age < 75 and rng.random() < 0.15
            # ACP is billed beside the AWV only without a pap collection or a problem visit: NCCI pairs 99497 with
            # Q0091/G0101 and with injections, and the generator keeps every clean claim free of PTP edits.
            acp = rng.randint(16, 35) if not pap and not problems and rng.random() < 0.15 else None
            # Depression screening G0444 pairs only with a subsequent AWV and no same-day problem E/M (NCCI).
            depression_screen = not awv_initial and not problems and acp is None and rng.random() < 0.4

    mdm_elements: tuple[ElementLevel, ElementLevel, ElementLevel] | None = None
    time_minutes = None
    if is_problem_em:
        mdm_elements = (
            problems_level(p.condition.status for p in problems),
            data.reviewed.level(),
            risk_level(risks),
        )
        # Time counts only for a plain problem visit: time spent on a same-day preventive service, a separately
        # reported procedure or psychotherapy may not count toward the E/M, so those visits are levelled by MDM.
        separate = any(s.service.kind in ("psychotherapy", "procedure") for s in services)
        if kind == "problem" and not separate and rng.random() < (0.45 if telehealth else 0.2):
            by_mdm = em_code_for("office", status, mdm_level(*mdm_elements))
            timed = [
                r.code
                for r in em_level_rules()
                if r.category == "office" and r.patient_status == status and r.min_total_minutes is not None
            ]
            time_minutes = _time_minutes(rng, status, timed.index(by_mdm) if by_mdm in timed else 0)

    background: list[ProblemFact] = []
    pool = [c for c in knowledge.conditions
            if c.status == "stable_chronic" and c.min_age <= age and c.sex in ("any", sex)]  # fmt: skip
    for _ in range(rng.choice([0, 1, 2, 2, 3, 4]) if age >= 30 else rng.choice([0, 0, 1])):
        candidates = _compatible_pool(pool, problems + background)
        if not candidates:
            break
        background.append(_problem(rng, rng.choice(candidates), family, telehealth=False, addressed=False))

    global_procedure = None
    if (
        kind == "problem"
        and status == "established"
        and specialty in GLOBAL_PROCEDURES
        and not services
        and rng.random() < 0.2
    ):
        code, label, days, dx, modifier, family_blocked = GLOBAL_PROCEDURES[specialty]
        if all(p.condition.family != family_blocked for p in problems):
            global_procedure = GlobalProcedure(code, label, days, rng.randint(2, days - 1), dx, modifier)

    return Scenario(
        index=index,
        specialty=specialty,
        provider_id=provider_id,
        kind=kind,
        setting=setting,
        patient_status=status,
        age=age,
        sex=sex,
        payer=payer,
        date=date,
        family=family,
        problems=problems,
        background=background,
        services=services,
        vaccines=vaccines,
        data=data,
        risks=risks,
        sdoh=sdoh,
        mdm_elements=mdm_elements,
        time_minutes=time_minutes,
        awv_initial=awv_initial,
        pap=pap,
        acp_minutes=acp,
        depression_screen=depression_screen,
        resolved=rng.sample(knowledge.content.resolved_history, k=rng.choice([0, 0, 1, 1, 2])),
        family_history=rng.sample(knowledge.content.family_history, k=rng.choice([0, 1, 1, 2])),
        global_procedure=global_procedure,
        recapture_history=medicare and rng.random() < 0.5,
    )
