"""How the E/M level holds up when a note's assessment items are laid out in ways the reader has not seen.

The problems addressed, and with them the MDM level, are read item by item from the assessment and plan. Physicians
mark those items in many ways ("1.", "-", "#", "Problem: ...", nothing at all). This probe takes labelled encounters
(validation data: never the held-out family), rewrites them with the item-layout rewrites of the structure probe
(:data:`evaluation.structure_probe.TRANSFORMATIONS`; any other of its rewrites can be chosen with ``--only``), and
scores the E/M level (exact) beside the audit's E/M flags on every variant and on the notes as written. The labels
do not change: the same problems, data and decisions are documented, only the layout differs. A variant that scores
well below the original names a layout the problem reader mistakes: on the first 300 notes of synth --n 1000 --seed
303 --phrasing validation at 5ce1c12, items labelled "Problem: ..." were read as a carried problem list (E/M exact
0.965 -> 0.727, em_overcoded precision 0.958 -> 0.605); after 79cae3e every layout scores as the notes do.

    python -m evaluation.em_probe --data validation.jsonl [--only items_labelled,plan_first]
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from datasets.io import read_encounters
from datasets.schema import Encounter
from evaluation.audit import evaluate_audit
from evaluation.structure_probe import TRANSFORMATIONS, Rewrite, variants

ITEM_LAYOUTS = ("items_labelled", "items_unmarked", "items_hash")
_EM_TYPES = ("em_overcoded", "em_undercoded")


def em_exact(encounters: Sequence[Encounter], leveler: Any) -> float:
    """Share of encounters with a gold E/M code whose levelled code equals it."""
    scored = [e for e in encounters if e.gold is not None and e.gold.em_code is not None]
    right = sum(leveler.level_encounter(e.without_labels()).em_code == e.gold.em_code for e in scored if e.gold)
    return right / len(scored) if scored else 0.0


def probe(
    encounters: Sequence[Encounter], rewrites: dict[str, Rewrite], engine: Any, leveler: Any
) -> dict[str, dict[str, Any]]:
    """E/M exact accuracy, E/M flag precision/recall and clean-claim specificity of the notes as written and of each
    rewrite's variants."""
    notes_by_variant = {"as_written": list(encounters)}
    notes_by_variant.update({name: variants(encounters, rewrite) for name, rewrite in rewrites.items()})
    out: dict[str, dict[str, Any]] = {}
    for name, notes in notes_by_variant.items():
        metrics = evaluate_audit(notes, engine)
        out[name] = {
            "em_exact": round(em_exact(notes, leveler), 3),
            "clean_claim_specificity": metrics["clean_claim_specificity"],
            **{
                t: [round(metrics["per_type"][t]["precision"], 3), round(metrics["per_type"][t]["recall"], 3)]
                for t in _EM_TYPES
                if t in metrics["per_type"]
            },
        }
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="labelled encounters (JSONL/CSV/Parquet)")
    parser.add_argument(
        "--only", default=",".join(ITEM_LAYOUTS), help="comma-separated structure-probe rewrites (default: items_*)"
    )
    args = parser.parse_args(argv)
    chosen = [name for name in args.only.split(",") if name]
    unknown = sorted(set(chosen) - set(TRANSFORMATIONS))
    if unknown:
        parser.error(f"unknown rewrite(s) {unknown}; choose from {sorted(TRANSFORMATIONS)}")
    from models.audit import load_default_engine
    from models.audit.adapters import load_leveler

    encounters = list(read_encounters(args.data))
    rewrites = {name: TRANSFORMATIONS[name] for name in chosen}
    print(json.dumps(probe(encounters, rewrites, load_default_engine(), load_leveler()), indent=2))


if __name__ == "__main__":
    main()
