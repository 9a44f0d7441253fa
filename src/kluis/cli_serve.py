"""``kluis serve``: the API and the pages under uvicorn. The only command that imports the web
stack (FastAPI, uvicorn, Jinja2). Listed by ``kluis.cli``."""

from __future__ import annotations

import logging
import logging.config
from typing import Annotated

import typer
import uvicorn

from kluis import console
from kluis.app import create_app
from kluis.opening import open_kluis
from kluis.ops.logs import log_config
from kluis.settings import Settings

commands = console.Commands()
log = logging.getLogger("kluis.serve")


@commands.command("serve")
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Serve the API (OpenAPI page at /docs). Migrations are applied at start. The access log
    holds no query strings and no link tokens (see docs/operations.md)."""
    settings = Settings()
    config = log_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(config)
    open_kluis(settings).close()
    log.info("Kluis serves on http://%s:%s (API docs at /docs)", host, port)
    uvicorn.run(
        create_app(settings=settings),
        host=host,
        port=port,
        log_level=settings.log_level,
        log_config=config,
    )
