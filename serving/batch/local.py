"""The local batch runner: stream the input in chunks, audit them in a pool of worker processes, write one Parquet
part per chunk in input order, and checkpoint after every chunk so a killed run resumes where it stopped.

How it stays correct when killed at any point:

- A worker writes its part to a temporary name, fsyncs it and renames it; a part file exists only whole.
- The checkpoint (``_checkpoint.json``) lists the completed chunks in input order, each with its first input
  position, encounter count, part name and sha256. It is rewritten atomically (temp file, fsync, rename) after each
  chunk, and only ever for the contiguous prefix of chunks that are done.
- A resume verifies every listed part against its sha256 (a bad one and everything after it is redone), skips that
  many valid encounters of the input and audits the rest; a part written but not yet listed is simply rewritten.
  So no encounter is lost or audited twice, and the outputs equal a clean run's byte for byte.

Memory stays flat as the input grows: the reader streams, at most ``2 x workers`` chunks are in flight, and the final
merge copies one part at a time. Output files in ``--out``: ``audit.parquet`` and ``audit.jsonl`` (one row per
encounter, schema in :mod:`serving.batch.schema`), ``flags.parquet`` (one row per flag), ``bad_records.jsonl`` and
``summary.json``; ``parts/`` and ``_checkpoint.json`` hold the run's state.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import os
import time
from collections import Counter, deque
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets.io import BadRecord
from datasets.schema import Encounter
from serving.batch.engine import DEFAULT_ENGINE_SPEC, audit_chunk, engine_for, engine_id
from serving.batch.errors import BatchError, CheckpointMismatchError
from serving.batch.inputs import InputFormat, count_records, fingerprint, iter_input, sniff_format
from serving.batch.schema import COLUMN_NAMES, JSON_COLUMNS, flag_schema, output_schema, rows_to_table

CHECKPOINT = "_checkpoint.json"
PARTS = "parts"
CHECKPOINT_VERSION = 1
SCHEMA_ID = hashlib.sha256(",".join(COLUMN_NAMES).encode()).hexdigest()[:12]


def write_json_atomic(path: Path, payload: Any) -> None:
    """Write JSON to ``path`` so that a reader (or a crash) sees the old file or the new one, never half of one."""
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        json.dump(payload, handle, indent=1, sort_keys=True)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def file_sha256(path: Path) -> str:
    """sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def write_part(rows: list[dict[str, Any]], path: Path) -> str:
    """Write output rows as one Parquet part (temp name, fsync, rename); returns the file's sha256."""
    import pyarrow.parquet as pq

    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(rows_to_table(rows), tmp, compression="zstd")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    os.replace(tmp, path)
    return file_sha256(path)


@dataclass(frozen=True)
class ChunkTask:
    """One chunk for a worker: its number, the input position of its first encounter, and the encounters."""

    index: int
    first: int
    encounters: list[Encounter]
    part_path: Path


@dataclass(frozen=True)
class ChunkDone:
    """What a worker reports for a written part."""

    index: int
    part: str
    sha256: str
    rows: int
    errors: int
    flags: int
    engine_id: str


_WORKER_SPEC: str = DEFAULT_ENGINE_SPEC


def _init_worker(spec: str) -> None:
    """Pool initializer: load the engine (and its ONNX sessions) once in this worker process."""
    global _WORKER_SPEC
    _WORKER_SPEC = spec
    engine_for(spec)


def run_chunk(task: ChunkTask, spec: str | None = None) -> ChunkDone:
    """Audit one chunk with this process's engine and write its part."""
    engine = engine_for(spec or _WORKER_SPEC)
    rows = audit_chunk(engine, task.first, task.encounters)
    sha = write_part(rows, task.part_path)
    return ChunkDone(
        index=task.index,
        part=task.part_path.name,
        sha256=sha,
        rows=len(rows),
        errors=sum(row["status"] != "ok" for row in rows),
        flags=sum(int(row.get("n_flags") or 0) for row in rows),
        engine_id=engine_id(engine),
    )


@dataclass
class BatchSummary:
    """The outcome of a batch run (also written to ``summary.json``)."""

    out_dir: str
    engine: str
    engine_id: str
    encounters: int
    bad_records: int
    errors: int
    flags: int
    chunks: int
    resumed_chunks: int
    audited_this_run: int
    seconds: float
    encounters_per_second: float
    flags_by_type: dict[str, int] = field(default_factory=dict)
    dollars_at_risk: float = 0.0
    dollars_opportunity: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


class Checkpoint:
    """The ``_checkpoint.json`` of an output folder: run identity plus the completed chunk prefix."""

    def __init__(self, out_dir: Path, identity: dict[str, Any]) -> None:
        self.path = out_dir / CHECKPOINT
        self.parts_dir = out_dir / PARTS
        self.identity = identity
        self.chunks: list[dict[str, Any]] = []
        self.engine_id: str | None = None
        self.complete = False
        self.tail_bad: list[dict[str, Any]] = []

    def load(self) -> bool:
        """Read an existing checkpoint; returns False when there is none.

        Raises:
            CheckpointMismatchError: the checkpoint was written for another input, chunk size, engine or schema.
        """
        if not self.path.exists():
            return False
        saved = json.loads(self.path.read_text(encoding="utf-8"))
        for key, new in self.identity.items():
            old = saved.get("identity", {}).get(key)
            if old != new:
                raise CheckpointMismatchError("BAT001", out=self.path.parent, what=key, old=old, new=new)
        self.engine_id = saved.get("engine_id")
        self.complete = bool(saved.get("complete"))
        self.tail_bad = list(saved.get("tail_bad", []))
        # Keep the prefix of chunks whose parts are intact; anything after the first bad part is redone.
        for position, chunk in enumerate(saved.get("chunks", [])):
            part = self.parts_dir / chunk["part"]
            if chunk["index"] != position or not part.is_file() or file_sha256(part) != chunk["sha256"]:
                self.complete = False
                break
            self.chunks.append(chunk)
        return True

    def save(self) -> None:
        write_json_atomic(
            self.path,
            {
                "version": CHECKPOINT_VERSION,
                "identity": self.identity,
                "engine_id": self.engine_id,
                "complete": self.complete,
                "chunks": self.chunks,
                "tail_bad": self.tail_bad,
            },
        )

    @property
    def done_encounters(self) -> int:
        return sum(int(c["count"]) for c in self.chunks)


def _bad_dict(bad: BadRecord) -> dict[str, Any]:
    return {"source": bad.source, "line": bad.line, "reason": bad.reason}


class LocalBatchRunner:
    """Audit an encounter file of any size on this machine, in chunks, with checkpoints.

    Workers are started with ``spawn`` (no inherited threads or locks), so a script that runs this must do so under
    ``if __name__ == "__main__":``; the ``medcode`` command already does.

    Args:
        input_path: JSONL, CSV, Parquet or FHIR R4 (NDJSON or Bundle) file.
        out_dir: output folder (created; a checkpoint in it is resumed unless ``resume`` is False).
        engine_spec: ``module:function`` building the audit engine in each worker.
        chunk_size: encounters per chunk (and per part file and checkpoint).
        workers: worker processes; 0 audits in this process (tests, debugging).
        resume: continue from an existing checkpoint; False discards it and starts over.
        progress: show a progress bar with rate and ETA on stderr.
        write_jsonl: also write ``audit.jsonl`` at the end.
        input_format: override the detected format.
    """

    def __init__(
        self,
        input_path: str | Path,
        out_dir: str | Path,
        *,
        engine_spec: str = DEFAULT_ENGINE_SPEC,
        chunk_size: int = 500,
        workers: int = 2,
        resume: bool = True,
        progress: bool = True,
        write_jsonl: bool = True,
        input_format: InputFormat | None = None,
    ) -> None:
        if chunk_size < 1:
            raise ValueError(f"The 'chunk_size' parameter of LocalBatchRunner must be >= 1. Got {chunk_size!r}.")
        if workers < 0:
            raise ValueError(f"The 'workers' parameter of LocalBatchRunner must be >= 0. Got {workers!r}.")
        self.input_path = Path(input_path)
        self.out_dir = Path(out_dir)
        self.engine_spec = engine_spec
        self.chunk_size = chunk_size
        self.workers = workers
        self.resume = resume
        self.progress = progress
        self.write_jsonl = write_jsonl
        self.input_format = input_format

    # -- the run ---------------------------------------------------------------------------------------------
    def run(self) -> BatchSummary:
        """Audit the input (or its remainder), merge the parts and write the summary."""
        if not self.input_path.is_file():
            raise FileNotFoundError(f"No input file at {self.input_path.resolve()}: check the path.")
        fmt = self.input_format or sniff_format(self.input_path)
        print_ = fingerprint(self.input_path)
        identity = {
            "input_size": print_.size,
            "input_sha256": print_.head_tail_sha256,
            "format": fmt,
            "chunk_size": self.chunk_size,
            "engine_spec": self.engine_spec,
            "schema": SCHEMA_ID,
        }
        self.out_dir.mkdir(parents=True, exist_ok=True)
        checkpoint = Checkpoint(self.out_dir, identity)
        if self.resume:
            checkpoint.load()
        elif checkpoint.path.exists():
            checkpoint.path.unlink()
        checkpoint.parts_dir.mkdir(exist_ok=True)
        if not checkpoint.chunks:  # a fresh start: parts of an earlier, discarded run must not linger
            for stale in checkpoint.parts_dir.glob("part-*.parquet"):
                stale.unlink()
        resumed = len(checkpoint.chunks)
        started = time.perf_counter()
        audited = 0
        if not checkpoint.complete:
            audited = self._audit(fmt, checkpoint)
        seconds = time.perf_counter() - started
        return self._finalize(checkpoint, resumed, audited, seconds)

    def _chunks(self, fmt: InputFormat, checkpoint: Checkpoint) -> Iterator[tuple[int, int, list[Encounter]]]:
        """(chunk index, first input position, encounters) after the checkpointed prefix; bad records are attached
        to the chunk being filled (so a resume never reports them twice)."""
        self._pending_bad: list[dict[str, Any]] = []
        skip = checkpoint.done_encounters
        skipping = skip > 0

        def on_bad(bad: BadRecord) -> None:
            if not skipping:
                self._pending_bad.append(_bad_dict(bad))

        stream = iter_input(self.input_path, fmt, on_bad)
        position = 0
        for _ in range(skip):
            if next(stream, None) is None:
                break
            position += 1
        skipping = False
        index = len(checkpoint.chunks)
        while True:
            encounters: list[Encounter] = []
            for encounter in stream:
                encounters.append(encounter)
                if len(encounters) == self.chunk_size:
                    break
            if not encounters:
                return
            yield index, position, encounters
            index += 1
            position += len(encounters)

    def _audit(self, fmt: InputFormat, checkpoint: Checkpoint) -> int:
        total = count_records(self.input_path, fmt)
        bar = self._bar(total, checkpoint.done_encounters)
        audited = 0
        pending: deque[tuple[dict[str, Any], Future[ChunkDone] | ChunkDone]] = deque()

        def finish(meta: dict[str, Any], outcome: Future[ChunkDone] | ChunkDone) -> None:
            nonlocal audited
            done = outcome.result() if isinstance(outcome, Future) else outcome
            if checkpoint.engine_id is None:
                checkpoint.engine_id = done.engine_id
            elif checkpoint.engine_id != done.engine_id:
                raise CheckpointMismatchError(
                    "BAT001", out=self.out_dir, what="engine_id", old=checkpoint.engine_id, new=done.engine_id
                )
            meta.update(part=done.part, sha256=done.sha256, errors=done.errors, flags=done.flags)
            checkpoint.chunks.append(meta)
            checkpoint.save()
            audited += done.rows
            if bar is not None:
                bar.update(done.rows)

        pool: ProcessPoolExecutor | None = None
        if self.workers > 0:
            pool = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
                initargs=(self.engine_spec,),
            )
        try:
            for index, first, encounters in self._chunks(fmt, checkpoint):
                bad, self._pending_bad = self._pending_bad, []
                meta: dict[str, Any] = {"index": index, "first": first, "count": len(encounters), "bad": bad}
                task = ChunkTask(index, first, encounters, checkpoint.parts_dir / f"part-{index:06d}.parquet")
                if pool is None:
                    finish(meta, run_chunk(task, self.engine_spec))
                    continue
                pending.append((meta, pool.submit(run_chunk, task)))
                while len(pending) >= 2 * self.workers:
                    finish(*pending.popleft())
            while pending:
                finish(*pending.popleft())
            checkpoint.tail_bad = self._pending_bad
            checkpoint.complete = True
            checkpoint.save()
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
            if bar is not None:
                bar.close()
        return audited

    def _bar(self, total: int | None, initial: int) -> Any:
        if not self.progress:
            return None
        from tqdm import tqdm

        return tqdm(total=total, initial=initial, unit="enc", desc="audit", smoothing=0.05, dynamic_ncols=True)

    # -- outputs ---------------------------------------------------------------------------------------------
    def _finalize(self, checkpoint: Checkpoint, resumed: int, audited: int, seconds: float) -> BatchSummary:
        bad = [b for chunk in checkpoint.chunks for b in chunk.get("bad", [])] + checkpoint.tail_bad
        parts = [checkpoint.parts_dir / c["part"] for c in checkpoint.chunks]
        outputs = merge_parts(parts, self.out_dir, write_jsonl=self.write_jsonl)
        with (self.out_dir / "bad_records.jsonl").open("w", encoding="utf-8") as handle:
            for record in bad:
                handle.write(json.dumps(record, sort_keys=True) + "\n")
        outputs["bad_records"] = "bad_records.jsonl"
        stats = table_stats(self.out_dir / "audit.parquet")
        summary = BatchSummary(
            out_dir=str(self.out_dir),
            engine="local",
            engine_id=checkpoint.engine_id or "",
            encounters=stats["encounters"],
            bad_records=len(bad),
            errors=stats["errors"],
            flags=stats["flags"],
            chunks=len(checkpoint.chunks),
            resumed_chunks=resumed,
            audited_this_run=audited,
            seconds=round(seconds, 3),
            encounters_per_second=round(audited / seconds, 2) if seconds > 0 and audited else 0.0,
            flags_by_type=stats["flags_by_type"],
            dollars_at_risk=stats["dollars_at_risk"],
            dollars_opportunity=stats["dollars_opportunity"],
            outputs=outputs,
        )
        write_json_atomic(self.out_dir / "summary.json", summary.to_dict())
        return summary


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    for name in JSON_COLUMNS:
        if out.get(name) is not None:
            out[name] = json.loads(out[name])
    return out


def flag_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per flag (``flags.parquet``) from output rows."""
    from datasets.schema import FLAG_FIRST_KEY

    flat: list[dict[str, Any]] = []
    for row in rows:
        for flag in json.loads(row["flags"] or "[]"):
            first = FLAG_FIRST_KEY.get(flag.get("type", ""), "code")
            key = flag.get(first) if first else flag.get("billed")
            impact = flag.get("dollar_impact") or {}
            flat.append(
                {
                    "input_index": row["input_index"],
                    "encounter_id": row["encounter_id"],
                    "patient_id": row.get("patient_id"),
                    "provider_id": row.get("provider_id"),
                    "type": flag.get("type"),
                    "key": None if key is None else str(key),
                    "severity": flag.get("severity"),
                    "confidence": flag.get("confidence"),
                    "impact_usd": impact.get("amount"),
                    "direction": impact.get("direction"),
                    "explanation": flag.get("explanation"),
                }
            )
    return flat


def merge_parts(parts: list[Path], out_dir: Path, *, write_jsonl: bool = True) -> dict[str, str]:
    """Merge part files, in order, into ``audit.parquet`` (+ ``audit.jsonl``) and ``flags.parquet``; one part in
    memory at a time. Files are written under temporary names and renamed when complete."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    targets = {"audit": out_dir / "audit.parquet", "flags": out_dir / "flags.parquet"}
    tmp = {name: path.with_name(f".{path.name}.tmp") for name, path in targets.items()}
    jsonl_path = out_dir / "audit.jsonl"
    jsonl_tmp = jsonl_path.with_name(f".{jsonl_path.name}.tmp")
    audit_writer = pq.ParquetWriter(tmp["audit"], output_schema(), compression="zstd")
    flags_writer = pq.ParquetWriter(tmp["flags"], flag_schema(), compression="zstd")
    jsonl = jsonl_tmp.open("w", encoding="utf-8") if write_jsonl else None
    try:
        for part in parts:
            table = pq.read_table(part, schema=output_schema())
            audit_writer.write_table(table)
            rows = table.to_pylist()
            flags = flag_rows(rows)
            if flags:
                flags_writer.write_table(pa.Table.from_pylist(flags, schema=flag_schema()))
            if jsonl is not None:
                for row in rows:
                    jsonl.write(json.dumps(_decoded(row), sort_keys=True, ensure_ascii=False) + "\n")
    finally:
        audit_writer.close()
        flags_writer.close()
        if jsonl is not None:
            jsonl.close()
    for name, path in targets.items():
        os.replace(tmp[name], path)
    outputs = {"audit": "audit.parquet", "flags": "flags.parquet"}
    if write_jsonl:
        os.replace(jsonl_tmp, jsonl_path)
        outputs["audit_jsonl"] = "audit.jsonl"
    return outputs


def table_stats(path: Path) -> dict[str, Any]:
    """Counts and dollar totals of an ``audit.parquet`` file or Spark directory (streamed in batches)."""
    import pyarrow.dataset as ds

    stats: dict[str, Any] = {
        "encounters": 0,
        "errors": 0,
        "flags": 0,
        "dollars_at_risk": 0.0,
        "dollars_opportunity": 0.0,
    }
    by_type: Counter[str] = Counter()
    columns = ["status", "n_flags", "dollars_at_risk", "dollars_opportunity", "flags"]
    for batch in ds.dataset(str(path), format="parquet").to_batches(columns=columns, batch_size=4096):
        data = batch.to_pydict()
        stats["encounters"] += batch.num_rows
        stats["errors"] += sum(s != "ok" for s in data["status"])
        stats["flags"] += sum(n or 0 for n in data["n_flags"])
        stats["dollars_at_risk"] += sum(v or 0.0 for v in data["dollars_at_risk"])
        stats["dollars_opportunity"] += sum(v or 0.0 for v in data["dollars_opportunity"])
        for flags in data["flags"]:
            by_type.update(f.get("type", "?") for f in json.loads(flags or "[]"))
    stats["dollars_at_risk"] = round(stats["dollars_at_risk"], 2)
    stats["dollars_opportunity"] = round(stats["dollars_opportunity"], 2)
    stats["flags_by_type"] = dict(sorted(by_type.items()))
    return stats


def run_local(input_path: str | Path, out_dir: str | Path, **options: Any) -> BatchSummary:
    """Shorthand for ``LocalBatchRunner(input_path, out_dir, **options).run()``."""
    return LocalBatchRunner(input_path, out_dir, **options).run()


__all__ = ["BatchError", "BatchSummary", "Checkpoint", "LocalBatchRunner", "merge_parts", "run_local"]
