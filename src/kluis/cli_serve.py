"""``kluis serve``: the API and the pages under uvicorn. The only command that imports the web
stack (FastAPI, uvicorn, Jinja2). Listed by ``kluis.cli``.

On SIGTERM or Ctrl-C the server stops within ``jobs.rules.STOP_WITHIN`` seconds whatever jobs
run: the signal first tells the embedded job worker to stop after its current message, then
uvicorn closes the connections (at most ``GRACE`` seconds for a slow request), and the worker's
thread is joined (the jobs resume at the next start).
"""

from __future__ import annotations

from types import FrameType
from typing import Annotated, Any

import typer
import uvicorn

from kluis import console
from kluis.accesslog import uvicorn_log_config
from kluis.app import create_app
from kluis.opening import open_kluis
from kluis.settings import Settings

commands = console.Commands()

GRACE = 5
"""Seconds uvicorn waits for open requests after a stop signal."""


def _log_config() -> dict[str, Any]:
    """uvicorn's (with the redacting access log), and Kluis' own lines at INFO on the same
    console: the jobs' outcomes and the schedule's one-line summaries (counts, no values)."""
    config = uvicorn_log_config()
    config["loggers"]["kluis"] = {"handlers": ["default"], "level": "INFO", "propagate": False}
    return config


class _Server(uvicorn.Server):
    """uvicorn's server, telling the job worker to stop as soon as the signal comes, so the
    current job stops at its next message while the connections close."""

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        app = self.config.app
        worker = getattr(getattr(app, "state", None), "job_worker", None)
        if worker is not None:
            worker.stopping.set()
        super().handle_exit(sig, frame)


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
    config = uvicorn.Config(
        create_app(settings=settings),
        host=host,
        port=port,
        log_level="info",
        log_config=_log_config(),
        timeout_graceful_shutdown=GRACE,
    )
    _Server(config).run()
