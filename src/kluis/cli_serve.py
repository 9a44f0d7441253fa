"""``kluis serve``: the API and the pages under uvicorn. The only command that imports the web
stack (FastAPI, uvicorn, Jinja2). Listed by ``kluis.cli``.

With ``--workers N`` uvicorn runs N processes on one socket, each building the app from the
settings (``kluis.app:create_app_from_settings``); migrations run once, here, before they start.
Several processes need both stores on PostgreSQL: SQLite takes one writer at a time per file, and
the scheduled jobs take PostgreSQL's advisory lock to run in one process only."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from kluis import console
from kluis.accesslog import uvicorn_log_config
from kluis.app import create_app
from kluis.errors import InvalidField
from kluis.opening import open_kluis
from kluis.settings import Settings

commands = console.Commands()

FACTORY = "kluis.app:create_app_from_settings"


def check_workers(settings: Settings, workers: int) -> None:
    """Refuse several processes on SQLite, saying what to do instead."""
    on_sqlite = [
        name
        for name, url in (
            ("data store", settings.resolved_database_url),
            ("keyring", settings.resolved_keyring_url),
        )
        if url.startswith("sqlite")
    ]
    if workers > 1 and on_sqlite:
        raise InvalidField(
            f"--workers {workers} needs PostgreSQL, and the {' and the '.join(on_sqlite)} "
            "on SQLite serve one process only: set KLUIS_DATABASE_URL and KLUIS_KEYRING_URL to "
            "PostgreSQL databases (docs/operations.md, 'Several processes'), or serve with "
            "--workers 1",
            field="workers",
        )


@commands.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[
        int,
        typer.Option(min=1, help="Web processes sharing the port; more than 1 needs PostgreSQL."),
    ] = 1,
) -> None:
    """Serve the API (OpenAPI page at /docs). Migrations are applied at start. The access log
    holds no query strings and no link tokens (see docs/operations.md)."""
    settings = Settings()
    check_workers(settings, workers)
    open_kluis(settings).close()
    processes = f", {workers} processes" if workers > 1 else ""
    console.out.print(
        f"Kluis serves on http://{host}:{port} (API docs at /docs){processes}", markup=False
    )
    if workers > 1:
        uvicorn.run(
            FACTORY,
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
            log_config=uvicorn_log_config(),
        )
        return
    uvicorn.run(
        create_app(settings=settings),
        host=host,
        port=port,
        log_level="info",
        log_config=uvicorn_log_config(),
    )
