"""Write the note text of a scenario in one phrasing family: sections, headers, order, templates, noise.

Everything the gold labels rely on is stated in the text: each addressed problem with its status, findings and
plan (the MDM problems and risk), tests ordered, results and external records reviewed, an independent historian,
independent interpretation and discussion (the MDM data), documented total time, every performed service with its
site, dose and count, and vaccines. Problem-list conditions appear without status or plan, "rule out" diagnoses as
uncertain, family and resolved history as such. The note holds no identifier: no names, dates, places or numbers
that identify a person (ages stay under 90).
"""

from __future__ import annotations

import math
import random
import re
from functools import lru_cache, partial

from datasets.synth.gold import CodedEncounter
from datasets.synth.knowledge import Family, Knowledge
from datasets.synth.scenario import ProblemFact, Scenario, ServiceFact

_WORD = re.compile(r"[A-Za-z]{5,}")


def _fmt(template: str, **values: object) -> str:
    return template.format(**values)


def _dose_text(dose: float | None) -> str:
    if dose is None:
        return ""
    return f"{int(dose):,}" if float(dose).is_integer() else f"{dose:g}"


def _service_note(rng: random.Random, fact: ServiceFact, knowledge: Knowledge) -> str:
    service = fact.service
    size = round(rng.uniform(1.0, 2.5), 1) if service.code == "12001" else round(rng.uniform(2.6, 7.5), 1)
    return _fmt(
        rng.choice(service.notes),
        side=fact.side or "",
        n=fact.count,
        dose=_dose_text(fact.dose),
        drug=service.drug.name if service.drug else "",
        size=size,
        rate=rng.randint(58, 92),
        pct=rng.randint(55, 78),
        muscle=rng.choice(knowledge.content.muscles),
        minutes=fact.minutes or 0,
    )


def _sex_word(rng: random.Random, family: Family, sex: str, age: int) -> str:
    if family.name == "C":
        return sex
    if age < 13:
        return "girl" if sex == "F" else "boy"
    return rng.choice(["woman", "female"] if sex == "F" else ["man", "male"])


def _bulleted(family: Family, items: list[str]) -> str:
    return "\n".join(f"{family.bullet}{item}" for item in items)


def _cc(rng: random.Random, scenario: Scenario) -> str:
    if scenario.kind == "preventive":
        return rng.choice(["annual physical", "yearly wellness exam", "routine physical"])
    if scenario.kind == "awv":
        return rng.choice(["Medicare wellness visit", "annual wellness visit"])
    if scenario.kind == "therapy":
        return rng.choice(["therapy session", "ongoing psychotherapy", "counseling follow-up"])
    if scenario.kind == "procedure_only" and scenario.services:
        return scenario.services[0].service.label
    names = [p.name for p in scenario.problems[:2]]
    if scenario.problems and scenario.problems[0].condition.status in ("stable_chronic", "chronic_progression"):
        return "follow-up of " + " and ".join(names)
    return " and ".join(names)


def _visit(rng: random.Random, scenario: Scenario, t: dict[str, tuple[str, ...]]) -> str:
    if scenario.kind == "procedure_only" and scenario.services:
        return _fmt(rng.choice(t["visit_procedure_only"]), label=scenario.services[0].service.label)
    if scenario.kind == "preventive":
        return rng.choice(t["visit_preventive"])
    if scenario.kind == "awv":
        return rng.choice(t["visit_awv_initial" if scenario.awv_initial else "visit_awv_subsequent"])
    if scenario.setting == "telehealth":
        return rng.choice(t["visit_telehealth"])
    return rng.choice(t[f"visit_office_{scenario.patient_status}"])


def _plan_text(rng: random.Random, family: Family, text: str) -> str:
    """The shared plan text in the family's own wording (unchanged, and no draw, for a family without one)."""
    for rewording in family.plan_wording:
        text = rewording.pattern.sub(partial(_pick, rng, rewording.choices), text)
    return text


def _pick(rng: random.Random, choices: tuple[str, ...], _match: re.Match[str]) -> str:
    return rng.choice(choices)


def _problem_line(rng: random.Random, family: Family, index: int, problem: ProblemFact) -> str:
    t = family.templates
    line = _fmt(
        rng.choice(t["problem_line"]),
        i=index,
        name=problem.name,
        status=rng.choice(family.status[problem.condition.status]),
        findings=problem.finding,
        plan=_plan_text(rng, family, problem.plan.text),
    )
    if problem.rule_out is not None:
        line += " " + _fmt(rng.choice(t["rule_out"]), ro=problem.rule_out.name)
    return line


@lru_cache(maxsize=4)
def _abbreviation_pattern(knowledge: Knowledge) -> re.Pattern[str]:
    words = sorted(knowledge.content.abbreviations, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


def _noise(rng: random.Random, text: str, family: Family, knowledge: Knowledge, protected: set[str]) -> str:
    """Abbreviations and typos at the family's rates; headers are protected so that sections stay findable."""
    abbreviations = knowledge.content.abbreviations
    chosen = {long for long in abbreviations if rng.random() < family.abbreviation_rate}
    if chosen:
        text = _abbreviation_pattern(knowledge).sub(
            lambda m: abbreviations[m.group(0)] if m.group(0) in chosen else m.group(0), text
        )

    if family.typo_rate <= 0:
        return text
    words = [m for m in _WORD.finditer(text) if m.group(0) not in protected]
    # Geometric gaps between typos: the same per-word rate as one draw per word, for a fraction of the draws.
    position = int(math.log(1.0 - rng.random()) / math.log(1.0 - family.typo_rate))
    pieces: list[str] = []
    last = 0
    while position < len(words):
        match = words[position]
        word = match.group(0)
        i = rng.randrange(len(word) - 1)
        pieces += [text[last : match.start()], word[:i] + word[i + 1] + word[i] + word[i + 2 :]]
        last = match.end()
        position += 1 + int(math.log(1.0 - rng.random()) / math.log(1.0 - family.typo_rate))
    return "".join(pieces) + text[last:]


def render_note(rng: random.Random, scenario: Scenario, coded: CodedEncounter, knowledge: Knowledge) -> str:
    """The note text of ``scenario`` in its phrasing family."""
    family = scenario.family
    t = family.templates
    order = rng.choice(family.section_orders)
    problems = scenario.problems
    sections: dict[str, str] = {}

    sections["visit"] = _visit(rng, scenario, t)
    sections["cc"] = _cc(rng, scenario)
    hpi = [
        _fmt(
            rng.choice(t["hpi_open"]),
            age=scenario.age,
            sex=_sex_word(rng, family, scenario.sex, scenario.age),
            cc=sections["cc"],
        )
    ]
    for problem in problems:
        hpi.append(_fmt(rng.choice(t["hpi_problem"]), name=problem.name, text=problem.hpi))
    if scenario.data.historian is not None:
        historian, reason = scenario.data.historian
        hpi.append(_fmt(rng.choice(t["historian"]), historian=historian, reason=reason))
    if scenario.global_procedure is not None:
        g = scenario.global_procedure
        hpi.append(_fmt(rng.choice(t["global_note"]), label=g.label, days=g.days_ago))
    sections["hpi"] = " ".join(hpi)

    mentioned = " ".join(p.name + " " + p.hpi + " " + p.finding for p in problems).lower()
    negatives = [i for i in knowledge.content.ros_items if i not in mentioned]
    sections["ros"] = _fmt(
        rng.choice(t["ros_negative"]), items=", ".join(rng.sample(negatives, k=min(len(negatives), rng.randint(3, 6))))
    )

    pmh: list[str] = []
    listed = [p.name for p in scenario.background]
    listed += [p.name for p in problems if p.condition.status in ("stable_chronic", "chronic_progression")]
    rng.shuffle(listed)
    if listed:
        pmh.append(rng.choice(t["problem_list_intro"]))
        pmh.append(_bulleted(family, listed))
    pmh += [_fmt(rng.choice(t["pmh_resolved"]), item=item) for item in scenario.resolved]
    if pmh:
        sections["pmh"] = "\n".join(pmh)

    meds: list[str] = []
    for problem in problems + scenario.background:
        if problem.condition.meds:
            meds.extend(rng.sample(problem.condition.meds, k=min(len(problem.condition.meds), rng.randint(1, 2))))
    by_drug: dict[str, str] = {}
    for med in meds:  # one strength per drug (a statin listed by two conditions appears once)
        by_drug.setdefault(med.split()[0], med)
    meds = list(by_drug.values())
    sections["meds"] = _bulleted(family, meds) if meds else rng.choice(t["meds_none"])
    sections["allergies"] = rng.choice(t["allergies"])
    if scenario.family_history:
        sections["fh"] = " ".join(
            _fmt(rng.choice(t["fh"]), relative=relative, condition=condition)
            for relative, condition in scenario.family_history
        )
    sections["sh"] = rng.choice(t["sh"])

    exam: list[str] = []
    if scenario.setting == "telehealth":
        exam.append("Vitals: patient-reported, no distress on video.")
    else:
        vitals = f"T {rng.choice(['97.9', '98.2', '98.6', '99.0'])}, HR {rng.randint(62, 96)}, RR {rng.randint(12, 18)}"
        if not any("BP" in p.finding for p in problems):
            vitals = f"BP {rng.randint(112, 138)}/{rng.randint(68, 86)}, " + vitals
        exam.append(f"Vitals: {vitals}. General: alert, no acute distress.")
    exam += [p.finding[0].upper() + p.finding[1:] + "." for p in problems]
    sections["exam"] = " ".join(exam)

    results: list[str] = []
    data = scenario.data
    for test, source, value in data.results:
        results.append(_fmt(rng.choice(t["review_result"]), test=test, source=source, value=value))
    for source in data.external_sources:
        results.append(_fmt(rng.choice(t["external_notes"]), source=source))
    if data.interpretation is not None:
        test, value = data.interpretation
        results.append(_fmt(rng.choice(t["interpretation"]), test=test, value=value))
    performed = [f for f in scenario.services if f.service.kind == "test"]
    results += [_service_note(rng, f, knowledge) for f in performed]
    if results:
        sections["results"] = _bulleted(family, results)

    procedures = [_service_note(rng, f, knowledge) for f in scenario.services if f.service.kind != "test"]
    for fact in scenario.vaccines:
        procedures.append(_fmt(rng.choice(t["vaccine"]), vaccine=fact.vaccine.name, muscle=fact.muscle))
    if procedures:
        sections["procedure"] = _bulleted(family, procedures)

    plan: list[str] = []
    if scenario.kind in ("preventive", "awv"):
        plan.append(family.header_style.format(H=family.headers["preventive"]).strip())
        plan.append(rng.choice(t["preventive_body" if scenario.kind == "preventive" else "awv_body"]))
        if scenario.depression_screen:
            plan.append(
                "Depression screening completed with a standardized instrument (PHQ-9), negative."
                if scenario.kind == "preventive"
                else "Annual depression screening done (PHQ-9, about 10 minutes), negative."
            )
        if scenario.pap:
            plan.append("Screening pelvic and breast exam performed; cervical cytology specimen obtained and sent.")
        if scenario.acp_minutes:
            plan.append(_fmt(rng.choice(t["acp"]), minutes=scenario.acp_minutes))
        if problems:
            plan.append(rng.choice(t["separate_problem"]))
    # The assessment usually follows the order of the visit reasons; sometimes it does not, and the first-listed
    # diagnosis must then be read from the chief complaint.
    ordered = list(problems)
    if len(ordered) > 1 and rng.random() < 0.2:
        rng.shuffle(ordered)
    lines = [_problem_line(rng, family, i, p) for i, p in enumerate(ordered, start=1)]
    plan.append(_bulleted(family, lines) if family.bullet else "\n".join(lines))
    sent_out = [x for x in data.reviewed.tests_ordered if x not in {f.service.label for f in scenario.services}]
    if sent_out:
        plan.append(_fmt(rng.choice(t["order_tests"]), tests=", ".join(sent_out)))
    if data.specialist is not None:
        plan.append(_fmt(rng.choice(t["discussion"]), specialist=data.specialist))
    if scenario.sdoh is not None:
        plan.append(_fmt(rng.choice(t["sdoh"]), text=scenario.sdoh[0]))
    sections["ap"] = "\n".join(p for p in plan if p)
    if scenario.time_minutes is not None:
        sections["time"] = _fmt(rng.choice(t["time"]), minutes=scenario.time_minutes)
    sections["signature"] = rng.choice(t["signature"])

    headers = {family.header_style.format(H=h).strip() for h in family.headers.values()}
    protected = {w for h in headers for w in _WORD.findall(h)}
    parts: list[str] = []
    for name in order:
        body = sections.get(name)
        if not body:
            continue
        if name in family.headers:
            header = family.header_style.format(H=family.headers[name])
            parts.append(
                header + body if header.endswith(" ") else header + ("" if header.endswith("\n") else "\n") + body
            )
        else:
            parts.append(body)
    return _noise(rng, "\n\n".join(parts), family, knowledge, protected)
