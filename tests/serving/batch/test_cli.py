"""``medcode audit``: batch mode for a folder or --engine (with resume and report), single-file mode otherwise."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from evaluation.report import SECTIONS, section_ids
from serving.cli.batch import is_batch
from serving.cli.main import app
from tests.serving.batch.data import encounters, write_jsonl

STUB = "tests.serving.batch.stub_engine:make_engine"
runner = CliRunner()


def test_cli_audit_batch_mode_is_chosen_by_folder_or_engine(tmp_path: Path) -> None:
    assert is_batch(tmp_path, None)
    assert is_batch(tmp_path / "new_folder", None)
    assert is_batch(tmp_path / "out.jsonl", "local")
    assert not is_batch(tmp_path / "out.jsonl", None)


def test_cli_audit_batch_writes_outputs_gaps_and_report_then_resumes(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(30, bad_every=10))
    args = ["audit", str(inp), "--out", str(tmp_path / "out"), "--engine", "local", "--engine-factory", STUB]
    args += ["--workers", "0", "--chunk-size", "10", "--no-progress", "--report", str(tmp_path / "r.html")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    for name in ("audit.parquet", "audit.jsonl", "flags.parquet", "summary.json", "hcc_gaps.jsonl"):
        assert (tmp_path / "out" / name).is_file(), name
    assert list(section_ids((tmp_path / "r.html").read_text())) == [s for s, _ in SECTIONS]
    again = runner.invoke(app, args)
    assert again.exit_code == 0, again.output
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["resumed_chunks"] == summary["chunks"] == 3 and summary["audited_this_run"] == 0


def test_cli_audit_single_file_with_the_real_engine_and_a_report(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(12))
    out = tmp_path / "audits.jsonl"
    result = runner.invoke(app, ["audit", str(inp), "--out", str(out), "--report", str(tmp_path / "r.html")])
    assert result.exit_code == 0, result.output
    assert len(out.read_text().splitlines()) == 12
    assert list(section_ids((tmp_path / "r.html").read_text())) == [s for s, _ in SECTIONS]


def test_cli_audit_refuses_an_unknown_engine(tmp_path: Path) -> None:
    inp = write_jsonl(tmp_path / "in.jsonl", encounters(2))
    result = runner.invoke(app, ["audit", str(inp), "--out", str(tmp_path / "o"), "--engine", "dask"])
    assert result.exit_code == 2
    assert "--engine must be 'local' or 'spark'" in result.output
