"""``medcode demo``: the main job on a fresh machine; each step says plainly what it did."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings
from pathlib import Path

import typer
from rich.console import Console

from configs.settings import get_settings
from datasets.codesets import CodeSets
from datasets.synth.generator import Phrasing, SynthConfig, synthesize

console = Console()


def _step_codesets() -> None:
    codesets = CodeSets.from_settings()
    for row in codesets.info():
        console.print(f"  {row.name} {row.version}: {row.rows:,} rows ({row.source})")
    if not codesets.has_cms:
        console.print("  CMS tables not found: NCCI, fee schedule and HCPCS checks are unavailable on this machine.")


def _demo_dir() -> Path:
    folder = get_settings().artifacts_dir / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _medcode(*args: str) -> str:
    """Run one ``medcode`` command in a child process (exactly what a user would type) and return its stdout."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "serving.cli.main", *args], capture_output=True, text=True)
    if done.returncode != 0:
        console.print(done.stdout[-2000:], done.stderr[-2000:])
        raise typer.Exit(code=done.returncode)
    console.print(f"  ran `medcode {' '.join(args)}` in {time.perf_counter() - started:.0f} s")
    return done.stdout


def _step_synth() -> None:
    runs: tuple[tuple[str, int, Phrasing], ...] = (("train", 600, "train"), ("heldout", 300, "heldout"))
    for name, n, phrasing in runs:
        target = _demo_dir() / f"synth_{name}.jsonl"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            report = synthesize(SynthConfig(n=n, seed=1 if name == "train" else 2, phrasing=phrasing), target)
        console.print(
            f"  Wrote {report.written} synthetic encounters ({phrasing} phrasing) to {target} in "
            f"{report.seconds:.1f} s: {report.flagged} billed claims carry injected coding errors, "
            f"{report.written - report.flagged} are clean."
        )
        if not report.cms_available:
            console.print(f"  CMS tables not found: no {', '.join(report.skipped_error_types)} errors were injected.")


def _step_train() -> None:
    train = str(_demo_dir() / "synth_train.jsonl")
    for task in ("em", "services"):
        summary = json.loads(_medcode("train", "--task", task, "--data", train))
        console.print(f"  {task}: bundle {summary.get('bundle_dir') or summary.get('bundle')} (MLflow run "
                      f"{summary.get('mlflow_run_id') or summary.get('run_id') or 'not logged'})")  # fmt: skip


def _step_audit() -> None:
    heldout, out = _demo_dir() / "synth_heldout.jsonl", _demo_dir() / "audit"
    report = _demo_dir() / "report.html"
    _medcode("audit", str(heldout), "--out", str(out), "--report", str(report), "--no-resume", "--no-progress")
    console.print(f"  Flags and suggestions per encounter: {out}; HTML report (opens offline): {report}")


def _step_evaluate() -> None:
    metrics_path = _demo_dir() / "audit_metrics.json"
    _medcode("evaluate", "--task", "audit", "--data", str(_demo_dir() / "synth_heldout.jsonl"), "--out",
             str(metrics_path))  # fmt: skip
    metrics = json.loads(metrics_path.read_text())
    console.print(
        f"  Audit on the held-out phrasing family: micro precision {metrics['micro_precision']:.3f}, micro recall "
        f"{metrics['micro_recall']:.3f}, clean-claim specificity {metrics['clean_claim_specificity']:.3f} "
        f"(n={metrics['n']}); per-type figures in {metrics_path}"
    )


STEPS = [
    ("Load and index the code sets", _step_codesets),
    ("Synthesize encounters: a training set and a held-out phrasing family", _step_synth),
    ("Train the E/M confidence and service models (ONNX bundles, MLflow)", _step_train),
    ("Audit the held-out claims and write the HTML report", _step_audit),
    ("Evaluate the audit against the injected errors", _step_evaluate),
]


def demo() -> None:
    """Synthesize, train, audit and report end to end on this machine, saying what each step did."""
    for number, (title, step) in enumerate(STEPS, start=1):
        console.print(f"[bold]{number}. {title}[/bold]")
        step()
    console.print(f"Demo finished: {len(STEPS)} steps ran; outputs are in {_demo_dir()}.")
