from __future__ import annotations

import pytest
import typer
from typer.main import get_command
from typer.testing import CliRunner

from serving.cli.main import app

runner = CliRunner()


def _command_paths(command: object, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for name, sub in getattr(command, "commands", {}).items():
        paths.extend(_command_paths(sub, (*prefix, name)))
    return paths


@pytest.mark.parametrize("path", _command_paths(get_command(app)), ids=lambda p: " ".join(p) or "medcode")
def test_cli_every_command_has_help(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_cli_codesets_info_lists_icd_and_hcc() -> None:
    result = runner.invoke(app, ["codesets", "info"], terminal_width=200)
    assert result.exit_code == 0, result.output
    assert "ICD-10-CM" in result.output and "CMS-HCC V28" in result.output


def test_cli_codesets_refresh_reports_a_missing_folder(tmp_path: object) -> None:
    result = runner.invoke(app, ["codesets", "refresh", "--from", "/no/such/folder"])
    assert result.exit_code == 2
    assert "No folder" in result.output


def test_cli_is_a_typer_app() -> None:
    assert isinstance(app, typer.Typer)
