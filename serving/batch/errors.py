"""Stable error codes of the batch runners (``BAT0xx``); every message ends with what to do next."""

from __future__ import annotations

BATCH_ERRORS: dict[str, str] = {
    "BAT001": "The checkpoint in {out} was written for another run ({what} differs: {old!r} != {new!r}). "
    "Audit into a fresh --out folder, or pass --no-resume to discard the checkpoint and start over.",
    "BAT002": "No audit engine could be loaded from {spec!r} ({reason}). Check that models/audit is installed "
    "(bash scripts/setup.sh) or pass --engine-factory module:function.",
    "BAT003": "The output folder {out} holds files that are not a medcode batch output. Choose an empty or new --out "
    "folder.",
    "BAT004": "Spark could not start ({reason}). Install Java 17 (apt-get install -y openjdk-17-jre-headless) and "
    "pyspark (bash scripts/setup.sh), or run with --engine local.",
    "BAT005": "The input {path} is empty or has no valid encounter ({bad} bad records). Check the file and its "
    "bad_records.jsonl.",
}


def batch_message(code: str, **fields: object) -> str:
    """The message of ``code`` with its fields filled in, prefixed with the code (``BAT001: ...``)."""
    return f"{code}: {BATCH_ERRORS[code].format(**fields)}"


class BatchError(RuntimeError):
    """A batch run cannot go on; ``code`` is one of :data:`BATCH_ERRORS`."""

    def __init__(self, code: str, **fields: object) -> None:
        super().__init__(batch_message(code, **fields))
        self.code = code


class CheckpointMismatchError(BatchError, ValueError):
    """A checkpoint belongs to another input, engine or chunk size (``BAT001``)."""
