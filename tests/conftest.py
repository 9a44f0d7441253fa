"""Fixtures: every store test runs on SQLite and on a real PostgreSQL started from the installed
server binaries (``pgserver.py``). ``KLUIS_TEST_POSTGRES=0`` is the only way to leave PostgreSQL
out; when it is wanted and cannot start, the tests fail rather than skip.

Time is fixed: tests pass ``NOW`` and never read the clock.

Speed (``make test`` runs ``pytest -n 2``): each xdist worker starts its own PostgreSQL server and
has its own temporary directories; Argon2 runs with the smallest cost unless a test is marked
``real_argon2``; property tests take their example counts from a Hypothesis profile (``dev`` by
default, ``ci`` with ``KLUIS_HYPOTHESIS_PROFILE=ci``) through :func:`examples`.
"""

from __future__ import annotations

import base64
import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from pydantic import SecretStr
from sqlalchemy import Engine, text

from kluis import db
from kluis.actors import Actor, Role
from kluis.auth import service as auth_service
from kluis.auth import sessions as auth_sessions
from kluis.consent.catalogue import load_default_topics
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
def pg_urls(pg: PostgresServer | None) -> tuple[str, str] | None:
    """A migrated data database and keyring database, shared by the session, emptied per test."""
    if pg is None:
        return None
    pg.create_database("kluis_test")
    pg.create_database("kluis_test_keyring")
    data_url, keyring_url = pg.url("kluis_test"), pg.url("kluis_test_keyring")
    for url, store in ((data_url, "data"), (keyring_url, "keyring")):
        engine = db.make_engine(url)
        db.upgrade(engine, store)
        engine.dispose()
    return data_url, keyring_url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrated SQLite files made once and copied for each test (migrating is the slow part)."""
    template = tmp_path_factory.mktemp("template")
    kluis = open_kluis(Settings(data_dir=template, master_key=SecretStr(MASTER_KEY)), create=True)
    kluis.close()
    return template


_ENGINES: dict[str, Engine] = {}

_RESTART_SEQUENCES = text(
    """
    DO $$
    DECLARE found record;
    BEGIN
        FOR found IN SELECT schemaname, sequencename FROM pg_sequences
                     WHERE schemaname = current_schema()
                     AND sequencename NOT LIKE 'procrastinate%' LOOP
            EXECUTE format('ALTER SEQUENCE %I.%I RESTART', found.schemaname, found.sequencename);
        END LOOP;
    END $$
    """
)


def _empty_postgres(data_url: str, keyring_url: str) -> None:
    """Truncate the tables that hold rows and restart every sequence: what ``TRUNCATE`` of every
    table ``RESTART IDENTITY`` does, without rewriting the files of the many empty tables.
    procrastinate's sequences run on: its tables are emptied only by the job tests
    (``tests/jobs/conftest.py``), so a job queued by any other test must not reuse an id."""
    from kluis.db import DataBase, KeyringBase

    for url, metadata in ((data_url, DataBase.metadata), (keyring_url, KeyringBase.metadata)):
        if url not in _ENGINES:
            _ENGINES[url] = db.make_engine(url)  # kept for the session: one pool per database
        engine = _ENGINES[url]
        probe = " UNION ALL ".join(
            f"SELECT '{t.name}' WHERE EXISTS (SELECT FROM \"{t.name}\")"  # noqa: S608 (our tables)
            for t in metadata.sorted_tables
        )
        with engine.begin() as conn:
            holding = [name for (name,) in conn.execute(text(probe))]
            if holding:
                names = ", ".join(f'"{name}"' for name in holding)
                conn.execute(text(f"TRUNCATE {names} CASCADE"))
            conn.execute(_RESTART_SEQUENCES)


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
) -> Settings:
    """Settings for an empty, migrated Kluis in ``data_dir`` (SQLite: a copy of the template)
    or the databases ``pg_urls_fixture`` names, emptied (PostgreSQL)."""
    if backend == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        shutil.copytree(template, data_dir)
        return Settings(data_dir=data_dir, master_key=SecretStr(master_key))
    urls: tuple[str, str] = request.getfixturevalue(pg_urls_fixture)
    _empty_postgres(*urls)
    data_dir.mkdir()
    return Settings(
        data_dir=data_dir,
        master_key=SecretStr(master_key),
        database_url=urls[0],
        keyring_url=urls[1],
    )


def _opened(settings: Settings) -> Iterator[Kluis]:
    """An open Kluis with the default purposes catalogue and consent topics loaded."""
    opened = open_kluis(settings, migrate=False)
    load_default_catalogue(opened.engine, NOW)
    load_default_topics(opened, NOW)
    try:
        yield opened
    finally:
        opened.close()


@pytest.fixture
def settings(
    backend: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
) -> Settings:
    """Settings for an empty, migrated Kluis on the backend under test."""
    return _settings_on(backend, tmp_path / "data", MASTER_KEY, request, "pg_urls")


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
def target_pg_urls(pg: PostgresServer | None) -> tuple[str, str] | None:
    if pg is None:
        return None
    pg.create_database("kluis_target")
    pg.create_database("kluis_target_keyring")
    data_url, keyring_url = pg.url("kluis_target"), pg.url("kluis_target_keyring")
    for url, store in ((data_url, "data"), (keyring_url, "keyring")):
        engine = db.make_engine(url)
        db.upgrade(engine, store)
        engine.dispose()
    return data_url, keyring_url


@pytest.fixture
def target_settings(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """Another Kluis, in its own data directory (or databases), with its own master key."""
    return _settings_on(backend, tmp_path / "target", OTHER_MASTER_KEY, request, "target_pg_urls")


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
