"""How the audit holds up when a note's assessment header is written in words the reader has not seen.

Physicians head their assessment in many ways ("Today's issues", "Formulation", none at all). This probe takes
labelled encounters (validation data: never the held-out family), replaces the header of each note's first
assessment or plan section with another header, or removes it, and scores the audit on every variant beside the notes
as written. The labels do not change: the documentation is the same, only its header is. A variant that scores well
below the original names a header the section reader mistakes.

    python -m evaluation.header_probe --data validation.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from datasets.io import read_encounters
from datasets.schema import Encounter
from evaluation.audit import evaluate_audit
from models.clinical.document import ASSESSMENT_KINDS, find_sections

# headers physicians use that none of our synthetic families use verbatim; "" removes the header
PROBE_HEADERS: dict[str, str] = {
    "encounter_diagnoses": "Encounter diagnoses:",
    "clinical_summary": "Clinical summary:",
    "todays_issues": "Today's issues:",
    "medical_decision_making": "Medical decision making:",
    "formulation": "Formulation:",
    "no_header": "",
}


def with_assessment_header(text: str, header: str) -> str | None:
    """``text`` with the header of its first assessment or plan section replaced by ``header`` ("" removes it);
    None when the note heads no such section."""
    section = next(
        (s for s in find_sections(text) if s.kind in ASSESSMENT_KINDS and s.body_start > s.start),
        None,
    )
    if section is None:
        return None
    written, rest = text[section.start : section.body_start], text[section.body_start :]
    # a header alone on its line keeps its line; a run-in header ("Plan >> ...") stays run in
    separator = "\n" if "\n" in written else "" if rest.startswith("\n") else " "
    return text[: section.start] + (header + separator if header else "") + rest


def header_variants(encounters: Iterable[Encounter], header: str) -> list[Encounter]:
    """Every encounter with its assessment header replaced by ``header`` (unchanged when it heads none)."""
    out = []
    for encounter in encounters:
        text = with_assessment_header(encounter.text, header)
        out.append(encounter if text is None else encounter.model_copy(update={"text": text}))
    return out


def probe(encounters: Sequence[Encounter], headers: dict[str, str], engine: Any) -> dict[str, dict[str, Any]]:
    """Audit metrics of the notes as written (``as_written``) and of each header variant."""
    results = {"as_written": evaluate_audit(encounters, engine)}
    for name, header in headers.items():
        results[name] = evaluate_audit(header_variants(encounters, header), engine)
    return results


def _summary(metrics: dict[str, Any]) -> dict[str, Any]:
    per_type = {
        t: [round(m["precision"], 3), round(m["recall"], 3)] for t, m in metrics["per_type"].items() if m["support"]
    }
    return {"clean_claim_specificity": metrics["clean_claim_specificity"], "per_type": per_type}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, required=True, help="labelled encounters (JSONL/CSV/Parquet)")
    args = parser.parse_args(argv)
    from models.audit import load_default_engine

    encounters = list(read_encounters(args.data))
    results = probe(encounters, PROBE_HEADERS, load_default_engine())
    print(json.dumps({name: _summary(m) for name, m in results.items()}, indent=2))


if __name__ == "__main__":
    main()
