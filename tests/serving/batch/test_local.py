"""The local batch runner: order, bad records, engine errors, formats, checkpoints and resume after a kill."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from serving.batch.errors import CheckpointMismatchError
from serving.batch.local import CHECKPOINT, LocalBatchRunner
from serving.batch.schema import COLUMN_NAMES
from tests.serving.batch.data import encounters, write_format, write_jsonl

STUB = "tests.serving.batch.stub_engine:make_engine"
ROOT = Path(__file__).resolve().parents[3]


def _run(inp: Path, out: Path, **options: object):
    settings: dict[str, object] = {"engine_spec": STUB, "chunk_size": 7, "workers": 0, "progress": False}
    settings.update(options)
    return LocalBatchRunner(inp, out, **settings).run()  # type: ignore[arg-type]


def test_local_runner_writes_one_row_per_encounter_in_input_order(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(30))
    summary = _run(inp, tmp_path / "out")
    table = pq.read_table(tmp_path / "out" / "audit.parquet")
    assert table.column_names == list(COLUMN_NAMES)
    assert table.column("input_index").to_pylist() == list(range(30))
    assert table.column("encounter_id").to_pylist() == [f"E{i:06d}" for i in range(30)]
    assert summary.encounters == 30 and summary.chunks == 5
    lines = (tmp_path / "out" / "audit.jsonl").read_text().splitlines()
    assert [json.loads(line)["encounter_id"] for line in lines] == [f"E{i:06d}" for i in range(30)]
    flags = pq.read_table(tmp_path / "out" / "flags.parquet")
    assert flags.num_rows == summary.flags > 0


def test_local_runner_reports_each_bad_record_once(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(40, bad_every=8))
    summary = _run(inp, tmp_path / "out")
    bad = [json.loads(line) for line in (tmp_path / "out" / "bad_records.jsonl").read_text().splitlines()]
    assert [b["line"] for b in bad] == [8, 16, 24, 32, 40]
    assert summary.encounters == 35 and summary.bad_records == 5


def test_local_runner_turns_an_engine_failure_into_an_error_row(tmp_path: Path) -> None:
    records = encounters(10)
    records[3]["encounter_id"] = "E-boom"
    summary = _run(write_jsonl(tmp_path / "in.jsonl", records), tmp_path / "out")
    rows = pq.read_table(tmp_path / "out" / "audit.parquet").to_pylist()
    assert summary.errors == 1 and len(rows) == 10
    assert rows[3]["status"] == "error" and rows[3]["error"] == "RuntimeError"
    assert all(r["status"] == "ok" for i, r in enumerate(rows) if i != 3)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_local_runner_reads_csv_and_parquet_like_jsonl(tmp_path: Path, suffix: str) -> None:
    records = encounters(20)
    jsonl = _run(write_jsonl(tmp_path / "in.jsonl", records), tmp_path / "a")
    other = _run(write_format(tmp_path / f"in{suffix}", records), tmp_path / "b")
    assert other.encounters == jsonl.encounters == 20
    left = pq.read_table(tmp_path / "a" / "audit.parquet")
    right = pq.read_table(tmp_path / "b" / "audit.parquet")
    assert left.equals(right)


def test_local_runner_reads_fhir_ndjson(tmp_path: Path) -> None:
    fixture = ROOT / "tests" / "fixtures" / "fhir" / "bundles.ndjson"
    summary = _run(fixture, tmp_path / "out")
    assert summary.encounters >= 1
    assert pq.read_table(tmp_path / "out" / "audit.parquet").num_rows == summary.encounters


def test_local_runner_uses_a_worker_pool_with_the_same_output(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(40, bad_every=9))
    _run(inp, tmp_path / "inline")
    _run(inp, tmp_path / "pool", workers=2)
    for name in ("audit.parquet", "flags.parquet", "audit.jsonl", "bad_records.jsonl"):
        assert (tmp_path / "inline" / name).read_bytes() == (tmp_path / "pool" / name).read_bytes(), name


def test_local_runner_redoes_a_corrupt_part_and_what_follows(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(30))
    _run(inp, tmp_path / "clean")
    _run(inp, tmp_path / "out")
    checkpoint = json.loads((tmp_path / "out" / CHECKPOINT).read_text())
    (tmp_path / "out" / "parts" / checkpoint["chunks"][2]["part"]).write_bytes(b"half a file")
    summary = _run(inp, tmp_path / "out")
    assert summary.resumed_chunks == 2 and summary.audited_this_run == 30 - 14
    clean = (tmp_path / "clean" / "audit.parquet").read_bytes()
    assert (tmp_path / "out" / "audit.parquet").read_bytes() == clean


def test_local_runner_refuses_a_checkpoint_of_another_input(tmp_path: Path) -> None:
    _run(write_jsonl(tmp_path / "a.jsonl", encounters(10)), tmp_path / "out")
    with pytest.raises(CheckpointMismatchError, match=r"BAT001: The checkpoint .* \(input_size differs"):
        _run(write_jsonl(tmp_path / "b.jsonl", encounters(12)), tmp_path / "out")
    summary = _run(tmp_path / "b.jsonl", tmp_path / "out", resume=False)
    assert summary.encounters == 12


def test_local_runner_resumes_after_a_kill_with_nothing_lost_or_repeated(tmp_path: Path) -> None:
    """Issue 8: SIGKILL the runner mid-run, resume, and get exactly a clean run's outputs."""
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(160, bad_every=13))
    out = tmp_path / "killed"
    code = (
        "from serving.batch.local import run_local; "
        f"run_local({str(inp)!r}, {str(out)!r}, engine_spec={STUB!r}, chunk_size=8, workers=2, progress=False)"
    )
    env = {**os.environ, "MEDCODE_STUB_DELAY_S": "0.02", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 120
    done = 0
    while time.monotonic() < deadline and process.poll() is None:
        if (out / CHECKPOINT).exists():
            done = len(json.loads((out / CHECKPOINT).read_text())["chunks"])
            if done >= 4:
                break
        time.sleep(0.05)
    assert process.poll() is None, "the runner finished before it could be killed"
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    killed_at = len(json.loads((out / CHECKPOINT).read_text())["chunks"])
    assert 4 <= killed_at < 19
    resumed = _run(inp, out, chunk_size=8)
    assert resumed.resumed_chunks == killed_at
    assert resumed.audited_this_run == resumed.encounters - sum(
        c["count"] for c in json.loads((out / CHECKPOINT).read_text())["chunks"][:killed_at]
    )
    _run(inp, tmp_path / "clean", chunk_size=8)
    for name in ("audit.parquet", "flags.parquet", "audit.jsonl", "bad_records.jsonl"):
        assert (out / name).read_bytes() == (tmp_path / "clean" / name).read_bytes(), name
