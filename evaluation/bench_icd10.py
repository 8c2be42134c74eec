"""``medcode bench --suite icd10``: the ICD-10-CM suggester's speed and memory, ONNX against the reference path.

On the same 400-word notes in the same run: per-note latency (p50/p95 of wall and of CPU time, one thread) of the
ONNX Runtime suggester and of the reference pipeline (scikit-learn classifier and ranker, same candidate code), their
ratio, the largest probability difference between the two (parity gap), notes/s of the ONNX path with 2 threads,
and the peak RSS of a fresh process that loads the suggester and serves the notes. The reference path needs
``training/`` (scikit-learn) and is imported only here, never by serving.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

from configs.settings import get_settings

WORDS_PER_NOTE = 400


def latest_bundle() -> Path:
    folder = get_settings().artifacts_dir / "models" / "icd10"
    manifests = sorted(
        (p for p in folder.glob("*/manifest.json") if not p.parent.name.startswith("staging")),
        key=lambda p: p.stat().st_mtime,
    )
    if not manifests:
        raise FileNotFoundError(f"No ICD-10 bundle under {folder}; run `medcode train --task icd10` first.")
    return manifests[-1].parent


def bench_notes(n: int, words: int = WORDS_PER_NOTE) -> list[str]:
    """``n`` notes of exactly ``words`` words: consecutive CodiEsp dev sentences when available, else titles of
    the bundle's codes strung into sentences (a fresh machine has no CodiEsp)."""
    sentences: list[str] = []
    data_dir = get_settings().data_dir
    dev = data_dir / "codiesp" / "dev" / "text_files_en" if data_dir else None
    if dev is not None and dev.is_dir():
        for path in sorted(dev.glob("*.txt")):
            sentences += [line for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    else:
        rng = np.random.default_rng(0)
        titles = json.loads((latest_bundle() / "titles.json").read_text(encoding="utf-8"))
        for _ in range(n * 40):
            picks = rng.choice(len(titles), size=2)
            sentences.append(f"The patient was seen for {titles[picks[0]].lower()} and {titles[picks[1]].lower()}.")
    notes: list[str] = []
    position = 0
    while len(notes) < n:
        chosen: list[str] = []
        count = 0
        while count < words:
            sentence = sentences[position % len(sentences)].split()
            position += 1
            chosen.append(" ".join(sentence[: words - count]))
            count += min(len(sentence), words - count)
        notes.append("\n".join(chosen))
    return notes


def _latencies(fn: Any, notes: list[str]) -> tuple[list[float], list[float]]:
    """Per-note wall and CPU seconds (CPU time is what the note costs on a machine shared with other jobs)."""
    wall, cpu = [], []
    for note in notes:
        start, start_cpu = time.perf_counter(), time.process_time()
        fn(note)
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return wall, cpu


def _rss_of_fresh_process(bundle: Path, notes_file: Path) -> float:
    """Peak RSS (MB) of a new process that loads the suggester and suggests for every note."""
    code = (
        "import json, resource, sys\n"
        "from models.icd10.suggester import Icd10Suggester\n"
        "s = Icd10Suggester.load(sys.argv[1])\n"
        "[s.suggest_text(t) for t in json.load(open(sys.argv[2]))]\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    out = subprocess.run(
        [sys.executable, "-c", code, str(bundle), str(notes_file)], capture_output=True, text=True, check=True, env=env
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(bundle: Path | None = None, n_notes: int = 60, n_reference: int = 20) -> dict[str, Any]:
    """Run the benchmark and return its JSON-ready results."""
    from models.icd10.suggester import Icd10Suggester
    from training.icd10.reference import reference_core_from_bundle

    folder = bundle or latest_bundle()
    notes = bench_notes(n_notes)
    onnx_path = Icd10Suggester.load(folder, threads=1)
    reference = reference_core_from_bundle(folder)
    for note in notes[:3]:  # warm-up: caches, ONNX Runtime arenas
        onnx_path.suggest_text(note)
        reference.suggest_text(note)

    onnx_wall, onnx_cpu = (np.asarray(x) * 1000 for x in _latencies(onnx_path.suggest_text, notes))
    same = notes[:n_reference]
    onnx_same, onnx_same_cpu = (np.asarray(x) * 1000 for x in _latencies(onnx_path.suggest_text, same))
    ref_same, ref_same_cpu = (np.asarray(x) * 1000 for x in _latencies(reference.suggest_text, same))

    gap = 0.0
    identical_rankings = 0
    for note in same:
        a = {s.code: s.probability for s in onnx_path.suggest_text(note)}
        b = {s.code: s.probability for s in reference.suggest_text(note)}
        identical_rankings += list(a) == list(b)
        for code in set(a) & set(b):
            gap = max(gap, abs(a[code] - b[code]))

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=2) as pool:  # one suggester shared by both threads (sessions are thread-safe)
        list(pool.map(onnx_path.suggest_text, notes))
    throughput = len(notes) / (time.perf_counter() - start)

    notes_file = folder.parent / f".bench-notes-{os.getpid()}.json"
    notes_file.write_text(json.dumps(notes[:20]), encoding="utf-8")
    try:
        rss = _rss_of_fresh_process(folder, notes_file)
    finally:
        notes_file.unlink(missing_ok=True)
    return {
        "bundle_id": onnx_path.bundle_id,
        "words_per_note": WORDS_PER_NOTE,
        "notes": len(notes),
        "onnx_latency_ms_p50": float(np.percentile(onnx_wall, 50)),
        "onnx_latency_ms_p95": float(np.percentile(onnx_wall, 95)),
        "onnx_cpu_ms_p50": float(np.percentile(onnx_cpu, 50)),
        "onnx_cpu_ms_p95": float(np.percentile(onnx_cpu, 95)),
        "same_notes": len(same),
        "same_notes_onnx_ms_mean": float(onnx_same.mean()),
        "same_notes_reference_ms_mean": float(ref_same.mean()),
        "reference_latency_ms_p50": float(np.percentile(ref_same, 50)),
        "reference_latency_ms_p95": float(np.percentile(ref_same, 95)),
        "speedup_reference_over_onnx": float(ref_same.mean() / onnx_same.mean()),
        "speedup_reference_over_onnx_cpu": float(ref_same_cpu.mean() / onnx_same_cpu.mean()),
        "parity_max_abs_dprob": gap,
        "parity_identical_rankings": f"{identical_rankings}/{len(same)}",
        "onnx_notes_per_s_2_threads": throughput,
        "peak_rss_mb_suggester_process": rss,
    }
