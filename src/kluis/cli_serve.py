"""``kluis serve``: the API and the pages under uvicorn. The only command that imports the web
stack (FastAPI, uvicorn, Jinja2). Listed by ``kluis.cli``.

When no base URL is configured (argument, environment, secret file or file), the links Kluis
mails point at the address served (``--host``, ``--port``), not at the default's port 8000.
uvicorn's own proxy-header handling is off: ``kluis.proxy`` does it in the app, from
``KLUIS_TRUSTED_PROXIES`` only, the same under any ASGI server.

With ``--workers N`` uvicorn runs N processes on one socket, each building the app from the
settings (``kluis.app:create_app_from_settings``); migrations run once, here, before they start.
Several processes need both stores on PostgreSQL: SQLite takes one writer at a time per file (and
on SQLite the one server process works the job queue itself).

On SIGTERM or Ctrl-C the server stops within ``jobs.rules.STOP_WITHIN`` seconds whatever jobs
run: the signal first tells the embedded job worker to stop after its current message, then
uvicorn closes the connections (at most ``GRACE`` seconds for a slow request), and the worker's
thread is joined (the jobs resume at the next start).
"""

from __future__ import annotations

import ipaddress
import logging
import logging.config
import os
from types import FrameType
from typing import Annotated, Any

import typer
import uvicorn

from kluis import console, setting_sources
from kluis.app import create_app
from kluis.errors import InvalidField
from kluis.jobs import queue
from kluis.opening import open_kluis
from kluis.ops.logs import log_config
from kluis.settings import Settings

commands = console.Commands()
log = logging.getLogger("kluis.serve")

WILDCARDS = ("0.0.0.0", "::", "")  # noqa: S104 (names the wildcard addresses, binds none)


def served_url(host: str, port: int) -> str:
    """The address a browser on this machine reaches ``host:port`` at; the loopback address for
    a wildcard bind (people elsewhere need ``KLUIS_BASE_URL``)."""
    if host in WILDCARDS:
        host = "127.0.0.1"
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    shown = f"[{host}]" if literal is not None and literal.version == 6 else host
    return f"http://{shown}:{port}"


def with_base_url(settings: Settings, host: str, port: int) -> Settings:
    """``settings`` whose base URL is the served address when none was configured."""
    if setting_sources.origins(Settings, os.environ)["base_url"] != "default":
        return settings
    return settings.model_copy(update={"base_url": served_url(host, port)})


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


GRACE = 5
"""Seconds uvicorn waits for open requests after a stop signal."""

KEEP_ALIVE = 75
"""Seconds an idle kept-alive connection stays open. Longer than what clients and the proxy in
front keep an idle connection (httpx 5 s, ``deploy/Caddyfile`` 60 s), so the client side closes
first: when the server closes first, a request sent at that moment meets a closed connection and
fails without an answer (RFC 9112, 9.3 and 9.6). uvicorn's default is 5 s, the same as httpx's,
which under load lost a request now and then."""

HEALTHCHECK = 30
"""Seconds a web process of ``--workers N`` may take to answer uvicorn's supervisor before it is
killed as hung and replaced. uvicorn's default, 5 s, kills a busy process on a loaded machine
(its answer comes from a thread that waits for the interpreter), dropping its open requests."""


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
    workers: Annotated[
        int,
        typer.Option(min=1, help="Web processes sharing the port; more than 1 needs PostgreSQL."),
    ] = 1,
) -> None:
    """Serve the API (OpenAPI page at /docs). Migrations are applied at start. The access log
    holds no query strings and no link tokens (see docs/operations.md)."""
    settings = with_base_url(Settings(), host, port)
    check_workers(settings, workers)
    config = log_config(settings.log_format, settings.log_level)
    logging.config.dictConfig(config)
    for warning in setting_sources.unknown_variables(Settings, os.environ):
        log.warning("%s", warning)
    opened = open_kluis(settings)
    try:
        queue.prepare(opened)
    finally:
        opened.close()
    processes = f", {workers} processes" if workers > 1 else ""
    log.info("Kluis serves on http://%s:%s (API docs at /docs)%s", host, port, processes)
    log.info("Links in mail point at %s", settings.base_url)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "proxy_headers": False,
        "log_level": settings.log_level,
        "log_config": config,
        "timeout_graceful_shutdown": GRACE,
        "timeout_keep_alive": KEEP_ALIVE,
    }
    if workers > 1:
        # each worker reads the settings anew: the base URL derived here must reach them
        os.environ["KLUIS_BASE_URL"] = settings.base_url
        uvicorn.run(
            FACTORY,
            factory=True,
            workers=workers,
            timeout_worker_healthcheck=HEALTHCHECK,
            **options,
        )
        return
    server = uvicorn.Config(create_app(settings=settings), **options)
    _Server(server).run()
