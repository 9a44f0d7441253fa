"""Fixtures: every store test runs on SQLite and on a real PostgreSQL started from the installed
server binaries (``pgserver.py``). ``KLUIS_TEST_POSTGRES=0`` is the only way to leave PostgreSQL
out; when it is wanted and cannot start, the tests fail rather than skip.

Time is fixed: tests pass ``NOW`` and never read the clock.

Speed (``make test`` runs ``pytest -n N``, N one more than the cores): each xdist worker starts
its own PostgreSQL server and has its own temporary directories; Argon2 runs with the smallest
cost unless a test is marked ``real_argon2``; property tests take their example counts from a
Hypothesis profile (``dev`` by default, ``ci`` with ``KLUIS_HYPOTHESIS_PROFILE=ci``) through
:func:`examples`.
"""

from __future__ import annotations

import asyncio
import base64
import os
import shutil
import threading
from collections.abc import Callable, Coroutine, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import httpx2 as httpx
import pytest
from argon2 import PasswordHasher
from fastapi import routing as fastapi_routing
from fastapi.dependencies import models as fastapi_dependencies
from fastapi.dependencies.models import Dependant
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from sqlalchemy import Engine, MetaData, event, text
from sqlalchemy.util import LRUCache
from starlette.testclient import _TestClientTransport

import worker_heap
from kluis import console, db, opening
from kluis import models as _every_table  # noqa: F401 (both metadata trees, for _emptying)
from kluis.actors import Actor, Role
from kluis.auth import service as auth_service
from kluis.auth import sessions as auth_sessions
from kluis.consent.catalogue import load_default_topics
from kluis.db import DataBase, KeyringBase
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer, mail_server
from pgserver import PostgresServer, postgres_server

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)
MASTER_KEY = "q7yGFz8bQm1mDqQ4w0bL1S7yY2m0jv5eYc5o0lQ7k2Y="
BACKENDS = ["sqlite", "postgresql"]

ADMIN = Actor(ref="user:1", role=Role.ADMIN, user_id=1)
PRIVACY = Actor(ref="user:2", role=Role.PRIVACY_OFFICER, user_id=2)
SALES = Actor(ref="user:3", role=Role.SALES, user_id=3)
MARKETING = Actor(ref="user:4", role=Role.MARKETING, user_id=4)
SERVICE = Actor(ref="user:5", role=Role.SERVICE, user_id=5)


# Hypothesis profiles -----------------------------------------------------------------------------

CI_EXAMPLES = 100
"""Hypothesis's own default: what ``ci`` runs for a property test that names no count."""
DEV_EXAMPLES = 20
"""What ``dev`` (a developer's run) takes instead: a fifth."""

for _name, _count in (("ci", CI_EXAMPLES), ("dev", DEV_EXAMPLES)):
    # No deadline and no "too slow" health check (a second of drawing examples): two workers on
    # a shared two-core machine make timings meaningless, and the tests that care about speed
    # measure it themselves.
    hypothesis_settings.register_profile(
        _name, max_examples=_count, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )
hypothesis_settings.load_profile(os.environ.get("KLUIS_HYPOTHESIS_PROFILE", "dev"))


def examples(ci: int) -> int:
    """``max_examples`` for a property test that wants ``ci`` examples in the ``ci`` profile,
    scaled to the loaded profile (``dev``: a fifth, at least 5)."""
    scale = hypothesis_settings.default.max_examples / CI_EXAMPLES
    return max(5, round(ci * scale))


# Markers for a quicker run ----------------------------------------------------------------------

PROCESS_MODULES = frozenset({"subprocess", "process_helpers"})
"""A test file that imports one of these (or a name from one) starts processes: ``kluis serve``,
workers, ``pg_dump``."""


LONG_FIRST = (
    "tests/test_api_contract.py",
    "tests/jobs/test_scale.py",
    "tests/transfer/test_pages.py",
    "tests/backup/test_register_property.py",
    "tests/test_serve_workers.py",
)
"""Files holding a test of half a minute or more (the API contract takes several): run first, so
that ``-n 2`` does not end with one worker busy on one of them and the other idle."""


def _long_first(item: pytest.Item) -> int:
    found = (i for i, path in enumerate(LONG_FIRST) if item.nodeid.startswith(path))
    return next(found, len(LONG_FIRST))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark, from what a file imports and where it is, the tests that start processes
    (``processes``) and those that drive Chromium (``browser``): ``pytest -m "not processes and
    not browser"`` is a developer's quick run; ``make test`` runs everything. The files of
    :data:`LONG_FIRST` go first (each file's tests stay together and in their order)."""
    items.sort(key=_long_first)
    for item in items:
        module = getattr(item, "module", None)
        found = vars(module).values() if module else ()
        names = {getattr(v, "__name__", "") for v in found} | {
            getattr(v, "__module__", "") for v in found
        }
        if names & PROCESS_MODULES:
            item.add_marker(pytest.mark.processes)
        if "/ui/browser/" in item.nodeid.replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


# One analysis of each endpoint a worker ---------------------------------------------------------

_ANALYSED: dict[tuple[object, ...], tuple[tuple[Dependant, list[Any], bool], tuple[Any, ...]]] = {}
_analyse = fastapi_routing._build_dependant_with_parameterless_dependencies


def _analysed_once(
    *, path: str, call: Callable[..., Any], dependencies: Sequence[Any]
) -> tuple[Dependant, list[Any], bool]:
    """FastAPI's analysis of an endpoint (its signature, a pydantic adapter per parameter),
    made once per worker instead of once per app. FastAPI builds an app's routes on its first
    requests, and the tests make a new app for nearly every test: that analysis was over half
    the CPU of the staff page tests (sampled across threads), ~0.45 s an app. It depends only on
    the endpoint, its path and its dependencies, which live as long as the process; each app
    still builds its own routes, handlers and dependency overrides from it.

    An endpoint defined inside a function (fastapi-offline's ``/docs`` and ``/redoc`` pages,
    made for each app) is analysed afresh: it is new for every app, so keeping it would never
    be used again and would keep its app alive, with the test's Kluis and engines (~11,000
    objects a staff page test, 1.8 GB a worker by the end of the suite)."""
    if "<locals>" in getattr(call, "__qualname__", "<locals>"):
        return _analyse(path=path, call=call, dependencies=dependencies)
    key = (path, call, *(id(found) for found in dependencies))
    if key not in _ANALYSED:
        # the dependencies are kept with the result, so their ids cannot be reused
        _ANALYSED[key] = (
            _analyse(path=path, call=call, dependencies=dependencies),
            tuple(dependencies),
        )
    dependant, body_params, embed = _ANALYSED[key][0]
    return dependant, list(body_params), embed


_FIELDS: dict[tuple[object, ...], Any] = {}
_field = fastapi_routing.create_model_field


def _field_once(name: str, type_: Any, *args: Any, **kwargs: Any) -> Any:
    """A route's response fields (a pydantic adapter for each documented answer's model), made
    once per worker like :func:`_analysed_once`: the same name (the route's id) and model give
    the same field. A call with what cannot be a key (a field's own ``FieldInfo``) is not kept."""
    try:
        key = (name, type_, *args, *sorted(kwargs.items()))
        found = _FIELDS.get(key)
    except TypeError:
        return _field(name, type_, *args, **kwargs)
    if found is None:
        found = _FIELDS[key] = _field(name, type_, *args, **kwargs)
    return found


_BODIES: dict[tuple[object, ...], tuple[Any, tuple[Any, ...]]] = {}
_body = fastapi_routing._get_body_field


def _body_field_once(*, body_params: list[Any], name: str, embed_body_fields: bool) -> Any:
    """A route's request body field, made once per worker like :func:`_analysed_once`, whose
    body parameters it is made of: for a form (the staff pages) it is a pydantic model of its
    own, built for every route of every app (~2 % of the suite's CPU)."""
    if not body_params:
        return None
    key = (name, embed_body_fields, *(id(found) for found in body_params))
    if key not in _BODIES:
        # the parameters are kept with the result, so their ids cannot be reused
        _BODIES[key] = (
            _body(body_params=body_params, name=name, embed_body_fields=embed_body_fields),
            tuple(body_params),
        )
    return _BODIES[key][0]


fastapi_routing._build_dependant_with_parameterless_dependencies = _analysed_once
fastapi_routing.create_model_field = _field_once
fastapi_routing._get_body_field = _body_field_once


# One compiling of each SQLite statement a worker ------------------------------------------------

_new_engine = db.make_engine
_SQLITE_COMPILED: list[tuple[Any, LRUCache[Any, Any]]] = []
"""The dialect and compiled-statement cache every SQLite engine of the worker shares."""


def _make_engine(url: str) -> Engine:
    """``kluis.db.make_engine`` in the tests: a SQLite engine as Kluis makes it (its own pool
    on its own file, its pragmas), but compiling through the worker's one dialect and cache.
    SQLAlchemy keys a compiled statement by the dialect object, so every test's new engines
    compiled every statement again: 5,547 compilings for the 189 SQLite tests of
    tests/contacts, 3.0 s of their ~30 s of CPU; with one dialect, 644 and 0.4 s. The engines
    stay per test, so a thread a test leaves behind still reaches only its own files."""
    engine = _new_engine(url)
    if engine.dialect.name != "sqlite":
        return engine
    event.listen(engine, "connect", _unordered_reversed)
    if not _SQLITE_COMPILED:
        first = _new_engine("sqlite://")
        with first.connect():  # the dialect learns the library's version on a first connection
            pass
        _SQLITE_COMPILED.append((first.dialect, LRUCache(20_000)))
    engine.dialect, engine._compiled_cache = _SQLITE_COMPILED[0]
    return engine


def _unordered_reversed(dbapi_connection: Any, _record: Any) -> None:
    """Every SQLite connection of the tests returns the rows of a ``SELECT`` without ``ORDER BY``
    in the reverse of their natural order (``PRAGMA reverse_unordered_selects``). PostgreSQL
    promises no order without ``ORDER BY`` either (after a ``DELETE`` a new row may take a freed
    place), so a read or a test that leans on the order rows were written in fails here every
    time, instead of on PostgreSQL now and then. The whole SQLite half passed with it when it was
    added (3,600 tests)."""
    dbapi_connection.execute("PRAGMA reverse_unordered_selects = ON")


# once: a test that imports ``conftest`` runs it a second time
if db.make_engine.__module__ == "kluis.db":
    db.make_engine = _make_engine


# Test clients run their app in the test's own thread ---------------------------------------------

_MAIN_LOOP: list[asyncio.AbstractEventLoop] = []
_starlette_handle = _TestClientTransport.handle_request


def _run_in_this_thread(app: Coroutine[Any, Any, None]) -> None:
    """Run ``app`` to its end on the worker's one loop in the main thread (kept for the worker);
    in any other thread, on a loop of its own, closed after, so a test's threads leave none."""
    if threading.current_thread() is not threading.main_thread():
        with asyncio.Runner() as runner:
            runner.run(app)
        return
    if not _MAIN_LOOP:
        _MAIN_LOOP.append(asyncio.new_event_loop())
    _MAIN_LOOP[0].run_until_complete(app)


def _in_this_thread(self: _TestClientTransport, request: httpx.Request) -> httpx.Response:
    """How a test client sends a request: the app runs to its response on an event loop of the
    calling thread (in the main thread one loop kept for the worker), as a server runs it on its
    own loop.
    Starlette's transport starts a new event loop in a new thread for each request (and again
    for reading its body) and crosses threads about nine times per request: with its own loop
    kept, a request took ~4 ms of CPU and this takes ~1.5 (``/healthz``; a page 5.3 → 2.2 ms).
    Starlette's scope (without its response-trailers extension: Kluis sends no trailers), the
    same answers: the body is read whole, an exception the app raises
    reaches the test unless the client was made with ``raise_server_exceptions=False``, when a
    response never started is a 500. Starlette's transport still serves a client entered with
    ``with`` (its app's start-up ran on that client's loop), websockets, and a request made
    where an event loop is running."""
    client = getattr(self.portal_factory, "__self__", None)
    if (
        request.url.scheme not in ("http", "https")
        or getattr(client, "portal", None) is not None
        or asyncio._get_running_loop() is not None
    ):
        return _starlette_handle(self, request)
    port = request.url.port or (443 if request.url.scheme == "https" else 80)
    headers = [] if "host" in request.headers else [(b"host", request.url.netloc)]
    headers += [
        (key.lower().encode(), value.encode()) for key, value in request.headers.multi_items()
    ]
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": request.method,
        "path": unquote(request.url.path),
        "raw_path": request.url.raw_path.split(b"?", 1)[0],
        "root_path": self.root_path,
        "scheme": request.url.scheme,
        "query_string": request.url.query,
        "headers": headers,
        "client": self.client,
        "server": [request.url.raw_host.decode("ascii"), port],
        "extensions": {"http.response.debug": {}},
        "state": self.app_state.copy(),
    }
    body = request.read()
    started: dict[str, Any] = {}
    chunks: list[bytes] = []
    complete = asyncio.Event()
    asked = False

    async def receive() -> dict[str, Any]:
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": body}
        await complete.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started["status_code"] = message["status"]
            started["headers"] = [(k.decode(), v.decode()) for k, v in message.get("headers", [])]
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))
            if not message.get("more_body", False):
                complete.set()

    try:
        _run_in_this_thread(self.app(scope, receive, send))
    except Exception:
        if self.raise_server_exceptions:
            raise
    if not started:
        if self.raise_server_exceptions:
            raise AssertionError("TestClient did not receive any response.")
        started = {"status_code": 500, "headers": []}
    return httpx.Response(**started, stream=httpx.ByteStream(b"".join(chunks)), request=request)


def pytest_sessionfinish() -> None:
    """The worker's loop closes (anyio's worker threads end with each request's task; what an
    app ran in the loop's default executor ends here)."""
    while _MAIN_LOOP:
        loop = _MAIN_LOOP.pop()
        loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()


# once: a test that imports ``conftest`` runs it a second time
if _TestClientTransport.handle_request.__module__ == "starlette.testclient":
    _TestClientTransport.handle_request = _in_this_thread  # type: ignore[method-assign]


# No event loop left running ---------------------------------------------------------------------


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Outside the browser tests (Playwright's sync API runs its loop in the main thread while
    a file's browser is open), no event loop may be running when a test starts: one left by an
    earlier test makes every later ``asyncio.run`` of the worker fail, far from its cause.

    The worker's start is frozen again here when an app's start-up or an import undid that
    freeze some tests ago (tests/worker_heap.py), the last test's objects gone and this one's
    fixtures not yet made."""
    worker_heap.before_test()
    if "/ui/browser/" in item.nodeid.replace("\\", "/"):
        return
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail(f"an event loop is running before {item.nodeid}: an earlier test left it")


# Cheap Argon2 ------------------------------------------------------------------------------------

CHEAP_HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
"""Argon2id with the smallest cost: the same code paths, without a second of work per hash (the
real cost is the point in production and a drag on a shared two-core test machine)."""


@pytest.fixture(autouse=True)
def cheap_argon2(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test hashes passwords with :data:`CHEAP_HASHER`, except those marked
    ``real_argon2`` (they check the production parameters)."""
    if request.node.get_closest_marker("real_argon2") is None:
        monkeypatch.setattr(auth_service, "_hasher", CHEAP_HASHER)
        monkeypatch.setattr(auth_sessions, "_hasher", CHEAP_HASHER)


# A mail server -----------------------------------------------------------------------------------


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    """A real SMTP server (aiosmtpd) in the test process, on a free port; files that need more
    (the CLI's environment, a site's transport) extend it with a fixture of the same name."""
    with mail_server() as server:
        yield server


# Stores ------------------------------------------------------------------------------------------


def postgres_wanted() -> bool:
    return os.environ.get("KLUIS_TEST_POSTGRES", "1") != "0"


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer | None]:
    if not postgres_wanted():
        yield None
        return
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def pg_urls(pg: PostgresServer | None) -> Iterator[tuple[str, str] | None]:
    """A migrated data database and keyring database, shared by the session, emptied per test."""
    yield from _test_databases(pg, "kluis_test")


def _test_databases(pg: PostgresServer | None, name: str) -> Iterator[tuple[str, str] | None]:
    """Databases ``name`` and ``name_keyring``, migrated; at the end, the engines the session
    kept for them (:func:`_engine`) closed."""
    if pg is None:
        yield None
        return
    urls = (pg.url(name), pg.url(f"{name}_keyring"))
    for url, store in zip(urls, ("data", "keyring"), strict=True):
        pg.create_database(url.rsplit("/", 1)[1])
        engine = db.make_engine(url)
        db.upgrade(engine, store)
        engine.dispose()
    yield urls
    for url in urls:
        _forget_engine(url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated SQLite files made once and copied for each test (migrating is the slow part)."""
    template = tmp_path_factory.mktemp("template")
    kluis = open_kluis(Settings(data_dir=template, master_key=SecretStr(MASTER_KEY)), create=True)
    kluis.close()
    return template


_LOADED_SQLITE: dict[str, Path] = {}
"""Per master key: a copy of the template with the default catalogue and topics loaded."""


def _loaded_sqlite_template(request: pytest.FixtureRequest, master_key: str) -> Path:
    """The template with what :func:`_load_defaults` adds, made once per worker and master key:
    loading the catalogue (seven purposes and four topics, each audited) costs more than the
    rest of a test's set-up, and every test with a ``kluis`` starts from the same rows."""
    if master_key not in _LOADED_SQLITE:
        template: Path = request.getfixturevalue("sqlite_template")
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        made = factory.mktemp("loaded") / "data"
        shutil.copytree(template, made)
        settings = Settings(data_dir=made, master_key=SecretStr(master_key))
        with _closing(open_kluis(settings, migrate=False)) as opened:
            _load_defaults(opened)
        _LOADED_SQLITE[master_key] = made
    return _LOADED_SQLITE[master_key]


def _load_defaults(opened: Kluis) -> None:
    load_default_catalogue(opened.engine, NOW)
    load_default_topics(opened, NOW)


_ENGINES: dict[str, Engine] = {}

_RESTART_SEQUENCES = (
    "SELECT setval(format('%I.%I', schemaname, sequencename)::regclass, start_value, false) "
    "FROM pg_sequences WHERE schemaname = current_schema() AND last_value IS NOT NULL "
    "AND sequencename NOT LIKE 'procrastinate%'"
)
"""Every sequence that moved back to its start (what ``ALTER SEQUENCE ... RESTART`` does),
without the catalogue change and the file of an ``ALTER``."""

_MOVED_SEQUENCES = text(
    "SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = current_schema() "
    "AND last_value IS NOT NULL AND sequencename NOT LIKE 'procrastinate%'"
)


def _engine(url: str) -> Engine:
    """The worker's engine for a test database, kept for the session: emptying the database
    and every test's Kluis use its pool, so a test opens no new connection."""
    if url not in _ENGINES:
        _ENGINES[url] = db.make_engine(url)
    return _ENGINES[url]


def _forget_engine(url: str) -> None:
    """Drop the kept engine of ``url`` (a test left one of its connections checked out): the
    next test starts on new connections rather than on whatever that one holds."""
    found = _ENGINES.pop(url, None)
    if found is not None:
        found.dispose()


@dataclass(frozen=True)
class _Rows:
    """What a database holds after :func:`_load_defaults`, as SQL that puts it back: one
    ``INSERT`` per table that holds rows (the rows as the server's own JSON of them, read back
    by ``json_populate_recordset``: every type as PostgreSQL wrote it) and a ``setval`` per
    sequence that moved."""

    statements: tuple[str, ...]


_SNAPSHOTS: dict[tuple[str, str], tuple[_Rows, _Rows]] = {}
_EMPTYING: dict[tuple[str, _Rows | None], str] = {}


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _emptying(url: str, metadata: MetaData, rows: _Rows | None) -> str:
    """One script (sent in one round trip, the simple query protocol) that empties the tables
    of ``metadata`` that hold rows and restarts the sequences that moved, then runs ``rows``'
    statements (``session_replication_role = replica``, this transaction only: the snapshot's
    rows go back as they were taken, triggers and foreign-key checks not run again).

    ``TRUNCATE``, not ``DELETE``, though a ``DELETE`` of a test's few rows costs less: after a
    ``DELETE`` PostgreSQL may put a new row in a freed slot, so a read without ``ORDER BY``
    no longer returns rows in the order they were written, and a test (or a product read)
    that leans on it fails now and then instead of always or never. A truncated table is a
    new file, written in order. Only the tables that hold rows are truncated (a ``TRUNCATE``
    makes new files for each table and index): the probe runs on the server, in the script."""
    key = (url, rows)
    if key not in _EMPTYING:
        probe = " UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")"  # noqa: S608 (ours)
            for t in metadata.sorted_tables
        )
        truncate = (
            "DO $$ DECLARE held text; BEGIN "  # noqa: S608 (our tables)
            f"SELECT string_agg(format('%I', name), ', ') INTO held FROM ({probe}) AS s(name); "
            "IF held IS NOT NULL THEN EXECUTE 'TRUNCATE ' || held || ' CASCADE'; END IF; "
            "END $$"
        )
        statements = [
            truncate,
            _RESTART_SEQUENCES,
            "SET LOCAL session_replication_role = replica",
            *(rows.statements if rows else ()),
        ]
        _EMPTYING[key] = ";\n".join(statements)
    return _EMPTYING[key]


def _empty_postgres(
    data_url: str, keyring_url: str, snapshot: tuple[_Rows, _Rows] | None = None
) -> None:
    """Empty every table of both databases and restart every sequence, as ``TRUNCATE ...
    RESTART IDENTITY`` of every table would; then put back ``snapshot``'s rows and sequence
    values, if given. One round trip a database, on a connection of its kept engine.
    procrastinate's tables and sequences are left: its tables are emptied only by the job tests
    (``empty_queue``), so a job queued by any other test must not reuse an id."""
    pairs = ((data_url, DataBase.metadata), (keyring_url, KeyringBase.metadata))
    for index, (url, metadata) in enumerate(pairs):
        script = _emptying(url, metadata, snapshot[index] if snapshot else None)
        with _engine(url).begin() as conn:
            conn.connection.driver_connection.execute(script)  # type: ignore[union-attr]


def _taken(url: str, metadata: MetaData) -> _Rows:
    statements: list[str] = []
    with _engine(url).connect() as conn:
        for table in metadata.sorted_tables:
            found = conn.scalar(text(f'SELECT json_agg(t)::text FROM "{table.name}" AS t'))  # noqa: S608
            if found is not None:
                statements.append(
                    f'INSERT INTO "{table.name}" SELECT * FROM '  # noqa: S608 (our tables)
                    f'json_populate_recordset(NULL::"{table.name}", {_quoted(found)})'
                )
        for name, value in conn.execute(_MOVED_SEQUENCES):
            statements.append(f"SELECT setval({_quoted(name)}, {int(value)})")
    return _Rows(tuple(statements))


def _postgres_loaded(urls: tuple[str, str], master_key: str, data_dir: Path) -> tuple[_Rows, _Rows]:
    """The rows of both databases after :func:`_load_defaults`, taken once per worker and pair
    of databases (loading the catalogue costs more than the rest of a test's set-up)."""
    if urls not in _SNAPSHOTS:
        _empty_postgres(*urls)
        settings = Settings(
            data_dir=data_dir,
            master_key=SecretStr(master_key),
            database_url=urls[0],
            keyring_url=urls[1],
        )
        with _closing(open_kluis(settings, migrate=False)) as opened:
            _load_defaults(opened)
        _SNAPSHOTS[urls] = (
            _taken(urls[0], DataBase.metadata),
            _taken(urls[1], KeyringBase.metadata),
        )
    return _SNAPSHOTS[urls]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    if name == "postgresql" and not postgres_wanted():
        pytest.skip("KLUIS_TEST_POSTGRES=0")
    return name


def _settings_on(
    backend: str,
    data_dir: Path,
    master_key: str,
    request: pytest.FixtureRequest,
    pg_urls_fixture: str,
    loaded: bool = False,
) -> Settings:
    """Settings for an empty, migrated Kluis in ``data_dir`` (SQLite: a copy of the template)
    or the databases ``pg_urls_fixture`` names, emptied (PostgreSQL). ``loaded``: with the
    default catalogue and topics already in it (a copy of them, made once per worker)."""
    if backend == "sqlite":
        template: Path = (
            _loaded_sqlite_template(request, master_key)
            if loaded
            else request.getfixturevalue("sqlite_template")
        )
        shutil.copytree(template, data_dir)
        return Settings(data_dir=data_dir, master_key=SecretStr(master_key))
    urls: tuple[str, str] = request.getfixturevalue(pg_urls_fixture)
    data_dir.mkdir()
    snapshot = None
    if loaded:
        factory: pytest.TempPathFactory = request.getfixturevalue("tmp_path_factory")
        snapshot = _postgres_loaded(urls, master_key, factory.mktemp("snapshot"))
    _empty_postgres(*urls, snapshot)
    return Settings(
        data_dir=data_dir,
        master_key=SecretStr(master_key),
        database_url=urls[0],
        keyring_url=urls[1],
    )


@contextmanager
def _closing(opened: Kluis) -> Iterator[Kluis]:
    try:
        yield opened
    finally:
        opened.close()


def _opened(settings: Settings) -> Iterator[Kluis]:
    """An open Kluis with the default purposes catalogue and consent topics loaded: they are
    there already, because the fixture that made ``settings`` saw this fixture among the test's
    and passed ``loaded`` to :func:`_settings_on`. Loading them again would add nothing and cost
    a quarter of a PostgreSQL test's set-up (the reads that find them held).

    On PostgreSQL the Kluis runs on the kept engines of :func:`_engine` (new connections were a
    third of a test's set-up), each behind an engine of the test's own
    (``execution_options()``: the same pool, but the event listeners a test adds stay on it and
    end with it). A test that leaves a connection checked out costs the engine: it is dropped,
    and the next test starts on new connections."""
    if settings.database_url is None or settings.keyring_url is None:
        with _closing(open_kluis(settings, migrate=False)) as opened:
            yield opened
        return
    urls = (settings.database_url, settings.keyring_url)
    kept = (_engine(urls[0]), _engine(urls[1]))
    own = (kept[0].execution_options(), kept[1].execution_options())
    with _closing(open_kluis(settings, migrate=False, engines=own)) as opened:
        yield opened
    for url, engine in zip(urls, kept, strict=True):
        if engine.pool.checkedout():  # type: ignore[attr-defined]
            _forget_engine(url)


def _kept_engines_for(settings: Settings) -> tuple[Engine, Engine] | None:
    """The worker's kept engines when ``settings`` name its PostgreSQL test databases (each
    behind an engine of its own, as in :func:`_opened`), else None."""
    if settings.database_url in _ENGINES and settings.keyring_url in _ENGINES:
        return (
            _ENGINES[settings.database_url].execution_options(),
            _ENGINES[settings.keyring_url].execution_options(),
        )
    return None


def _opening_for_a_command(settings: Settings, *, create: bool = False) -> Kluis:
    """How a ``kluis`` command run by a test opens Kluis (``kluis.opening.for_commands`` hands
    ``open_kluis`` to the commands): on PostgreSQL on the worker's kept engines, when the
    command names the test databases. A command opened two engines of its own, two new
    connections (~25 ms a command) and every statement compiled again. (On SQLite each command
    still makes its own engines, which compile once per worker: :func:`_make_engine`.)"""
    engines = None if create else _kept_engines_for(settings)
    return open_kluis(settings, create=create, engines=engines)


@pytest.fixture
def settings(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Settings:
    """Settings for an empty, migrated Kluis on the backend under test; when the test also has a
    ``kluis``, with the default catalogue and topics in it already (copied, not loaded again)."""
    loaded = "kluis" in request.fixturenames
    return _settings_on(backend, tmp_path / "data", MASTER_KEY, request, "pg_urls", loaded)


@pytest.fixture
def kluis(settings: Settings) -> Iterator[Kluis]:
    """An open Kluis with the default purposes catalogue loaded."""
    yield from _opened(settings)


@pytest.fixture
def kluis_env(settings: Settings, kluis: Kluis, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The same Kluis named through KLUIS_* variables, for CLI tests."""
    monkeypatch.setenv("KLUIS_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("KLUIS_MASTER_KEY", MASTER_KEY)
    for name, value in (
        ("KLUIS_DATABASE_URL", settings.database_url),
        ("KLUIS_KEYRING_URL", settings.keyring_url),
    ):
        if value:
            monkeypatch.setenv(name, value)
        else:
            monkeypatch.delenv(name, raising=False)
    return settings


OTHER_MASTER_KEY = base64.urlsafe_b64encode(bytes(range(1, 33))).decode()
"""The second Kluis has keys of its own, as another provider would."""


# A second Kluis (portability, export round trips) ------------------------------------------------


@pytest.fixture(scope="session")
def target_pg_urls(pg: PostgresServer | None) -> Iterator[tuple[str, str] | None]:
    yield from _test_databases(pg, "kluis_target")


@pytest.fixture
def target_settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Another Kluis, in its own data directory (or databases), with its own master key."""
    loaded = "target" in request.fixturenames
    return _settings_on(
        backend, tmp_path / "target", OTHER_MASTER_KEY, request, "target_pg_urls", loaded
    )


@pytest.fixture
def target(target_settings: Settings) -> Iterator[Kluis]:
    yield from _opened(target_settings)


# procrastinate's queue ---------------------------------------------------------------------------


def _truncate(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        if conn.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is not None:
            conn.execute(
                text(
                    "TRUNCATE procrastinate_jobs, procrastinate_periodic_defers, "
                    "procrastinate_workers, procrastinate_events CASCADE"
                )
            )


@pytest.fixture
def empty_queue(kluis: Kluis, backend: str) -> Iterator[None]:
    """Before and after: a later test on the same database finds no job of this one."""
    if backend == "postgresql":
        _truncate(kluis)
    yield
    if backend == "postgresql":
        _truncate(kluis)


# No app kept after its test ----------------------------------------------------------------------

_CLASSIFIED = (
    fastapi_dependencies._is_gen_callable_cached,
    fastapi_dependencies._is_async_gen_callable_cached,
    fastapi_dependencies._is_coroutine_callable_cached,
)
"""FastAPI's caches of what kind of callable an endpoint or dependency is (4,096 entries each),
which hold the callable itself. fastapi-offline's ``/docs`` and ``/redoc`` endpoints are made
inside each app and hold it, so these kept the last ~1,400 tests' apps alive with their Kluis,
engines and routes: the workers grew to 1.8 to 1.9 GB, and every collection walked all of it."""


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Once the test's fixtures are torn down, forget the callables of its apps (classifying
    one again costs microseconds). An app's start-up sets aside everything alive from the
    cyclic collector (``gc.freeze``, kluis.app): in a test worker that is the test's own app
    and Kluis too, which frozen would never be collected, so that is undone here as well (and
    the worker's own start set aside again before the next test: tests/worker_heap.py)."""
    for cached in _CLASSIFIED:
        cached.cache_clear()
    worker_heap.after_test()


def pytest_collection_finish(session: pytest.Session) -> None:
    """The worker's first freeze, once the tests are collected (tests/worker_heap.py)."""
    worker_heap.freeze()


def _for_commands() -> None:
    console.use_opener(_opening_for_a_command)


# once: a test that imports ``conftest`` runs it a second time, with state of its own
if opening.for_commands.__module__ == "kluis.opening":
    opening.for_commands = _for_commands
