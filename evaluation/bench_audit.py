"""Audit throughput with every installed model loaded, beside a reference run of the ICD-10-CM suggester alone.

Notes: seeded synthetic encounters (train phrasing family) whose notes are brought to about 400 words by appending
the assessment-free narrative of the next note (history, exam and results sections), so the text the models read
has the target length while each claim still belongs to its own note. Measures, in one run: the suggester alone
(one process), the full audit in one process, and the full audit in a pool of ``workers`` processes (one engine
per process, as the batch runner does). The acceptance figure is the pooled rate on 2 cores.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import time
from typing import Any

from datasets.schema import Encounter
from serving.native_threads import limit_native_threads

TARGET_WORDS = 400
WARM_UP = 10  # notes each process audits before the timed runs
CHUNK = 5  # encounters per task handed to a pool worker
_CUT = re.compile(r"\n(?=(?:ASSESSMENT|A/P|Assessment|Impression|IMPRESSION|PLAN|Plan)\b)")

_ENGINE: Any = None


def _narrative(text: str) -> str:
    """The part of a note before its assessment and plan (history, exam, results)."""
    return _CUT.split(text, maxsplit=1)[0]


def make_notes(n: int, seed: int, target_words: int = TARGET_WORDS) -> list[Encounter]:
    """``n`` synthetic encounters (labels removed) with notes padded to about ``target_words`` words."""
    from datasets.synth.generator import SynthConfig, generate_encounters

    config = SynthConfig(n=n + 8, seed=seed, phrasing="train")
    encounters = [e.without_labels() for e in generate_encounters(config)]
    out: list[Encounter] = []
    for i, encounter in enumerate(encounters[:n]):
        text = encounter.text
        j = i + 1
        while len(text.split()) < target_words and j < len(encounters):
            text += "\n\nADDITIONAL HISTORY (prior visit, copied forward):\n" + _narrative(encounters[j].text)
            j += 1
        words = text.split()
        if len(words) > target_words * 1.15:
            text = " ".join(words[: int(target_words * 1.1)])
        out.append(encounter.model_copy(update={"text": text}))
    return out


def _all_models_engine() -> Any:
    """The audit engine with every installed model, the ICD-10-CM suggester included when a bundle exists."""
    from configs.audit import load_audit_config
    from datasets.codesets import CodeSets
    from models.audit import AuditEngine
    from models.audit.adapters import latest_bundle, load_default_models

    codesets = CodeSets.from_settings()
    config = load_audit_config()
    models = load_default_models(codesets, config, icd10_bundle=latest_bundle("icd10"))
    return AuditEngine(codesets=codesets, config=config, models=models)


def _init_worker(warm_up: list[Encounter], ready: Any) -> None:
    """Load the engine, warm it on the same notes as the single process, then wait at ``ready`` with the other
    workers and the parent: the timed part starts when every worker is warm."""
    global _ENGINE
    limit_native_threads()
    _ENGINE = _all_models_engine()
    for encounter in warm_up:
        _ENGINE.audit(encounter)
    ready.wait()


def _audit_many(chunk: list[Encounter]) -> tuple[int, float]:
    """(flags raised, CPU seconds this worker spent) for one chunk of encounters."""
    assert _ENGINE is not None
    cpu = time.process_time()
    flags = sum(len(_ENGINE.audit(e).flags) for e in chunk)
    return flags, time.process_time() - cpu


def _rate(count: int, seconds: float) -> float:
    return round(count / seconds, 2) if seconds > 0 else 0.0


def run(n: int = 400, seed: int = 2024, workers: int = 2) -> dict[str, Any]:
    """Throughput figures (encounters per second) for the suggester alone and the full audit."""
    from models.audit.adapters import DefaultModels

    limit_native_threads()  # as every serving and batch process does: one native thread per process
    notes = make_notes(n, seed)
    words = sum(len(e.text.split()) for e in notes) / max(len(notes), 1)
    started = time.perf_counter()
    engine = _all_models_engine()
    load_s = time.perf_counter() - started
    models = engine.models
    result: dict[str, Any] = {
        "encounters": len(notes),
        "mean_words": round(words, 1),
        "cpu_count": os.cpu_count(),
        "engine_load_s": round(load_s, 2),
        "models": dict(models.versions),
    }
    for encounter in notes[:WARM_UP]:  # warm-up: caches, lazy tables, first ONNX runs
        engine.audit(encounter)
    suggester = models.suggester if isinstance(models, DefaultModels) else None
    if suggester is not None:
        started, cpu = time.perf_counter(), time.process_time()
        for encounter in notes:
            suggester.suggest(encounter)
        result["suggester_alone_per_s"] = _rate(len(notes), time.perf_counter() - started)
        result["suggester_alone_per_cpu_s"] = _rate(len(notes), time.process_time() - cpu)
    else:
        result["suggester_alone_per_s"] = None
        result["suggester_note"] = "no ICD-10-CM bundle installed: run 'medcode train --task icd10'"
    started, cpu = time.perf_counter(), time.process_time()
    flags = sum(len(engine.audit(e).flags) for e in notes)
    one = time.perf_counter() - started
    result["audit_1_process_per_s"] = _rate(len(notes), one)
    # CPU time factors out other work on a shared machine: encounters per CPU-second of one process, and the
    # rate ``workers`` dedicated cores would give (a process pool scales linearly; no shared state)
    per_cpu = _rate(len(notes), time.process_time() - cpu)
    result["audit_per_cpu_s"] = per_cpu
    result[f"audit_{workers}_cores_from_cpu_time_per_s"] = round(per_cpu * workers, 2)
    result["load_average"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    result["flags"] = flags
    # small chunks handed out one at a time: no worker waits long for the last ones to finish
    chunks = [notes[i : i + CHUNK] for i in range(0, len(notes), CHUNK)]
    context = multiprocessing.get_context("fork")
    ready = context.Barrier(workers + 1)
    with context.Pool(workers, initializer=_init_worker, initargs=(notes[:WARM_UP], ready)) as pool:
        ready.wait(timeout=900)  # engine loading and warm-up are not timed
        started = time.perf_counter()
        worker_cpu = sum(cpu for _, cpu in pool.imap_unordered(_audit_many, chunks))
        pooled = time.perf_counter() - started
    result[f"audit_{workers}_processes_per_s"] = _rate(len(notes), pooled)
    # CPU the workers spent auditing over the cores they had: below 1.0 they waited (other load, idle workers)
    result[f"audit_{workers}_processes_busy_share"] = round(worker_cpu / (workers * pooled), 3) if pooled else 0.0
    # the pool's rate on ``workers`` dedicated cores, from the CPU time its workers spent (each with its own caches)
    result[f"audit_{workers}_processes_from_cpu_time_per_s"] = _rate(len(notes), worker_cpu / workers)
    result["target_per_s"] = 50
    result["meets_target_wall_clock"] = result[f"audit_{workers}_processes_per_s"] >= 50
    result["meets_target_cpu_time"] = result[f"audit_{workers}_cores_from_cpu_time_per_s"] >= 50
    return result


def quick() -> dict[str, Any]:
    """The ``medcode bench --suite audit`` entry: 400 encounters, 2 processes."""
    return run()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
