"""Batch audit benchmarks: local throughput and peak memory by input size, resume after a kill, Spark scaling.

What it measures (each run is a separate process tree, as a user would start it):

- local: encounters/s and the peak resident memory of the whole process tree (runner + 2 workers, summed, sampled
  from ``/proc`` every 0.2 s) for each input size, so "memory flat as the input grows" is a number per size;
- resume: the runner is killed with SIGKILL once about half of its chunks are checkpointed, resumed, and its
  outputs compared with a clean run's byte for byte (``audit.parquet``, ``flags.parquet``, ``audit.jsonl``,
  ``bad_records.jsonl``) and row for row;
- spark: the same staged input on ``local[1]`` and ``local[2]`` (audit job seconds, session start excluded), the
  speed-up, and equality of the Spark rows with the local engine's rows.

Inputs are the first N lines of a synthetic JSONL (``medcode synth``), so sizes share a prefix. Run::

    python -m evaluation.bench_batch --data synth100k.jsonl --sizes 10000 100000 --resume-size 100000 \\
        --spark-size 20000 --out var/bench/batch.json

``medcode bench --suite batch`` runs a small version (2,000 encounters, no Spark) of the same measurements.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

FILES_COMPARED = ("audit.parquet", "flags.parquet", "audit.jsonl", "bad_records.jsonl")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (Linux ``/proc``)."""
    children = _children_map()
    total = 0
    stack = [root]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except OSError:
            continue
    return total


class PeakSampler:
    """Samples a process tree's RSS in a thread; ``peak`` is the largest sum seen."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        self.pid = pid
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self._stop.wait(self.interval)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def head_lines(source: Path, n: int, target: Path) -> Path:
    """The first ``n`` lines of ``source`` written to ``target`` (streamed)."""
    written = 0
    with source.open("rb") as src, target.open("wb") as dst:
        for line in src:
            if written >= n:
                break
            dst.write(line)
            written += 1
    if written < n:
        raise ValueError(f"{source} has only {written} lines; generate more with 'medcode synth --n {n}'.")
    return target


def _runner_command(inp: Path, out: Path, engine_spec: str, chunk_size: int, workers: int) -> list[str]:
    code = (
        "from serving.batch.local import run_local; "
        f"run_local({str(inp)!r}, {str(out)!r}, engine_spec={engine_spec!r}, chunk_size={chunk_size}, "
        f"workers={workers}, progress=False)"
    )
    return [sys.executable, "-c", code]


def _env() -> dict[str, str]:
    root = str(Path(__file__).resolve().parents[1])
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}


def run_measured(inp: Path, out: Path, *, engine_spec: str, chunk_size: int, workers: int) -> dict[str, Any]:
    """Run the local runner in its own process tree; wall seconds, peak tree RSS and the runner's summary."""
    started = time.perf_counter()
    process = subprocess.Popen(
        _runner_command(inp, out, engine_spec, chunk_size, workers), env=_env(), start_new_session=True
    )
    with PeakSampler(process.pid) as sampler:
        code = process.wait()
    wall = time.perf_counter() - started
    if code != 0:
        raise RuntimeError(f"the batch runner exited with {code}")
    summary = json.loads((out / "summary.json").read_text())
    return {
        "encounters": summary["encounters"],
        "wall_seconds": round(wall, 2),
        "audit_seconds": summary["seconds"],
        "encounters_per_second": summary["encounters_per_second"],
        "encounters_per_second_wall": round(summary["encounters"] / wall, 2),
        "peak_rss_mib": round(sampler.peak / 2**20, 1),
        "flags": summary["flags"],
        "errors": summary["errors"],
        "bad_records": summary["bad_records"],
    }


def kill_at_fraction(
    inp: Path, out: Path, *, engine_spec: str, chunk_size: int, workers: int, total: int, fraction: float = 0.5
) -> int:
    """Start the runner, SIGKILL its whole process group once ``fraction`` of the chunks are checkpointed; returns
    the checkpointed chunk count at the kill."""
    target = max(1, int(-(-total // chunk_size) * fraction))
    process = subprocess.Popen(
        _runner_command(inp, out, engine_spec, chunk_size, workers), env=_env(), start_new_session=True
    )
    checkpoint = out / "_checkpoint.json"
    done = 0
    try:
        while process.poll() is None:
            if checkpoint.exists():
                try:
                    done = len(json.loads(checkpoint.read_text())["chunks"])
                except (ValueError, KeyError):
                    done = 0
                if done >= target:
                    break
            time.sleep(0.05)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    if done < target:
        raise RuntimeError("the runner finished before it could be killed; use a larger input")
    return len(json.loads(checkpoint.read_text())["chunks"])


def compare_outputs(left: Path, right: Path) -> dict[str, Any]:
    """Byte equality of each output file and row equality of the audit tables."""
    import pyarrow.parquet as pq

    same_bytes = {name: (left / name).read_bytes() == (right / name).read_bytes() for name in FILES_COMPARED}
    a = pq.read_table(left / "audit.parquet")
    b = pq.read_table(right / "audit.parquet")
    return {"bytes_equal": same_bytes, "rows_equal": a.equals(b), "rows": a.num_rows}


def bench_local(
    data: Path, sizes: list[int], work: Path, *, engine_spec: str, chunk_size: int, workers: int
) -> dict[str, Any]:
    """Throughput and peak RSS per input size."""
    results: dict[str, Any] = {}
    for size in sizes:
        inp = head_lines(data, size, work / f"in_{size}.jsonl")
        results[str(size)] = run_measured(
            inp, work / f"local_{size}", engine_spec=engine_spec, chunk_size=chunk_size, workers=workers
        )
        print(f"local {size}: {json.dumps(results[str(size)])}", file=sys.stderr, flush=True)
    return results


def bench_resume(
    data: Path, size: int, work: Path, *, engine_spec: str, chunk_size: int, workers: int, clean: Path | None
) -> dict[str, Any]:
    """Kill at ~50%, resume, compare with a clean run (``clean``: an existing clean output of the same input)."""
    inp = work / f"in_{size}.jsonl"
    if not inp.exists():
        head_lines(data, size, inp)
    if clean is None:
        clean = work / f"local_{size}"
        run_measured(inp, clean, engine_spec=engine_spec, chunk_size=chunk_size, workers=workers)
    out = work / f"resumed_{size}"
    killed_at = kill_at_fraction(inp, out, engine_spec=engine_spec, chunk_size=chunk_size, workers=workers, total=size)
    resumed = run_measured(inp, out, engine_spec=engine_spec, chunk_size=chunk_size, workers=workers)
    summary = json.loads((out / "summary.json").read_text())
    result = {
        "size": size,
        "chunks_total": summary["chunks"],
        "chunks_done_at_kill": killed_at,
        "resumed_chunks": summary["resumed_chunks"],
        "audited_after_resume": summary["audited_this_run"],
        "resume_run": resumed,
        **compare_outputs(clean, out),
    }
    print(f"resume {size}: {json.dumps(result)}", file=sys.stderr, flush=True)
    return result


def bench_spark(
    data: Path, size: int, work: Path, *, engine_spec: str, chunk_size: int, masters: list[str]
) -> dict[str, Any]:
    """Spark on each master over the same staged input, the speed-up, and equality with the local engine."""
    from serving.batch.local import run_local
    from serving.batch.spark import read_audit_table, run_spark, stage_input

    inp = work / f"in_{size}.jsonl"
    if not inp.exists():
        head_lines(data, size, inp)
    local_out = work / f"local_{size}"
    if not (local_out / "summary.json").exists():
        run_local(inp, local_out, engine_spec=engine_spec, chunk_size=chunk_size, workers=2, progress=False)
    staged = work / f"staged_{size}.parquet"
    stage_input(inp, staged)
    runs: dict[str, Any] = {}
    local_rows = read_audit_table(local_out / "audit.parquet")
    for master in masters:
        out = work / f"spark_{size}_{master.replace('[', '_').replace(']', '').replace('*', 'all')}"
        started = time.perf_counter()
        summary = run_spark(staged, out, master=master, engine_spec=engine_spec, partitions=8)
        rows = read_audit_table(out / "audit.parquet")
        runs[master] = {
            "audit_seconds": summary.seconds,
            "wall_seconds": round(time.perf_counter() - started, 2),
            "encounters": summary.encounters,
            "encounters_per_second": summary.encounters_per_second,
            "rows_equal_local": rows.equals(local_rows),
        }
        print(f"spark {master} {size}: {json.dumps(runs[master])}", file=sys.stderr, flush=True)
    result: dict[str, Any] = {"size": size, "runs": runs}
    if len(masters) == 2:
        first, second = (runs[m]["audit_seconds"] for m in masters)
        result["speedup"] = round(first / second, 2) if second else None
    return result


def run(
    data: Path | None = None,
    *,
    sizes: tuple[int, ...] = (2000,),
    resume_size: int | None = 2000,
    spark_size: int | None = None,
    engine_spec: str | None = None,
    chunk_size: int = 500,
    workers: int = 2,
    work_dir: Path | None = None,
) -> dict[str, Any]:
    """The batch benchmark as one JSON-ready dict (``medcode bench --suite batch`` calls it with small sizes)."""
    from serving.batch.engine import DEFAULT_ENGINE_SPEC

    spec = engine_spec or DEFAULT_ENGINE_SPEC
    with contextlib.ExitStack() as stack:
        if work_dir is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="medcode-bench-batch-")))
        else:
            work = work_dir
            work.mkdir(parents=True, exist_ok=True)
        if data is None:
            data = work / "synth.jsonl"
            _synthesize(max([*sizes, resume_size or 0, spark_size or 0]), data)
        results: dict[str, Any] = {"engine": spec, "chunk_size": chunk_size, "workers": workers, "cpus": os.cpu_count()}
        results["local"] = bench_local(
            data, list(sizes), work, engine_spec=spec, chunk_size=chunk_size, workers=workers
        )
        if resume_size:
            clean = work / f"local_{resume_size}" if resume_size in sizes else None
            results["resume"] = bench_resume(
                data, resume_size, work, engine_spec=spec, chunk_size=chunk_size, workers=workers, clean=clean
            )
        if spark_size:
            results["spark"] = bench_spark(
                data, spark_size, work, engine_spec=spec, chunk_size=chunk_size, masters=["local[1]", "local[2]"]
            )
    return results


def _synthesize(n: int, path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "serving.cli.main", "synth", "--n", str(n), "--seed", "8", "--out", str(path)],
        check=True,
        env=_env(),
        stdout=subprocess.DEVNULL,
    )


def main(argv: list[str] | None = None) -> None:
    """Command line: see the module docstring."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="synthetic JSONL (default: synthesize)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 100000])
    parser.add_argument("--resume-size", type=int, default=100000, help="0 to skip")
    parser.add_argument("--spark-size", type=int, default=20000, help="0 to skip")
    parser.add_argument("--engine-factory", default=None)
    parser.add_argument("--chunk-size", type=int, default=500)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--work-dir", type=Path, default=None, help="keep inputs and outputs here (default: temp)")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    results = run(
        args.data,
        sizes=tuple(args.sizes),
        resume_size=args.resume_size or None,
        spark_size=args.spark_size or None,
        engine_spec=args.engine_factory,
        chunk_size=args.chunk_size,
        workers=args.workers,
        work_dir=args.work_dir,
    )
    text = json.dumps(results, indent=2)
    print(text)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")


if __name__ == "__main__":
    main()


def quick() -> dict[str, Any]:
    """``medcode bench --suite batch``: 2,000 synthetic encounters through the runner with the claim-edit engine
    (throughput, peak RSS, kill-and-resume equality) in about a minute; the full benchmark is this module's CLI."""
    from serving.batch.engine import CLAIMS_ONLY_ENGINE_SPEC

    return run(sizes=(2000,), resume_size=2000, engine_spec=CLAIMS_ONLY_ENGINE_SPEC, chunk_size=100)
