"""Browser tests: the real app served by uvicorn on a free loopback port, driven by Debian's
Chromium through Playwright's sync API, headless.

Chromium comes from the system (`apt-get install -y chromium`; `.ci/run` installs it when it is
missing); `playwright install` is never run, so no browser is downloaded from a CDN. The app runs
in a thread on a fresh SQLite Kluis per test, with its clock fixed at ``NOW``.
``KLUIS_TEST_BROWSER=0`` leaves these tests out; otherwise a missing Chromium fails them.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import Browser, Page, expect, sync_playwright
from pydantic import SecretStr

from browser_helpers import ADMIN_EMAIL, NOTICE_NL, PASSWORD, Site
from conftest import MASTER_KEY, NOW
from factories import EVERY_PAIR
from kluis.actors import SYSTEM
from kluis.api import get_now
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.consent import catalogue
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.settings import Settings
from mailserver import MailServer

CHROMIUM = os.environ.get("KLUIS_TEST_CHROMIUM", "/usr/bin/chromium")
TIMEOUT_MS = 60_000
"""What a page action or an ``expect`` waits at most: a bound on a hang, never the outcome
(``expect`` alone would give up after Playwright's 5 s, which a page on a loaded two-core CI
machine can take)."""
expect.set_options(timeout=TIMEOUT_MS)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if os.environ.get("KLUIS_TEST_BROWSER", "1") == "0":
        skip = pytest.mark.skip(reason="KLUIS_TEST_BROWSER=0")
        for item in items:
            if Path(str(item.path)).parent == Path(__file__).parent:
                item.add_marker(skip)


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one file's tests. Not kept for the session: while Playwright's sync API is
    started, its event loop counts as running in the main thread (it runs in a greenlet of that
    thread), so any later test of the worker that calls ``asyncio.run`` (an upload read, a
    TestClient's portal) was refused; a launch costs about 2 s."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"the browser tests need Chromium at {CHROMIUM}: `apt-get install -y chromium` "
            "(never `playwright install`), or KLUIS_TEST_BROWSER=0 to leave them out"
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def site(tmp_path: Path, sqlite_template: Path) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    shutil.copytree(sqlite_template, data_dir)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    kluis = open_kluis(
        Settings(data_dir=data_dir, master_key=SecretStr(MASTER_KEY), base_url=url),
        migrate=False,
    )
    load_default_catalogue(kluis.engine, NOW)
    catalogue.load_default_topics(kluis, NOW)
    catalogue.add_notice(kluis, SYSTEM, "nl", NOTICE_NL, NOW, covers=EVERY_PAIR)
    auth.create_user(kluis.engine, SYSTEM, ADMIN_EMAIL, "admin", NOW, password=PASSWORD)
    app = create_app(kluis)
    app.dependency_overrides[get_now] = lambda: NOW
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", ws="none", lifespan="on", access_log=False)
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    # the app's start-up runs a full collection before it freezes what start-up built
    # (kluis.app): inside a test process that has run a thousand tests, that takes seconds
    deadline = time.monotonic() + 300
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the app did not start")
        time.sleep(0.02)
    try:
        yield Site(url, kluis, app)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        listener.close()
        kluis.close()


@pytest.fixture
def smtp(smtp: MailServer, site: Site) -> MailServer:
    """The root conftest's SMTP server, which the site sends its mail to."""
    settings = parse_smtp_url(smtp.url)
    site.app.state.transport_factory = lambda: SmtpTransport(settings, sleep=lambda _s: None)
    return smtp


@pytest.fixture
def page(browser: Browser, site: Site) -> Iterator[Page]:
    """A fresh browser profile (no cookies) on the site, in Dutch like most users."""
    context = browser.new_context(base_url=site.url, locale="nl-NL")
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    try:
        yield opened
    finally:
        context.close()
