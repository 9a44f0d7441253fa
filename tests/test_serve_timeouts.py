"""``kluis serve`` keeps an idle connection longer than the proxy in front of it and its
clients do, so they close first (RFC 9112 9.6), and gives a busy web process of ``--workers N``
time to answer uvicorn's supervisor. uvicorn's defaults (5 s each) lost requests on a loaded
machine: a request sent as the server closed its idle connection failed without an answer.
The server is not started: uvicorn's entry points are replaced to see what they are given."""

from __future__ import annotations

import logging.config
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from cli_helpers import ok
from kluis import cli_serve
from kluis.settings import Settings

CADDYFILE = Path(__file__).parents[1] / "deploy" / "Caddyfile"


def _seen(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def one_process(server: Any, sockets: Any = None) -> None:
        seen["keep_alive"] = server.config.timeout_keep_alive

    def processes(app: str, **options: Any) -> None:
        seen.update(options)

    monkeypatch.setattr(cli_serve._Server, "run", one_process)
    monkeypatch.setattr(cli_serve.uvicorn, "run", processes)
    monkeypatch.setattr(logging.config, "dictConfig", lambda config: None)
    monkeypatch.setenv("KLUIS_BASE_URL", "http://127.0.0.1:8000")  # the command sets it
    return seen


def test_one_process_keeps_idle_connections_longer_than_its_clients(
    kluis_env: Settings, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _seen(monkeypatch)
    ok("serve", "--port", "8000", quiet=False)
    assert seen["keep_alive"] == cli_serve.KEEP_ALIVE
    expiry = httpx.Limits().keepalive_expiry  # how long httpx keeps an idle connection
    assert expiry is not None
    assert expiry < cli_serve.KEEP_ALIVE


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)  # --workers needs it
def test_several_processes_keep_connections_and_wait_for_busy_ones(
    kluis_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _seen(monkeypatch)
    ok("serve", "--port", "8000", "--workers", "2", quiet=False)
    assert seen["workers"] == 2
    assert seen["timeout_keep_alive"] == cli_serve.KEEP_ALIVE
    assert seen["timeout_worker_healthcheck"] == cli_serve.HEALTHCHECK > 5


def test_the_proxy_closes_idle_connections_first() -> None:
    found = re.search(r"transport http \{\s*keepalive (\d+)s", CADDYFILE.read_text())
    assert found, "deploy/Caddyfile sets no upstream keepalive"
    assert int(found.group(1)) < cli_serve.KEEP_ALIVE
