"""Unseen-layout probe: validation notes whose assessment items are written in problem-line layouts no family has.

A writer's layout decides where a problem's name, status, findings and plan sit on the assessment line ("# GAD" over
indented bullets, "Dx: ... Status: ...", the status before the name, "S:/O:/P:" sub-lines). The readers find the
assessment's items by that layout, so a layout they have not met can hide a whole item: its diagnosis, its detail
and its course. This probe generates one validation family's encounters again with each layout of this module's
own battery as the family's only problem line (same seed, so the same scenarios under every layout) and scores the
audit per layout. The battery was written before any of it was measured; do not fit readers to it item by item.

Usage::

    python -m evaluation.layout_probe --n 150 --seed 690 [--battery 1] [--family V] [--layout 3,7] [--out m.json]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from datasets.synth.generator import Generator, SynthConfig
from datasets.synth.knowledge import Knowledge, default_knowledge
from evaluation.audit import evaluate_audit

# Problem-line layouts (the generator's placeholders: {i} number, {name}, {status}, {findings}, {plan}), as clinic,
# hospitalist, specialist and dictated notes write them.
LAYOUTS: tuple[str, ...] = (
    "# {name}\n  - {status}\n  - {findings}\n  - {plan}",
    "{name}: {status}, {findings}. Plan: {plan}.",
    "{i}. {name} ({status}) - {findings}; {plan}.",
    "Problem #{i}: {name}\nStatus: {status}\nData: {findings}\nPlan: {plan}",
    "{name} -- {status}. {findings}. {plan}.",
    "{i}) {name}. {findings}. Impression: {status}. Plan: {plan}.",
    "{name}, {status}: {plan}. ({findings})",
    "- {name}: {findings}; {status}. Will {plan}.",
    "Dx: {name}. Status: {status}. Findings: {findings}. Tx: {plan}.",
    "{i}/ {name} - {status}\n    {findings}\n    {plan}",
    "{name} [{status}] {findings}. Plan {plan}.",
    "Regarding {name}: {status}. {findings}. {plan}.",
    "{i}. {status}: {name}. {findings}. {plan}.",
    "{name}\n{status}; {findings}\n{plan}",
    "A{i}: {name} \u2014 {status}. P{i}: {plan}. ({findings})",
    "{i}. {name}: {findings}. Assessment: {status}. Plan: {plan}.",
    "* {name} | {status} | {findings} | {plan}",
    "{name}. {status}. {findings}. Plan is to {plan}.",
    "Pt with {name}, {status}; {findings}; {plan}.",
    "{i}. {name}\n   S: {status}\n   O: {findings}\n   P: {plan}",
    "#{i} - {name}; {status}. {findings}. {plan}.",
    "{i}. {name}, {status}, {findings}, {plan}.",
    "Issue {i} \u2013 {name}: {status}. {findings}. Plan: {plan}.",
    "{name} >> {status}. {findings}. {plan}.",
)
# Battery 2, written blind after battery 1's fixes: per-problem SOAP and Assessment/Plan sub-lines, tables, letters,
# roman numerals, other bullet marks, nested numbering, the status in brackets or after the plan, problems written
# as sentences, dictation with commas only, the name after the findings, multi-line items with indentation.
LAYOUTS_2: tuple[str, ...] = (
    "{i}. {name}\n   Assessment: {status}; {findings}\n   Plan: {plan}",
    "{name} | {status} | {findings} | {plan}",
    "{name}\t{status}\t{findings}\t{plan}",
    "{i}. {name}: {findings}. {plan}. [{status}]",
    "Problem: {name}. Status: {status}. {findings}. Plan: {plan}.",
    "Dx (primary): {name}. {status}; {findings}. {plan}.",
    "a. {name} - {status}. {findings}. {plan}.",
    "A) {name}: {status}; {findings}; {plan}.",
    "I. {name}, {status}. {findings}. Plan: {plan}.",
    "ii) {name} - {status}; {findings}. {plan}.",
    "Impression: {name}, {status}. {findings}. Recommend {plan}.",
    "\u2022 {name}: {status}. {findings}. {plan}.",
    "\u2192 {name} ({status}): {findings}; {plan}.",
    "o {name} - {status}, {findings}, {plan}",
    "\u2713 {name}: {status}. {findings}. {plan}.",
    "{i}.1 {name}: {status}\n{i}.2 Findings: {findings}\n{i}.3 Plan: {plan}",
    "{name} ({status}). {findings}. {plan}.",
    "The patient's {name} is {status}. {findings}. We will {plan}.",
    "{name}, {status}, {findings}, {plan}",
    # "consistent with" makes the diagnosis uncertain (outpatient guideline IV.H), so the audit rightly finds the
    # billed code unsupported where the generator's labels call it stated: this layout measures that rule, not a layout
    "{findings}, consistent with {name}, {status}. {plan}.",
    "{i}. {name}\n      {status}.\n      {findings}.\n      {plan}.",
    "{name}:\n  S: {status}\n  O: {findings}\n  A: {name}, {status}\n  P: {plan}",
    "{i}. {name}. {findings}. {plan}. Status: {status}.",
    "- {name}\n    Assessment: {status}, {findings}.\n    Plan: {plan}.",
)
BATTERIES: dict[int, tuple[str, ...]] = {1: LAYOUTS, 2: LAYOUTS_2}
# Flag types an assessment item's layout can move (the claim-only edits cannot)
READ_TYPES = ("em_overcoded", "em_undercoded", "unsupported_diagnosis", "hcc_gap", "unspecified_code")


def layout_knowledge(knowledge: Knowledge, family: str, layout: str) -> Knowledge:
    """``knowledge`` whose ``family`` writes every assessment item in ``layout``."""
    base = knowledge.families[family]
    written = dataclasses.replace(base, templates={**base.templates, "problem_line": (layout,)})
    return dataclasses.replace(knowledge, families={**knowledge.families, family: written})


def run_probe(n: int, seed: int, family: str, layouts: dict[int, str]) -> dict[str, Any]:
    from models.audit import load_default_engine

    engine = load_default_engine()
    knowledge = default_knowledge()
    out: dict[str, Any] = {}
    for number, layout in [(0, None), *layouts.items()]:
        used = knowledge if layout is None else layout_knowledge(knowledge, family, layout)
        config = SynthConfig(n=n, seed=seed, phrasing="validation", family=family)
        metrics = evaluate_audit(Generator(config, knowledge=used), engine)
        per_type = metrics["per_type"]
        out[str(number)] = {
            "layout": layout or f"family {family}'s own",
            "specificity": metrics["clean_claim_specificity"],
            **{t: f"{per_type[t]['tp']}/{per_type[t]['fp']}/{per_type[t]['fn']}" for t in READ_TYPES},
        }
        print(json.dumps({number: out[str(number)]}), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=150)
    parser.add_argument("--seed", type=int, default=690)
    parser.add_argument("--battery", type=int, choices=sorted(BATTERIES), default=1, help="which layouts to write")
    parser.add_argument("--family", default="V", help="a validation family (default V)")
    parser.add_argument("--layout", default=None, help="comma-separated layout numbers, 1-based (default: all)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    layouts = BATTERIES[args.battery]
    chosen = [int(x) for x in args.layout.split(",")] if args.layout else range(1, len(layouts) + 1)
    result = run_probe(args.n, args.seed, args.family, {k: layouts[k - 1] for k in chosen})
    if args.out:
        args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
