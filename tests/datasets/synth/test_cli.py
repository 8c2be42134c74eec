"""``medcode synth`` and ``medcode synth-stats`` end to end on a small set."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from datasets.io import read_encounters
from serving.cli.main import app

runner = CliRunner()


def test_cli_synth_writes_the_requested_encounters(tmp_path) -> None:
    out = tmp_path / "synth.jsonl"
    result = runner.invoke(app, ["synth", "--n", "25", "--seed", "3", "--out", str(out), "--plant-phi", "0.3"])
    assert result.exit_code == 0, result.output
    assert "Wrote 25 encounters" in result.output
    encounters = list(read_encounters(out, on_error="raise"))
    assert len(encounters) == 25
    assert any((e.model_extra or {})["planted_phi"] for e in encounters)


def test_cli_synth_rejects_an_unknown_phrasing(tmp_path) -> None:
    result = runner.invoke(app, ["synth", "--n", "1", "--out", str(tmp_path / "x.jsonl"), "--phrasing", "nope"])
    assert result.exit_code != 0
    assert "Unknown phrasing 'nope'" in result.output


def test_cli_synth_stats_prints_and_checks_figures(tmp_path) -> None:
    out = tmp_path / "synth.jsonl"
    assert runner.invoke(app, ["synth", "--n", "30", "--seed", "4", "--out", str(out)]).exit_code == 0
    result = runner.invoke(app, ["synth-stats", str(out)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert figures["n"] == 30
    card = tmp_path / "README.md"
    card.write_text(
        "# card\n<!-- synth-stats:begin -->\n```json\n" + json.dumps(figures) + "\n```\n<!-- synth-stats:end -->\n"
    )
    assert runner.invoke(app, ["synth-stats", str(out), "--check", str(card)]).exit_code == 0
    figures["n"] = 31
    card.write_text(
        "# card\n<!-- synth-stats:begin -->\n```json\n" + json.dumps(figures) + "\n```\n<!-- synth-stats:end -->\n"
    )
    failed = runner.invoke(app, ["synth-stats", str(out), "--check", str(card)])
    assert failed.exit_code == 1
    assert "n: card 31 != fresh 30" in failed.output
