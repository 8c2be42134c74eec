"""Snapshot of every model output on a sample, to prove a speed change leaves the answers byte-identical.

``python scripts/output_snapshot.py save DIR`` writes, for the train-family sample ``var/s.jsonl`` (``medcode synth
--n 300 --seed 5 --phrasing train --out var/s.jsonl``) plus the audit benchmark's 400-word notes: the audit result
(with all models loaded, the ICD-10-CM suggester included), the model outputs behind it (E/M, services, diagnoses,
documented codes, HCC gaps) and the service's suggest answer (ICD/CPT/HCPCS/E/M/HCC). ``compare DIR`` recomputes
them and names each encounter whose line differs; exit status 1 when any does.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path

from datasets.io import read_encounters
from datasets.schema import Encounter

SAMPLE = Path("var/s.jsonl")
BENCH_NOTES = 60


def _encounters() -> list[Encounter]:
    from evaluation.bench_audit import make_notes

    sample = [e for e in read_encounters(SAMPLE)]
    return sample + make_notes(BENCH_NOTES, seed=2024)


def snapshot() -> dict[str, list[str]]:
    """One JSON line per encounter and output kind."""
    from datasets.codesets import CodeSets
    from evaluation.bench_audit import audit_engine as load_audit_engine
    from evaluation.bench_service import find_bundle
    from serving.engine import build_engine

    audit_engine = load_audit_engine(icd10_suggester=True)  # the widest path: every model's output
    bundle = find_bundle()
    service = build_engine(bundle, [], CodeSets.from_settings(), auto_threshold=None, min_confidence=0.05, top_k=15)
    out: dict[str, list[str]] = {"audit": [], "outputs": [], "suggest": []}
    for encounter in _encounters():
        clean = encounter.without_labels()
        out["outputs"].append(json.dumps(asdict(audit_engine.model_outputs(clean)), sort_keys=True, default=str))
        out["audit"].append(audit_engine.audit(encounter).model_dump_json())
        answer = [s.model_dump(mode="json") for s in service.suggest(encounter)]
        out["suggest"].append(json.dumps(answer, sort_keys=True))
    return out


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("save", "compare"):
        print("usage: python scripts/output_snapshot.py save|compare DIR", file=sys.stderr)
        return 2
    folder = Path(argv[1])
    current = snapshot()
    if argv[0] == "save":
        folder.mkdir(parents=True, exist_ok=True)
        for kind, lines in current.items():
            (folder / f"{kind}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"saved {len(current['audit'])} encounters x {len(current)} outputs to {folder}")
        return 0
    differ = 0
    for kind, lines in current.items():
        saved = (folder / f"{kind}.jsonl").read_text(encoding="utf-8").splitlines()
        bad = [i for i, (a, b) in enumerate(zip(saved, lines, strict=True)) if a != b]
        differ += len(bad)
        print(f"{kind}: {len(lines)} lines, {len(bad)} differ" + (f" (first: line {bad[:5]})" if bad else ""))
    return 1 if differ else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
