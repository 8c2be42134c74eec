"""``medcode feedback export``: coders' review decisions as labelled encounters (JSONL) for retraining."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer

app = typer.Typer(help="Coder feedback from the review queue.", no_args_is_help=True)


@app.command("export")
def export(
    out: Path = typer.Option(..., "--out", help="Encounter JSONL to write (DESIGN.md schema with gold.icd10cm)"),
) -> None:
    """Write each resolved review item as an encounter whose gold codes are the coder's accepted/edited/added codes.

    Training reads the file like any encounter JSONL (``medcode train --task icd10 --data FILE``).
    """
    from datasets.io import EncounterWriter
    from serving.core.config import Settings
    from serving.db.session import Database
    from serving.queue import labelled_encounters, log_access
    from serving.security import Principal

    database = Database(Settings().database_url)
    database.migrate()
    exported: list[str] = []
    with database.session() as session, EncounterWriter(out, format="jsonl") as writer:
        for encounter in labelled_encounters(session):
            writer.write(encounter)
            exported.append(encounter.encounter_id)
        count = writer.count
    # Reading the notes is an access like any other: one access-log row per exported encounter.
    user = Principal(key_id=0, name=f"cli:{getpass.getuser()}", role="admin")
    with database.writer() as session:
        for encounter_id in exported:
            log_access(session, user, "feedback_export", encounter_id=encounter_id)
    database.dispose()
    typer.echo(f"Wrote {count} labelled encounter(s) to {out}.")
