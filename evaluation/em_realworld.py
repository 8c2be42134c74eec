"""The E/M leveler on real notes without labels (MTSamples office/SOAP notes): robustness and level distribution.

There are no gold levels; the report says how many notes were levelled without error, the distribution of codes,
MDM levels and elements, how often each element was found at all, and a sample of notes with their reasoning for a
hand check. MTSamples notes have no structured setting or status, so the leveler sees the text only (an office
visit of an established patient unless the note says otherwise).

``python -m evaluation.em_realworld [--path CSV] [--sample N]`` levels every office/SOAP note of the MTSamples CSV
(default ``$MEDCODE_DATA_DIR/mtsamples/mtsamples_unique.csv``) and prints the report as JSON.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from datasets.schema import Encounter
from models.em.leveler import EmLeveler


def level_report(encounters: Iterable[Encounter], leveler: EmLeveler | None = None, sample: int = 10) -> dict[str, Any]:
    """Level every note; count codes, MDM levels, element levels, errors; keep ``sample`` notes' reasoning."""
    leveler = leveler or EmLeveler()
    codes: Counter[str] = Counter()
    mdm: Counter[str] = Counter()
    elements: dict[str, Counter[str]] = {"problems": Counter(), "data": Counter(), "risk": Counter()}
    bases: Counter[str] = Counter()
    errors: list[dict[str, str]] = []
    examples: list[dict[str, Any]] = []
    n = 0
    for encounter in encounters:
        n += 1
        try:
            result = leveler.level(encounter.text, {"setting": "office"})
        except Exception as error:
            errors.append({"encounter_id": encounter.encounter_id, "error": type(error).__name__})
            continue
        codes[result.em_code or "none"] += 1
        mdm[result.mdm] += 1
        bases[result.basis] += 1
        for name, counter in elements.items():
            counter[result.elements[name].level] += 1
        if len(examples) < sample:
            examples.append(
                {
                    "encounter_id": encounter.encounter_id,
                    "em_code": result.em_code,
                    "mdm": {k: v.level for k, v in result.elements.items()} | {"level": result.mdm},
                    "reasoning": result.reasoning,
                    "evidence": {
                        kind: [m["label"] + ": " + m["evidence"]["text"][:80] for m in mentions]
                        for kind, mentions in result.evidence.items()
                        if mentions
                    },
                }
            )
    return {
        "n": n,
        "n_errors": len(errors),
        "errors": errors,
        "codes": dict(codes.most_common()),
        "mdm": dict(mdm.most_common()),
        "elements": {k: dict(v.most_common()) for k, v in elements.items()},
        "basis": dict(bases.most_common()),
        "examples": examples,
    }


def main(argv: list[str] | None = None) -> None:
    from datasets.readers.mtsamples import read_mtsamples

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--path", type=Path, default=None, help="MTSamples CSV (default: under $MEDCODE_DATA_DIR)")
    parser.add_argument("--sample", type=int, default=10, help="notes whose reasoning the report keeps")
    args = parser.parse_args(argv)
    report = level_report(read_mtsamples(args.path, office_only=True), sample=args.sample)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
