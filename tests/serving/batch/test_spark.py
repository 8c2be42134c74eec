"""The Spark engine: same rows as the local engine for the same input, on local[2] (quick: a few hundred)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from serving.batch.local import run_local
from serving.batch.schema import output_schema
from serving.batch.spark import is_staged, read_audit_table, run_spark, stage_input
from tests.serving.batch.data import encounters, write_jsonl

STUB = "tests.serving.batch.stub_engine:make_engine"

pytestmark = pytest.mark.skipif(shutil.which("java") is None, reason="Spark needs Java 17 (.ci/run installs it)")


def test_spark_stage_input_numbers_valid_encounters_like_the_local_runner(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(25, bad_every=5))
    bad: list[object] = []
    written = stage_input(inp, tmp_path / "staged.parquet", on_bad=bad.append)
    assert written == 20 and len(bad) == 5
    assert is_staged(tmp_path / "staged.parquet") and not is_staged(inp)


def test_spark_output_equals_local_output_row_for_row(tmp_path: Path) -> None:
    records = encounters(240, bad_every=17)
    records[5]["encounter_id"] = "E-boom"  # an engine failure is an error row in both engines
    inp = write_jsonl(tmp_path / "in.jsonl", records)
    local = run_local(inp, tmp_path / "local", engine_spec=STUB, chunk_size=50, workers=0, progress=False)
    spark = run_spark(inp, tmp_path / "spark", master="local[2]", engine_spec=STUB, partitions=4)
    assert spark.encounters == local.encounters == 240 - 14
    assert spark.bad_records == local.bad_records == 14
    assert spark.errors == local.errors == 1
    left = read_audit_table(tmp_path / "local" / "audit.parquet")
    right = read_audit_table(tmp_path / "spark" / "audit.parquet")
    assert right.schema.equals(output_schema())
    assert left.column("input_index").to_pylist() == list(range(226))
    assert left.equals(right)
    assert read_audit_table is not None and (tmp_path / "spark" / "flags.parquet").is_dir()
