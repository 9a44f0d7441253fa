"""Throwaway PostgreSQL server for the test suite.

Kluis stores its data in PostgreSQL, and the behaviour under test (transactions,
constraints, locking, ``pg_dump`` output) only exists in a real server, so the
tests run against one instead of a mock or SQLite.  ``postgres_server()`` builds
a fresh cluster in a temporary directory with the installed binaries, serves it
on a free loopback port, and deletes it afterwards.

PostgreSQL refuses to run as root, and the tests usually do run as root (in
containers and CI).  In that case the temporary directory is handed to the
``postgres`` system user and ``initdb``/``pg_ctl`` are run through ``runuser``.
Client tools such as ``pg_dump`` connect over TCP and work fine as root.
"""

from __future__ import annotations

import glob
import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

import ports

__all__ = ["PostgresServer", "PostgresUnavailable", "find_bindir", "postgres_server"]

BINDIR_ENV = "KLUIS_TEST_PG_BINDIR"
INSTALL_HINT = "install it with `apt-get install -y postgresql`"
SERVICE_USER = "postgres"
HOST = "127.0.0.1"
LOG_TAIL_LINES = 40


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be found or started for the tests."""


@dataclass(frozen=True)
class PostgresServer:
    """Connection details of a running throwaway server."""

    host: str
    port: int
    bindir: Path
    user: str = SERVICE_USER

    def url(self, dbname: str, driver: str = "postgresql+psycopg") -> str:
        return f"{driver}://{self.user}@{self.host}:{self.port}/{dbname}"

    def _admin_connection(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            host=self.host,
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
        )

    def create_database(self, name: str) -> None:
        """Create ``name``, replacing any existing database of that name."""
        with self._admin_connection() as conn:
            conn.execute(_drop_statement(name))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))

    def drop_database(self, name: str) -> None:
        with self._admin_connection() as conn:
            conn.execute(_drop_statement(name))

    def pg_dump(self, dbname: str) -> bytes:
        """Return a plain-SQL dump (schema and data) of ``dbname``."""
        result = subprocess.run(
            [
                str(self.bindir / "pg_dump"),
                "--no-password",
                "--format=plain",
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-U",
                self.user,
                "-d",
                dbname,
            ],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env=_client_env(),
            timeout=120,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"pg_dump of {dbname!r} failed ({result.returncode}): "
                + result.stderr.decode(errors="replace")
            )
        return result.stdout


def _drop_statement(name: str) -> sql.Composed:
    return sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))


def _client_env() -> dict[str, str]:
    """The current environment minus ``PG*`` settings that could redirect tools."""
    return {k: v for k, v in os.environ.items() if not k.startswith("PG")}


def _version_key(bindir: Path) -> tuple[int, ...]:
    parts = bindir.parent.name.split(".")
    return tuple(int(p) if p.isdigit() else -1 for p in parts)


def find_bindir() -> Path:
    """Locate the PostgreSQL server binaries, preferring ``$KLUIS_TEST_PG_BINDIR``."""
    override = os.environ.get(BINDIR_ENV)
    if override:
        bindir = Path(override)
        if not (bindir / "initdb").is_file():
            raise PostgresUnavailable(
                f"{BINDIR_ENV}={override} has no initdb; point it at a PostgreSQL "
                f"bin directory, or unset it and {INSTALL_HINT}"
            )
        return bindir
    candidates = [Path(p).parent for p in glob.glob("/usr/lib/postgresql/*/bin/initdb")]
    if not candidates:
        raise PostgresUnavailable(
            "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; "
            f"{INSTALL_HINT}, or set {BINDIR_ENV} to a directory containing initdb"
        )
    return max(candidates, key=_version_key)


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid)
    for dirpath, dirnames, filenames in os.walk(root):
        for name in (*dirnames, *filenames):
            os.chown(os.path.join(dirpath, name), uid, gid)


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log file: {exc})"
    return "\n".join(text.splitlines()[-lines:])


class _Runner:
    """Runs server-side binaries, switching to the ``postgres`` user when root."""

    def __init__(self, bindir: Path, workdir: Path) -> None:
        self.bindir = bindir
        self.workdir = workdir
        self.prefix: list[str] = []
        if os.geteuid() == 0:
            runuser = shutil.which("runuser") or "/usr/sbin/runuser"
            self.prefix = [runuser, "-u", SERVICE_USER, "--"]

    def run(
        self, tool: str, args: Sequence[str], timeout: float = 120
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.prefix, str(self.bindir / tool), *args],
            cwd=self.workdir,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            errors="replace",
            env=_client_env(),
            timeout=timeout,
            check=False,
        )


def _initdb(runner: _Runner, datadir: Path) -> None:
    base = ["-D", str(datadir), "-A", "trust", "-U", SERVICE_USER, "-E", "UTF8"]
    first = runner.run("initdb", [*base, "--locale=C.UTF-8"])
    if first.returncode == 0:
        return
    shutil.rmtree(datadir, ignore_errors=True)
    second = runner.run("initdb", [*base, "--no-locale"])
    if second.returncode != 0:
        raise PostgresUnavailable(
            "initdb failed with --locale=C.UTF-8:\n"
            f"{first.stdout}{first.stderr}\n"
            "and with --no-locale:\n"
            f"{second.stdout}{second.stderr}"
        )


@contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """Start a throwaway PostgreSQL server, yield its details, then destroy it."""
    bindir = find_bindir()
    workdir = Path(tempfile.mkdtemp(prefix="kluis-pg-"))
    try:
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam(SERVICE_USER)
            except KeyError:
                raise PostgresUnavailable(
                    f"running as root but there is no {SERVICE_USER!r} system user "
                    f"to run the server as; {INSTALL_HINT}"
                ) from None
            _chown_tree(workdir, account.pw_uid, account.pw_gid)
        runner = _Runner(bindir, workdir)
        datadir = workdir / "data"
        logfile = workdir / "postgres.log"
        _initdb(runner, datadir)
        reservation = ports.Reserved(HOST)  # held until PostgreSQL listens (tests/ports.py)
        port = reservation.port
        options = " ".join(
            [
                f"-p {port}",
                f"-c listen_addresses={HOST}",
                f"-k {shlex.quote(str(workdir))}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
            ]
        )
        pg_ctl_base = ["-D", str(datadir)]
        try:
            try:
                start = runner.run(
                    "pg_ctl",
                    [*pg_ctl_base, "-l", str(logfile), "-w", "-t", "60", "-o", options, "start"],
                    timeout=90,
                )
            except subprocess.TimeoutExpired:
                raise PostgresUnavailable(
                    f"pg_ctl start did not return within 90s\n"
                    f"--- tail of {logfile} ---\n{_tail(logfile)}"
                ) from None
            finally:
                reservation.release()
            if start.returncode != 0:
                raise PostgresUnavailable(
                    f"pg_ctl start failed ({start.returncode}):\n"
                    f"{start.stdout}{start.stderr}\n"
                    f"--- tail of {logfile} ---\n{_tail(logfile)}"
                )
            yield PostgresServer(host=HOST, port=port, bindir=bindir)
        finally:
            with suppress(subprocess.TimeoutExpired):
                runner.run("pg_ctl", [*pg_ctl_base, "-m", "immediate", "-w", "stop"], timeout=60)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
