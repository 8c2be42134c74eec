"""How the unspecified-code check holds up when a condition's detail is worded in ways the reader has not seen.

A clinician states the detail a specific ICD-10-CM code needs (laterality, acuity, type, stage, site, a complication
and its link) in many ways: "L knee OA", "OA of rt knee", "HFrEF (chronic)", "CKD G3a", "acute on chronic",
"hyperglycemia due to type 2 diabetes", the detail before the noun or after a dash, inside parentheses or in Latin.
This probe generates validation encounters (never the held-out family) whose conditions are named by the wordings
of ``data/specificity_wordings_v1.csv`` instead of the generator's own, bills each condition's unspecified code in
place of its specific one, and counts how often the audit raises ``unspecified_code`` for it: per detail axis and
per wording. A wording marked ``expect=none`` states no detail (or states it uncertain or absent): a flag raised
for it is a false one.

Placeholders beside the generator's ``{side}``: ``{Side}`` (Right/Left), ``{s}`` (rt/lt), ``{S}`` (R/L) and
``{eye}`` (OD/OS).

    python -m evaluation.specificity_probe --n 600 --seed 404 [--condition knee_oa,gout_flare]
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from datasets.schema import Encounter
from datasets.synth.claims import unspecified_map
from datasets.synth.generator import Generator, SynthConfig
from datasets.synth.knowledge import Condition, Knowledge, default_knowledge

WORDINGS = Path(__file__).parent / "data" / "specificity_wordings_v1.csv"
_SIDE_FORMS = {
    "right": {"{Side}": "Right", "{s}": "rt", "{S}": "R", "{eye}": "OD"},
    "left": {"{Side}": "Left", "{s}": "lt", "{S}": "L", "{eye}": "OS"},
}


@dataclass(frozen=True)
class Wording:
    condition: str
    axis: str
    flag: bool
    text: str


def read_wordings(path: Path = WORDINGS) -> list[Wording]:
    with path.open(encoding="utf-8") as handle:
        return [
            Wording(row["condition"], row["axis"], row["expect"] == "flag", row["wording"])
            for row in csv.DictReader(handle)
        ]


def probe_knowledge(knowledge: Knowledge, wordings: Iterable[Wording]) -> Knowledge:
    """``knowledge`` whose validation families name each probed condition by the probe's wordings only."""
    names: dict[str, list[str]] = defaultdict(list)
    for wording in wordings:
        names[wording.condition].append(wording.text)
    families = {
        name: dataclasses.replace(
            family, condition_names={**family.condition_names, **{k: tuple(v) for k, v in names.items()}}
        )
        if family.split == "validation"
        else family
        for name, family in knowledge.families.items()
    }
    return dataclasses.replace(knowledge, families=families)


def _side(condition: Condition, codes: Iterable[str]) -> str | None:
    for side, side_codes in (condition.sides or {}).items():
        if any(code in side_codes for code in codes):
            return side
    return None


def _rebilled(encounter: Encounter, specific: str, unspecified: str) -> Encounter:
    """``encounter`` with ``specific`` billed as ``unspecified`` wherever the claim points to it."""
    assert encounter.claim is not None
    lines = [
        line.model_copy(update={"dx": [unspecified if d == specific else d for d in line.dx]})
        for line in encounter.claim.lines
    ]
    return encounter.model_copy(update={"claim": encounter.claim.model_copy(update={"lines": lines})})


def run_probe(n: int, seed: int, only: set[str] | None = None) -> dict[str, Any]:
    from models.audit import load_default_engine

    wordings = [w for w in read_wordings() if only is None or w.condition in only]
    knowledge = probe_knowledge(default_knowledge(), wordings)
    unspecified = unspecified_map(knowledge)
    conditions = {c.key: c for c in knowledge.conditions}
    by_condition: dict[str, list[Wording]] = defaultdict(list)
    for wording in wordings:
        by_condition[wording.condition].append(wording)
    engine = load_default_engine()
    generator = Generator(SynthConfig(n=n, seed=seed, phrasing="validation", clean_share=1.0), knowledge=knowledge)
    tally: Counter[tuple[str, str, str, bool, bool]] = Counter()  # (condition, axis, wording, expected, raised)
    other_flags = 0
    misses: list[dict[str, str]] = []
    for encounter in generator:
        assert encounter.gold is not None and encounter.claim is not None
        gold = set(encounter.gold.icd10cm)
        billed = set(encounter.claim.diagnoses())
        # the probed conditions in the note, and the side their codes settle
        present = [(conditions[key], _side(conditions[key], gold)) for key in by_condition]
        present = [(c, side) for c, side in present if gold & set(_codes(c))]
        text = encounter.text
        for _, side in present:
            for placeholder, form in _SIDE_FORMS.get(side or "", {}).items():
                text = text.replace(placeholder, form)
        lowered = text.lower()
        probed: set[str] = set()
        for condition, side in present:
            for code in _codes(condition):
                if code in probed or code not in gold or code not in billed or code not in unspecified:
                    continue
                probed.add(code)
                # conditions can share a code (psoriasis with or without methotrexate): the longest wording of any
                # of them that the note holds is the one rendered
                used = max(
                    (
                        w
                        for other, _ in present
                        if code in _codes(other)
                        for w in by_condition[other.key]
                        if _rendered(w.text, side).lower() in lowered
                    ),
                    key=lambda w: len(w.text),
                    default=None,
                )
                if used is None:
                    continue
                probe = _rebilled(encounter.model_copy(update={"text": text}), code, unspecified[code])
                flags = engine.audit(probe.without_labels()).flags
                raised = any(f.type == "unspecified_code" and f.billed == unspecified[code] for f in flags)
                other_flags += sum(f.type == "unspecified_code" and f.billed != unspecified[code] for f in flags)
                tally[(used.condition, used.axis, used.text, used.flag, raised)] += 1
                if raised != used.flag:
                    rendered = _rendered(used.text, side).lower()
                    line = [x for x in text.splitlines() if rendered in x.lower()][-1]
                    misses.append({"encounter_id": encounter.encounter_id, "billed": unspecified[code], "line": line})
    return {**_summary(tally, other_flags), "misses": misses}


def _codes(condition: Condition) -> list[str]:
    """Every code of ``condition``, both sides' for a sided one."""
    sided = [c for codes in (condition.sides or {}).values() for c in codes]
    return list(dict.fromkeys([c for c in condition.codes if c != "{side}"] + sided))


def _rendered(text: str, side: str | None) -> str:
    text = text.replace("{side}", side or "")
    for placeholder, form in _SIDE_FORMS.get(side or "", {}).items():
        text = text.replace(placeholder, form)
    return text


def _summary(tally: Counter[tuple[str, str, str, bool, bool]], other_flags: int) -> dict[str, Any]:
    axes: dict[str, Counter[str]] = defaultdict(Counter)
    words: dict[str, Counter[str]] = defaultdict(Counter)
    for (key, axis, text, expected, raised), count in tally.items():
        kind = "should_flag" if expected else "should_not"
        axes[f"{axis}|{kind}"]["n"] += count
        axes[f"{axis}|{kind}"]["raised"] += count * raised
        words[f"{key}|{text}|{kind}"]["n"] += count
        words[f"{key}|{text}|{kind}"]["raised"] += count * raised
    recall = [c for k, c in axes.items() if k.endswith("should_flag")]
    false = [c for k, c in axes.items() if k.endswith("should_not")]
    return {
        "recall": round(sum(c["raised"] for c in recall) / max(1, sum(c["n"] for c in recall)), 3),
        "flag_n": sum(c["n"] for c in recall),
        "false_flags_on_vague_wordings": sum(c["raised"] for c in false),
        "vague_n": sum(c["n"] for c in false),
        "unspecified_flags_for_other_codes": other_flags,
        "per_axis": {k: dict(v) for k, v in sorted(axes.items())},
        "per_wording": {k: dict(v) for k, v in sorted(words.items())},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=600)
    parser.add_argument("--seed", type=int, default=404)
    parser.add_argument("--condition", default=None, help="comma-separated condition keys (default: all)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    only = set(args.condition.split(",")) if args.condition else None
    result = run_probe(args.n, args.seed, only)
    text = json.dumps(result, indent=1)
    if args.out:
        args.out.write_text(text)
    print(text)


if __name__ == "__main__":
    main()
