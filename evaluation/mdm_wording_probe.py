"""How the E/M level holds up when the MDM elements are worded in ways no phrasing family uses.

The level rests on three elements read from the note: the problems addressed and their status, the data ordered or
reviewed, and the risk of the management decided. Physicians word each in endless ways. This probe regenerates
validation encounters (the same scenarios, so the same gold labels) with the wording of one element replaced by a
battery of alternatives written for the probe: clinical status words across the lexicon, other grammar for orders,
results, outside records, historians, independent reads, discussions and social barriers, other layouts of a
problem's line, and other verbs for the drug decisions of the plan. Every other sentence keeps its family's wording,
so a wording class that scores below the notes as generated names an element the reader misreads. Only validation
families are rewritten; the held-out family is never drawn.

    python -m evaluation.mdm_wording_probe --n 200 --seed 303 [--only status_progression,orders]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
from collections.abc import Sequence
from typing import Any

from datasets.schema import Encounter
from datasets.synth.generator import Generator, SynthConfig
from datasets.synth.knowledge import Family, Knowledge, Rewording, default_knowledge
from evaluation.audit import evaluate_audit
from evaluation.em_probe import em_exact

# status wordings per problem status: what a physician writes after a problem's name
_STATUS: dict[str, dict[str, tuple[str, ...]]] = {
    "status_progression": {
        "chronic_progression": (
            "suboptimally controlled", "not at target", "above goal despite adherence", "poorly controlled",
            "flaring", "progressing", "worse since the last visit", "deteriorating", "inadequately controlled",
            "with breakthrough symptoms on the current dose", "refractory to the current dose",
            "with side effects from the current medication", "not tolerating the current therapy",
            "numbers creeping up", "off target", "out of control", "getting worse", "losing ground",
        ),
    },
    "status_severe": {
        "chronic_severe": (
            "severe flare", "acutely decompensated", "in severe exacerbation", "markedly decompensated",
            "significantly worse with severe symptoms", "severe exacerbation requiring escalation",
        ),
    },
    "status_stable": {
        "stable_chronic": (
            "stable", "controlled", "at goal", "doing well on current meds", "unchanged", "well managed",
            "quiescent on therapy", "in remission on maintenance", "compensated", "holding steady",
        ),
    },
    "status_acute": {
        "acute_uncomplicated": ("acute, uncomplicated", "new and uncomplicated", "simple acute problem", "mild, acute"),
        "self_limited": ("minor, self-limited", "trivial and self-limiting", "minor; should settle on its own"),
    },
    "status_systemic": {
        "acute_systemic": (
            "acute with fever, chills and body aches", "febrile and systemically unwell",
            "with systemic symptoms (fever, malaise)", "acute illness with constitutional symptoms",
        ),
    },
    "status_uncertain": {
        "undiagnosed_uncertain": (
            "new, cause unclear, uncertain prognosis", "undiagnosed new problem, outcome uncertain",
            "uncertain etiology and uncertain course", "new and unexplained; prognosis not yet clear",
        ),
    },
    # a second battery per status, in the idioms of hurried notes (written for session 13's probe)
    "status_progression_idiom": {
        "chronic_progression": (
            "not where we want it", "drifting up", "slipping", "worsening control", "trending the wrong way",
            "uncontrolled on the current regimen", "more frequent episodes lately", "failing current therapy",
            "needs escalation", "worse over the past month", "breakthrough episodes", "lost ground since last visit",
        ),
    },
    "status_stable_idiom": {
        "stable_chronic": (
            "well controlled on the current regimen", "no change", "steady", "in good control", "remains at target",
            "asymptomatic on therapy", "under control", "doing fine, no concerns", "maintained on current dose",
        ),
    },
    "status_uncertain_idiom": {
        "undiagnosed_uncertain": (
            "unclear cause, workup in progress", "no diagnosis yet; course uncertain", "etiology undetermined",
            "differential still broad, outlook unclear", "not yet explained; may or may not settle",
        ),
    },
    "status_threat": {
        "threat": (
            "potentially life-threatening", "a threat to organ function", "concern for a limb-threatening process",
            "high risk, possible threat to life", "could threaten vision if not treated urgently",
        ),
    },
}  # fmt: skip

# other templates per wording class: a problem's line, and the sentences that document data and social risk
_TEMPLATES: dict[str, dict[str, tuple[str, ...]]] = {
    "line_telegraphic": {"problem_line": ("{name} - {status}. {findings}. {plan}.", "{name}: {status}; {plan}.")},
    "line_status_last": {
        "problem_line": ("{i}. {name}: {plan}. {findings}; {status}.", "{name}. {findings}. {plan}. Overall {status}.")
    },
    "line_status_sentence": {
        "problem_line": (
            "{name}. Status: {status}. Exam: {findings}. Plan: {plan}.",
            "{i}) {name}\nStatus - {status}\nPlan - {plan}",
        )
    },
    "line_judgement": {
        "problem_line": (
            "{name}: I think this is {status}. {findings}. {plan}.",
            "Pt's {name} is {status}; {findings}. {plan}.",
            "In my opinion the {name} is {status}. {plan}.",
        )
    },
    "line_nominal": {
        "problem_line": ("{name} ({status}) -- {findings}; {plan}", "#{name}, {status} >> {plan}")
    },
    "orders": {
        "order_tests": (
            "{tests} ordered.", "Orders: {tests}.", "Labs today: {tests}.", "Will check {tests}.", "Sent {tests}.",
            "Drawing {tests} today.", "{tests} requested.", "Ordered: {tests}.", "Pt to get {tests} this week.",
        )
    },
    "orders_idiom": {
        "order_tests": (
            "Orders placed this visit: {tests}.", "Lab slip given for {tests}.", "Sending pt to the lab for {tests}.",
            "Requisition for {tests} provided.", "Plan to check {tests}.", "Getting {tests}.",
            "{tests} will be collected today.", "We'll send off {tests}.", "Labs: {tests} (ordered).",
        )
    },
    "results": {
        "review_result": (
            "{test} ({source}): {value}.", "{source} {test}: {value} - reviewed.",
            "Pt's {test} from {source}: {value}.",
            "Reviewed: {test} from {source} ({value}).", "Looked over the {test} results from {source}: {value}.",
            "{test} per {source} - {value}, reviewed by me today.",
        )
    },
    "external_records": {
        "external_notes": (
            "Records from {source} reviewed.", "Reviewed the {source} note.", "{source} notes reviewed and summarized.",
            "Obtained and read the records from {source}.", "Outside documentation from {source} reviewed.",
        )
    },
    "external_records_idiom": {
        "external_notes": (
            "I reviewed the {source} documentation.", "{source} consult note reviewed.",
            "Reviewed correspondence from {source}.", "Records obtained from {source} and reviewed.",
            "Read the letter from {source}.", "Old chart from {source} reviewed in full.",
        )
    },
    "historian": {
        "historian": (
            "History obtained from the {historian} as {reason}.", "Hx per {historian} ({reason}).",
            "The {historian} gives the history; {reason}.", "Independent historian: {historian}, since {reason}.",
        )
    },
    "interpretation": {
        "interpretation": (
            "My read of the {test}: {value} (official read pending).", "{test} independently reviewed by me: {value}.",
            "I looked at the {test} images myself - {value}.", "Personal review of {test}: {value}.",
        )
    },
    "discussion": {
        "discussion": (
            "Case d/w {specialist}; plan agreed.", "Discussed management by phone with the {specialist}.",
            "Talked with the {specialist}, who agrees with the plan.", "Spoke to {specialist} re: management.",
        )
    },
    "sdoh": {
        "sdoh": ("SDOH: {text}.", "Social barriers: {text}.", "Pt reports {text}.", "Social: {text}.")
    },
}  # fmt: skip

# other verbs for the plan's drug and order decisions (the decision stays the same)
_PLAN: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {
    "plan_verbs": (
        (r"\brefills sent\b", ("refilled", "Rx renewed", "new script sent")),
        (r"^continue\b", ("stay on", "keep on", "maintain", "cont")),
        (r"\bincrease\b", ("uptitrate", "bump up", "raise")),
        (r"\bordered\b", ("requested", "to be drawn", "sent")),
        (r"^add\b", ("adding", "start")),
    ),
}

CLASSES: tuple[str, ...] = (*_STATUS, *_TEMPLATES, *_PLAN)


def _reworded(family: Family, name: str) -> Family:
    if name in _STATUS:
        return dataclasses.replace(family, status={**family.status, **_STATUS[name]})
    if name in _TEMPLATES:
        return dataclasses.replace(family, templates={**family.templates, **_TEMPLATES[name]})
    plan = tuple(Rewording(re.compile(p), choices) for p, choices in _PLAN[name])
    return dataclasses.replace(family, plan_wording=plan)


def knowledge_for(name: str, knowledge: Knowledge | None = None) -> Knowledge:
    """The shipped tables with every validation family's wording of class ``name`` replaced by the battery's."""
    knowledge = knowledge or default_knowledge()
    families = {
        key: _reworded(family, name) if family.split == "validation" else family
        for key, family in knowledge.families.items()
    }
    return dataclasses.replace(knowledge, families=families)


def scores(encounters: Sequence[Encounter], engine: Any, leveler: Any) -> dict[str, Any]:
    """E/M exact, the E/M flags' precision/recall and clean-claim specificity."""
    metrics = evaluate_audit(encounters, engine)
    per_type = metrics["per_type"]
    return {
        "em_exact": round(em_exact(encounters, leveler), 3),
        "spec": round(metrics["clean_claim_specificity"], 3),
        **{
            t: [round(per_type[t]["precision"], 3), round(per_type[t]["recall"], 3), per_type[t]["fp"]]
            for t in ("em_overcoded", "em_undercoded")
            if t in per_type
        },
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--n", type=int, default=200, help="validation encounters per wording class")
    parser.add_argument("--seed", type=int, default=303)
    parser.add_argument("--only", default="", help=f"comma-separated wording classes (default: all of {CLASSES})")
    args = parser.parse_args(argv)
    chosen = [c for c in args.only.split(",") if c] or list(CLASSES)
    unknown = sorted(set(chosen) - set(CLASSES))
    if unknown:
        parser.error(f"unknown wording class(es) {unknown}; choose from {list(CLASSES)}")
    from models.audit import load_default_engine
    from models.audit.adapters import load_leveler

    engine, leveler = load_default_engine(), load_leveler()
    config = SynthConfig(n=args.n, seed=args.seed, phrasing="validation")
    results = {"as_generated": scores(list(Generator(config)), engine, leveler)}
    for name in chosen:
        results[name] = scores(list(Generator(config, knowledge_for(name))), engine, leveler)
        print(name, json.dumps(results[name]), flush=True)
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
