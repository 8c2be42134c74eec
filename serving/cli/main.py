"""The ``medcode`` console script: registers each command group's Typer app."""

from __future__ import annotations

import typer

from serving.cli import batch, bench, codesets, data, demo, evaluate, feedback, phi, serve, synth, train

app = typer.Typer(
    help="medcode: ML-assisted medical coding suggestions and audit-risk flags.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(codesets.app, name="codesets")
app.add_typer(data.app, name="data")
app.command("phi-scan")(phi.phi_scan)
app.command("demo")(demo.demo)
app.command("bench")(bench.bench)
# Single-file audits run serving/cli/audit.py; a folder --out or --engine runs the batch runner (serving/batch).
app.command("audit")(batch.audit)
app.command("train")(train.train)
app.command("evaluate")(evaluate.evaluate)
app.command("serve")(serve.serve)
app.add_typer(serve.keys_app, name="keys")
app.add_typer(feedback.app, name="feedback")
app.command("synth")(synth.synth)
app.command("synth-stats")(synth.synth_stats)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
