"""``medcode serve``: the HTTP API and the coders' web page (uvicorn), plus ``medcode keys`` for API keys."""

from __future__ import annotations

import typer

from serving.security import ROLES


def serve(
    host: str = typer.Option("127.0.0.1", "--host", help="Interface to listen on (loopback by default)"),
    port: int = typer.Option(8000, "--port", help="TCP port"),
    workers: int = typer.Option(
        1, "--workers", help="Worker processes, each with its own SO_REUSEPORT socket; rate limits are per process"
    ),
    bundle: str | None = typer.Option(
        None, "--bundle", help="ICD-10-CM bundle folder or MLflow URI (else $MEDCODE_ICD_BUNDLE)"
    ),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn log level"),
) -> None:
    """Serve the API (/api/v1, /docs), /health, /ready, /metrics and the web page (/ui) with the embedded defaults."""
    import os

    import uvicorn

    if bundle:
        os.environ["MEDCODE_ICD_BUNDLE"] = bundle
    from serving.core.config import Settings

    try:
        Settings()
    except ValueError as error:
        raise typer.BadParameter(str(error)) from None
    from uvicorn.config import STARTUP_FAILURE

    from serving.tcp import NoDelayH11Protocol
    from serving.workers import WorkerSupervisor

    # No access log: URLs can carry encounter ids in query strings; the app records requests by route template.
    config = uvicorn.Config(
        "serving.app:create_app",
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        http=NoDelayH11Protocol,
    )
    if workers > 1:
        raise typer.Exit(WorkerSupervisor(config, workers).run())
    server = uvicorn.Server(config)
    server.run()
    if not server.started:
        raise typer.Exit(STARTUP_FAILURE)


keys_app = typer.Typer(help="API keys: create, list and revoke (admin bootstrap).", no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    role: str = typer.Option(..., "--role", help=f"One of {', '.join(ROLES)}"),
    name: str = typer.Option(..., "--name", help="Who the key is for (shown in the access log)"),
) -> None:
    """Create a key in the configured database and print it (it is shown only once)."""
    if role not in ROLES:
        raise typer.BadParameter(f"The role must be one of {', '.join(ROLES)}. Got {role!r} instead.")
    from serving.api.routes.keys import create_key
    from serving.core.config import Settings
    from serving.db.session import Database

    database = Database(Settings().database_url)
    database.migrate()
    with database.writer() as session:
        row, value = create_key(session, name, role)
        key_id = row.id
    database.dispose()
    typer.echo(f"Created key {key_id} for {name} ({role}). Keep it secret; it is not shown again:")
    typer.echo(value)


@keys_app.command("list")
def keys_list() -> None:
    """List keys (id, name, role, prefix, revoked)."""
    from sqlalchemy import select

    from serving.core.config import Settings
    from serving.db.session import Database
    from serving.db.tables import ApiKey

    database = Database(Settings().database_url)
    database.migrate()
    with database.session() as session:
        for row in session.scalars(select(ApiKey).order_by(ApiKey.id)):
            revoked = f" revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else ""
            typer.echo(f"{row.id}\t{row.name}\t{row.role}\t{row.prefix}…{revoked}")
    database.dispose()


@keys_app.command("revoke")
def keys_revoke(key_id: int = typer.Argument(..., help="The key id (from `medcode keys list`)")) -> None:
    """Revoke a key."""
    from serving.core.config import Settings
    from serving.db.session import Database
    from serving.db.tables import ApiKey, utcnow

    database = Database(Settings().database_url)
    database.migrate()
    with database.writer() as session:
        row = session.get(ApiKey, key_id)
        if row is None:
            raise typer.BadParameter(f"No key {key_id}; list keys with `medcode keys list`.")
        row.revoked_at = row.revoked_at or utcnow()
    database.dispose()
    typer.echo(f"Revoked key {key_id}.")
