"""Fit the semantic condition reader's thresholds (:class:`models.audit.semantic.SemanticSettings`: ``agree``,
``condition_floor``) on validation notes.

For every affirmed assessment statement the HCC condition finder names nothing for, the nearest titles are read once;
each (agree, floor) pair is then scored by whether the HCC its answer maps to is one of the note's gold HCCs. Run it
on validation families only (never the held-out family, never the names-test family).

Usage::

    python -m evaluation.semantic_fit --data val.jsonl f.jsonl [--min-precision 0.95]
"""

from __future__ import annotations

import argparse
import itertools
import json
import warnings
from pathlib import Path
from typing import Any

from datasets.io import read_encounters

AGREE = (2, 3, 4, 5, 6)
FLOORS = tuple(x / 100 for x in range(45, 81, 5))


def statements(paths: list[Path]) -> list[dict[str, Any]]:
    """Per unnamed statement: its nearest titles with their HCCs, and the note's gold HCCs."""
    from models.audit import load_default_engine
    from models.audit.adapters import unnamed_items
    from models.audit.semantic import condition_name

    warnings.simplefilter("ignore")
    models: Any = load_default_engine().models
    titles, finder = models.title_space, models.hcc_scanner.finder
    assert titles is not None, "no ICD-10-CM suggester bundle with title embeddings is installed"
    model = models.hcc_scanner.mapper.models["V28"]

    def hcc_of(code: str) -> list[str]:
        try:
            return sorted(model.hccs_for(code))
        except ValueError:
            return []

    out: list[dict[str, Any]] = []
    for path in paths:
        for encounter in read_encounters(path):
            gold = sorted(encounter.gold.hcc_v28) if encounter.gold else []
            bare = encounter.without_labels()
            doc = models.parse(bare)
            models.coding(bare, doc)
            for part in unnamed_items(doc, finder):
                name = condition_name(part.text)
                assert name is not None
                near = titles.nearest(name, max(AGREE) + 1)
                out.append(
                    {
                        "id": encounter.encounter_id,
                        "text": name,
                        "near": [(code, similarity, hcc_of(code)) for code, similarity in near],
                        "gold": gold,
                    }
                )
    return out


def answer(row: dict[str, Any], agree: int, floor: float) -> list[str] | None:
    """The HCCs the reader answers for one statement at these thresholds (None: no answer)."""
    near = row["near"][:agree]
    if len(near) < agree or near[0][1] < floor:
        return None
    hccs = {tuple(h) for _, _, h in near}
    return list(next(iter(hccs))) if len(hccs) == 1 and next(iter(hccs)) else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, nargs="+", required=True)
    parser.add_argument("--min-precision", type=float, default=0.95)
    parser.add_argument("--dump", type=Path)
    args = parser.parse_args()
    rows = statements(args.data)
    if args.dump:
        args.dump.write_text(json.dumps(rows, indent=1))
    print(json.dumps({"unnamed_statements": len(rows)}))
    for agree, floor in itertools.product(AGREE, FLOORS):
        answers = [(row, hccs) for row in rows if (hccs := answer(row, agree, floor)) is not None]
        right = sum(any(h in row["gold"] for h in hccs) for row, hccs in answers)
        if answers:
            precision = right / len(answers)
            mark = "" if precision >= args.min_precision else "  (below)"
            print(f"agree {agree} floor {floor:.2f}: {len(answers)} answers, {right} right, {precision:.3f}{mark}")


if __name__ == "__main__":
    main()
