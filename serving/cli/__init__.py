"""The ``medcode`` command line: one Typer app, one module per command group."""

from serving.cli.main import app

__all__ = ["app"]
