"""Small synthetic encounter files for the batch tests (patients with history, several providers)."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from datasets.io import write_encounters
from datasets.schema import Encounter

_EM = ["99212", "99213", "99214", "99215"]
_DX = ["E11.9", "I10", "J44.9", "E78.5", "N18.4", "F32.9"]


def encounters(n: int, seed: int = 7, *, bad_every: int = 0) -> list[dict[str, Any]]:
    """``n`` encounter records (dicts); every ``bad_every``-th record is missing its text (a bad record)."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    for i in range(n):
        patient = f"P{i % max(1, n // 3):04d}"
        dx = rng.sample(_DX, 2)
        record: dict[str, Any] = {
            "encounter_id": f"E{i:06d}",
            "text": f"Follow-up visit {i}. Assessment and plan for {', '.join(dx)}.",
            "patient_id": patient,
            "provider_id": f"DR{i % 4}",
            "date_of_service": f"2026-{1 + i % 12:02d}-{1 + i % 27:02d}",
            "setting": "office",
            "age": 60 + i % 30,
            "sex": "F" if i % 2 else "M",
            "claim": {"lines": [{"code": rng.choice(_EM), "dx": dx}]},
            "history": [{"date_of_service": "2025-03-01", "claim": {"lines": [{"code": "99213", "dx": ["N18.4"]}]}}],
            "gold": {"em_code": "99213"},
        }
        if bad_every and i % bad_every == bad_every - 1:
            del record["text"]
        records.append(record)
    return records


def write_jsonl(path: Path, records: list[dict[str, Any]]) -> Path:
    import json

    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def write_format(path: Path, records: list[dict[str, Any]]) -> Path:
    """Write valid records in the format of ``path``'s suffix (JSONL, CSV or Parquet)."""
    write_encounters(path, [Encounter.model_validate(r) for r in records if "text" in r])
    return path
