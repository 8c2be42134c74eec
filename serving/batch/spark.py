"""The batch audit as a PySpark job: Parquet in, the same audit per encounter, Parquet out.

The input is staged once into Parquet with two columns, ``input_index`` (position among the valid encounters, as
the local runner numbers them) and ``record`` (the encounter as JSON). A staged file (or any Parquet with those two
columns) is read directly, so on a cluster stage once onto shared storage and point every run at it. The job
range-partitions by ``input_index``, audits each partition with ``mapInArrow`` — every Python worker process builds
the audit engine (and its ONNX sessions) once, lazily, and reuses it for every batch it is given — and writes
``audit.parquet/`` (a Spark directory of parts, rows in input order) with the schema of
:mod:`serving.batch.schema`, then derives ``flags.parquet/`` from it. Because both engines call
:func:`serving.batch.engine.audit_indexed` with the same engine, the rows equal the local runner's row for row.

The same code runs on ``local[*]`` (CI) and unchanged on a cluster (``--master spark://...``, ``yarn``, ``k8s://``):
ship medcode to the executors as an installed package (or ``--py-files``) and use paths every executor can read.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from datasets.io import BadRecord, parse_record
from serving.batch.engine import DEFAULT_ENGINE_SPEC, audit_indexed, engine_for
from serving.batch.errors import BatchError
from serving.batch.inputs import InputFormat, iter_input, sniff_format
from serving.batch.schema import FLAG_COLUMNS, flag_schema, output_schema, rows_to_table, spark_ddl

STAGED_COLUMNS = ("input_index", "record")


def is_staged(path: Path) -> bool:
    """True when ``path`` is Parquet (file or directory) with exactly the staged columns."""
    if path.suffix.lower() not in (".parquet", ".pq") and not path.is_dir():
        return False
    import pyarrow.dataset as ds

    try:
        names = ds.dataset(path, format="parquet").schema.names
    except (OSError, ValueError):
        return False
    return tuple(names) == STAGED_COLUMNS


def stage_input(
    input_path: Path,
    staged_path: Path,
    *,
    input_format: InputFormat | None = None,
    rows_per_group: int = 1000,
    on_bad: Callable[[BadRecord], None] | None = None,
) -> int:
    """Stream any input the local runner reads into the staged Parquet layout; returns the encounters written.

    Bad records are skipped (and passed to ``on_bad``) exactly as the local runner skips them, so ``input_index``
    means the same thing in both engines.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = pa.schema([("input_index", pa.int64()), ("record", pa.string())])
    fmt = input_format or sniff_format(input_path)
    staged_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = staged_path.with_name(f".{staged_path.name}.tmp")
    written = 0
    buffer: list[str] = []
    with pq.ParquetWriter(tmp, schema, compression="zstd") as writer:

        def flush() -> None:
            nonlocal written
            if buffer:
                indexes = list(range(written, written + len(buffer)))
                writer.write_table(pa.table({"input_index": indexes, "record": buffer}, schema=schema))
                written += len(buffer)
                buffer.clear()

        for encounter in iter_input(input_path, fmt, on_bad):
            buffer.append(json.dumps(encounter.to_json_dict(), ensure_ascii=False, sort_keys=True))
            if len(buffer) >= rows_per_group:
                flush()
        flush()
    os.replace(tmp, staged_path)
    return written


def audit_arrow_batches(spec: str) -> Callable[[Iterator[Any]], Iterator[Any]]:
    """The ``mapInArrow`` function: staged record batches in, output record batches out.

    The engine is fetched with :func:`serving.batch.engine.engine_for`, so each Python worker process builds it
    once and keeps it for every partition it runs.
    """

    def run(batches: Iterator[Any]) -> Iterator[Any]:
        engine = engine_for(spec)
        for batch in batches:
            data = batch.to_pydict()
            rows: list[dict[str, Any]] = []
            for index, record in zip(data["input_index"], data["record"], strict=True):
                try:
                    encounter = parse_record(json.loads(record))
                except ValueError as error:  # a hand-made staged file with a bad record: report it as a row
                    rows.append({"input_index": index, "status": "error", "error": f"bad record: {error}"})
                    continue
                rows.extend(audit_indexed(engine, [(index, encounter)]))
            yield from rows_to_table(rows).to_batches()

    return run


def flag_arrow_batches(batches: Iterator[Any]) -> Iterator[Any]:
    """The ``mapInArrow`` function deriving ``flags.parquet`` rows from output rows."""
    import pyarrow as pa

    from serving.batch.local import flag_rows

    for batch in batches:
        flags = flag_rows(batch.to_pylist())
        if flags:
            yield from pa.Table.from_pylist(flags, schema=flag_schema()).to_batches()


@dataclass
class SparkSummary:
    """The outcome of a Spark batch run (also written to ``summary.json``)."""

    out_dir: str
    engine: str
    master: str
    partitions: int
    encounters: int
    bad_records: int
    errors: int
    flags: int
    seconds: float
    stage_seconds: float
    encounters_per_second: float
    flags_by_type: dict[str, int] = field(default_factory=dict)
    dollars_at_risk: float = 0.0
    dollars_opportunity: float = 0.0
    outputs: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def spark_session(master: str, *, app_name: str = "medcode-batch-audit", batch_rows: int = 500) -> Any:
    """A Spark session for the batch job; on ``local[...]`` it binds to 127.0.0.1 and needs no network.

    Raises:
        BatchError: ``BAT004`` when Java or pyspark is missing.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as error:
        raise BatchError("BAT004", reason=f"pyspark is not installed: {error}") from error
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    if master.startswith("local"):
        # Executors of a local master are child processes of this one: let them import what the driver imports.
        paths = [p for p in sys.path if p and Path(p).is_dir()]
        current = os.environ.get("PYTHONPATH", "")
        os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys([*current.split(os.pathsep), *paths]).keys()).strip(
            os.pathsep
        )
    builder = (
        SparkSession.builder.master(master)
        .appName(app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.maxRecordsPerBatch", str(batch_rows))
        .config("spark.python.worker.reuse", "true")
        .config("spark.sql.adaptive.enabled", "false")
    )
    if master.startswith("local"):
        builder = builder.config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
    try:
        session = builder.getOrCreate()
    except Exception as error:  # JVM missing or failing to start
        raise BatchError("BAT004", reason=f"{type(error).__name__}: {str(error)[:200]}") from error
    session.sparkContext.setLogLevel("WARN")
    return session


def run_spark(
    input_path: str | Path,
    out_dir: str | Path,
    *,
    master: str = "local[*]",
    engine_spec: str = DEFAULT_ENGINE_SPEC,
    partitions: int | None = None,
    batch_rows: int = 500,
    input_format: InputFormat | None = None,
    session: Any = None,
) -> SparkSummary:
    """Audit ``input_path`` with Spark and write ``audit.parquet/``, ``flags.parquet/`` and ``summary.json``.

    Args:
        input_path: any input the local runner reads, or an already staged Parquet (used as is).
        out_dir: output folder (``audit.parquet`` and ``flags.parquet`` are overwritten).
        master: Spark master URL (``local[2]``, ``spark://host:7077``, ``yarn``...).
        engine_spec: ``module:function`` building the audit engine on each Python worker.
        partitions: audit tasks; default 4 per core of the master.
        batch_rows: rows per Arrow batch handed to the engine.
        input_format: override the detected format of a non-staged input.
        session: an existing SparkSession to use (its master wins; it is not stopped).
    """
    from serving.batch.local import table_stats, write_json_atomic

    source = Path(input_path)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    bad: list[dict[str, Any]] = []
    if is_staged(source):
        staged = source
    else:
        staged = out / "_staging" / "input.parquet"
        stage_input(
            source,
            staged,
            input_format=input_format,
            on_bad=lambda b: bad.append({"source": b.source, "line": b.line, "reason": b.reason}),
        )
    stage_seconds = time.perf_counter() - started
    own_session = session is None
    spark = session if session is not None else spark_session(master, batch_rows=batch_rows)
    try:
        audit_started = time.perf_counter()
        frame = spark.read.parquet(str(staged))
        n_parts = partitions or max(1, 4 * spark.sparkContext.defaultParallelism)
        audited = (
            frame.repartitionByRange(n_parts, "input_index")
            .mapInArrow(audit_arrow_batches(engine_spec), spark_ddl())
            .sortWithinPartitions("input_index")
        )
        audited.write.mode("overwrite").parquet(str(out / "audit.parquet"))
        seconds = time.perf_counter() - audit_started
        flag_ddl = ", ".join(
            f"`{name}` {'BIGINT' if kind == 'int64' else 'DOUBLE' if kind == 'float64' else 'STRING'}"
            for name, kind in FLAG_COLUMNS
        )
        (
            spark.read.parquet(str(out / "audit.parquet"))
            .mapInArrow(flag_arrow_batches, flag_ddl)
            .write.mode("overwrite")
            .parquet(str(out / "flags.parquet"))
        )
        used_master = spark.sparkContext.master
    finally:
        if own_session:
            spark.stop()
    with (out / "bad_records.jsonl").open("w", encoding="utf-8") as handle:
        for record in bad:
            handle.write(json.dumps(record, sort_keys=True) + "\n")
    stats = table_stats(out / "audit.parquet")
    summary = SparkSummary(
        out_dir=str(out),
        engine="spark",
        master=used_master,
        partitions=n_parts,
        encounters=stats["encounters"],
        bad_records=len(bad),
        errors=stats["errors"],
        flags=stats["flags"],
        seconds=round(seconds, 3),
        stage_seconds=round(stage_seconds, 3),
        encounters_per_second=round(stats["encounters"] / seconds, 2) if seconds > 0 else 0.0,
        flags_by_type=stats["flags_by_type"],
        dollars_at_risk=stats["dollars_at_risk"],
        dollars_opportunity=stats["dollars_opportunity"],
        outputs={"audit": "audit.parquet", "flags": "flags.parquet", "bad_records": "bad_records.jsonl"},
    )
    write_json_atomic(out / "summary.json", summary.to_dict())
    return summary


def read_audit_table(path: str | Path) -> Any:
    """An output ``audit.parquet`` (a file from the local runner or a Spark directory) as one pyarrow table in
    input order, with the schema of :func:`serving.batch.schema.output_schema`."""
    import pyarrow.dataset as ds

    table = ds.dataset(str(path), format="parquet", schema=output_schema()).to_table()
    return table.sort_by("input_index")
