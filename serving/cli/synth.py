"""``medcode synth`` and ``medcode synth-stats``: synthetic encounters with gold labels, billed claims and flags."""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import cast

import typer

from datasets.io import read_encounters
from datasets.synth.generator import PHRASING_CHOICES, Phrasing, SynthConfig, check_family, synthesize
from datasets.synth.knowledge import default_knowledge
from datasets.synth.stats import card_figures, card_stats, compare


def synth(
    n: int = typer.Option(1000, "--n", min=0, help="Number of encounters"),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same encounters)"),
    out: Path = typer.Option(..., "--out", help="Output file (.jsonl, .csv or .parquet)"),
    phrasing: str = typer.Option(
        "train",
        "--phrasing",
        help="Phrasing families: train (A-D), heldout (H, for reports), validation (V, W, X, Y: for development), "
        "calibration (Z: for fitting thresholds only) or all",
    ),
    family: str | None = typer.Option(None, "--family", help="Only this family of the --phrasing split, e.g. X"),
    clean_share: float = typer.Option(0.4, "--clean-share", min=0.0, max=1.0, help="Share of correctly billed claims"),
    plant_phi: float = typer.Option(
        0.0, "--plant-phi", min=0.0, max=1.0, help="Share of notes with planted fake identifiers (for PHI tests)"
    ),
    start: str = typer.Option("2024-07-01", "--start", help="First date of service (YYYY-MM-DD)"),
    end: str = typer.Option("2024-12-31", "--end", help="Last date of service (YYYY-MM-DD)"),
) -> None:
    """Write N synthetic outpatient encounters with notes, gold codes, billed claims and expected audit flags."""
    if phrasing not in PHRASING_CHOICES:
        raise typer.BadParameter(f"Unknown phrasing {phrasing!r}; choose one of {', '.join(PHRASING_CHOICES)}.")
    try:
        first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    except ValueError:
        raise typer.BadParameter(f"Dates must be YYYY-MM-DD; got --start {start!r} --end {end!r}.") from None
    config = SynthConfig(
        n=n,
        seed=seed,
        phrasing=cast(Phrasing, phrasing),
        family=family,
        clean_share=clean_share,
        plant_phi=plant_phi,
        start=first,
        end=last,
    )
    try:
        config.validate()
        check_family(config, default_knowledge())
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = synthesize(config, out)
    for warning in caught:
        if str(warning.message).startswith("SYN"):  # ours; third-party deprecation chatter is not for users
            typer.echo(str(warning.message), err=True)
    typer.echo(
        f"Wrote {report.written} encounters to {out} in {report.seconds:.1f} s: {report.flagged} billed claims "
        f"with injected errors, {report.written - report.flagged} clean (seed {seed}, phrasing {phrasing})."
    )


def synth_stats(
    file: Path = typer.Argument(..., help="Encounter file written by 'medcode synth'"),
    check: Path | None = typer.Option(
        None, "--check", help="Data card whose embedded figures must match (e.g. datasets/README.md)"
    ),
) -> None:
    """Print the data-card figures of a synthetic file as JSON, or check them against a data card."""
    fresh = card_stats(read_encounters(file, on_error="raise"))
    if check is None:
        typer.echo(json.dumps(fresh, indent=2))
        return
    diffs = compare(card_figures(check), fresh)
    if diffs:
        typer.echo(f"{len(diffs)} figure(s) of {check} differ from {file}:", err=True)
        for line in diffs:
            typer.echo(f"  {line}", err=True)
        raise typer.Exit(code=1)
    typer.echo(f"All figures of {check} match {file} ({fresh['n']} encounters).")
