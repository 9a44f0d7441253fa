"""``kluis serve``: the API and the pages under uvicorn. The only command that imports the web
stack (FastAPI, uvicorn, Jinja2). Listed by ``kluis.cli``."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from kluis import console
from kluis.accesslog import uvicorn_log_config
from kluis.app import create_app
from kluis.opening import open_kluis
from kluis.settings import Settings

commands = console.Commands()


@commands.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (OpenAPI page at /docs). Migrations are applied at start. The access log
    holds no query strings and no link tokens (see docs/operations.md)."""
    settings = Settings()
    open_kluis(settings).close()
    console.out.print(f"Kluis serves on http://{host}:{port} (API docs at /docs)", markup=False)
    uvicorn.run(
        create_app(settings=settings),
        host=host,
        port=port,
        log_level="info",
        log_config=uvicorn_log_config(),
    )
