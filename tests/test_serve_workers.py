"""``kluis serve --workers 2`` on PostgreSQL: two real processes share the staff session and its
CSRF token, the sign-in lock-out and the public-form mail limits through the database. Each
connection is pinned to the process that accepted it (read from ``/proc``), so the test knows
that a request crossed to the other process rather than hoping so. On SQLite several processes
are refused with what to do instead.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import text

import ports
from conftest import NOW
from kluis.actors import SYSTEM
from kluis.auth import service as auth
from kluis.cli_serve import check_workers
from kluis.errors import InvalidField
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.ui.limits import PER_ADDRESS, PER_CLIENT
from mailserver import MailServer

PASSWORD = "correct horse battery staple"
pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="reads Linux's /proc")


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.add(int(entry.name))
    return found


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def wait_until(done: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + 300
    while not done():
        assert time.monotonic() < deadline, f"waited 300 s for {what}"
        time.sleep(0.01)


def _inode(server_port: int, client_port: int) -> str:
    """The inode of the server's end of the loopback connection from ``client_port``."""
    local, remote = f"0100007F:{server_port:04X}", f"0100007F:{client_port:04X}"
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[1] == local and parts[2] == remote:
            return parts[9]
    raise AssertionError("no such connection")


def _holder(pids: set[int], inode: str) -> int:
    wanted = f"socket:[{inode}]"
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if os.readlink(fd) == wanted:
                    return pid
            except OSError:
                continue
    raise AssertionError("no worker holds the connection")


@dataclass
class Connection:
    """One keep-alive connection, served by one worker process (``pid``) for its whole life."""

    http: http.client.HTTPConnection
    pid: int
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.http.request(method, path, body=body, headers=headers)
        response = self.http.getresponse()
        text = response.read().decode()
        return response.status, text, dict(response.getheaders())


@dataclass
class Workers:
    port: int
    process: subprocess.Popen[bytes]
    log: Path
    opened: list[http.client.HTTPConnection] = field(default_factory=list)

    def connect(self, pids: set[int]) -> Connection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        self.opened.append(conn)
        conn.request("GET", "/healthz")
        conn.getresponse().read()
        assert conn.sock is not None
        inode = _inode(self.port, conn.sock.getsockname()[1])
        return Connection(conn, _holder(pids, inode))

    def one_on_each(self) -> tuple[Connection, Connection]:
        """Two connections served by different worker processes. Which process accepts a
        connection is the kernel's and the scheduler's choice (on a busy machine the same one
        can win every time): the first one's process is frozen (SIGSTOP) while the second
        connection is made, so the other process accepts it. uvicorn's supervisor would replace a
        worker that misses its pings for 5 s; the freeze lasts one request."""
        pids = _children(self.process.pid)
        first = self.connect(pids)
        os.kill(first.pid, signal.SIGSTOP)
        try:
            wait_until(lambda: _state(first.pid) == "T", "the first worker to be frozen")
            second = self.connect(pids)
        finally:
            os.kill(first.pid, signal.SIGCONT)
        assert second.pid != first.pid
        return first, second

    def stop(self) -> str:
        for conn in self.opened:
            conn.close()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=120)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.log.read_text()


@pytest.fixture
def workers(
    kluis_env: Settings, kluis: Kluis, empty_queue: None, smtp: MailServer, tmp_path: Path
) -> Iterator[Workers]:
    """The worker started here would also run what earlier tests on this database left queued
    (with ids that now name this test's rows): ``empty_queue`` leaves only this test's jobs."""
    reservation = ports.Reserved()  # held until the server listens
    port = reservation.port
    log = tmp_path / "serve.log"
    env = {**os.environ, "KLUIS_SMTP_URL": smtp.url, "KLUIS_BASE_URL": f"http://127.0.0.1:{port}"}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "kluis", "serve", "--port", str(port), "--workers", "2"],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    served = Workers(port, process, log)
    # on PostgreSQL the web processes run no jobs: the portal's verification mails are a job
    with (tmp_path / "worker.log").open("wb") as out:
        job_worker = subprocess.Popen(
            [sys.executable, "-m", "kluis", "worker"], stdout=out, stderr=subprocess.STDOUT, env=env
        )
    try:
        deadline = time.monotonic() + 300
        while log.read_text().count("Application startup complete") < 2:
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"kluis serve --workers 2 did not start: {served.stop()}")
            time.sleep(0.2)
        reservation.release()
        yield served
    finally:
        reservation.release()
        served.stop()
        job_worker.send_signal(signal.SIGTERM)
        try:
            job_worker.wait(timeout=120)
        except subprocess.TimeoutExpired:
            job_worker.kill()
            job_worker.wait()


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF token"
    return found.group(1)


def _wait_for_mail(smtp: MailServer, count: int) -> None:
    deadline = time.monotonic() + 120
    while len(smtp.received) < count:
        assert time.monotonic() < deadline, f"{len(smtp.received)} of {count} mails arrived"
        time.sleep(0.05)


def _wait_for_the_queue(kluis: Kluis) -> None:
    """Until every job queued so far has run: then no mail is still on its way."""
    deadline = time.monotonic() + 120
    while True:
        with kluis.engine.connect() as conn:
            left = conn.scalar(
                text("SELECT count(*) FROM procrastinate_jobs WHERE status IN ('todo', 'doing')")
            )
        if not left:
            return
        assert time.monotonic() < deadline, f"{left} jobs still queued"
        time.sleep(0.05)


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_two_processes_share_sessions_sign_in_limits_and_form_limits(
    kluis: Kluis, smtp: MailServer, workers: Workers
) -> None:
    auth.create_user(kluis.engine, SYSTEM, "admin@example.com", "admin", NOW, password=PASSWORD)
    auth.create_user(kluis.engine, SYSTEM, "sales@example.com", "sales", NOW, password=PASSWORD)
    one, two = workers.one_on_each()
    assert one.pid != two.pid

    # A session made by one process is the session of the other, CSRF token included.
    status, _page, headers = one.request(
        "POST", "/app/sign-in", {"email": "admin@example.com", "password": PASSWORD}
    )
    assert status == 303
    cookie = re.search(r"kluis_session=([^;]+)", headers["set-cookie"])
    assert cookie is not None
    one.cookies["kluis_session"] = two.cookies["kluis_session"] = cookie.group(1)
    status, page, _ = two.request("GET", "/app/contacts")
    assert status == 200
    csrf = _csrf(page)
    form = {"csrf": csrf, "language": "en", "back": "/app/contacts"}
    assert one.request("POST", "/app/language", form)[0] == 303
    assert two.request("POST", "/app/language", form)[0] == 303
    assert two.request("POST", "/app/language", form | {"csrf": "forged"})[0] == 403

    # Failed sign-ins counted by both processes lock the account for both.
    for n in range(5):
        conn = (one, two)[n % 2]
        wrong = {"email": "sales@example.com", "password": "not the password"}
        assert conn.request("POST", "/app/sign-in", wrong)[0] == 401
    right = {"email": "sales@example.com", "password": PASSWORD}
    assert one.request("POST", "/app/sign-in", right)[0] == 401
    assert two.request("POST", "/app/sign-in", right)[0] == 401

    # One address gets at most PER_ADDRESS mails, whichever process takes the form.
    asked = {"email": "mail.bomb.target@example.com", "type": "access"}
    for n in range(PER_ADDRESS + 3):
        assert (one, two)[n % 2].request("POST", "/privacy?lang=en", asked)[0] == 200
    _wait_for_mail(smtp, PER_ADDRESS)

    # One client may post PER_CLIENT forms in all, counted by both processes.
    for n in range(PER_CLIENT - PER_ADDRESS - 3):
        form = {"email": f"someone{n}@example.com", "type": "access"}
        assert (one, two)[n % 2].request("POST", "/privacy?lang=en", form)[0] == 200
    for conn in (one, two):
        status, page, _ = conn.request(
            "POST", "/privacy?lang=en", {"email": "one.more@example.com", "type": "access"}
        )
        assert status == 429
        assert "Try again in an hour" in page
    _wait_for_the_queue(kluis)
    assert len(smtp.received) == PER_CLIENT - 3

    log = workers.stop()
    assert "Traceback" not in log
    assert log.count("Application startup complete") == 2


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_several_processes_are_refused_on_sqlite_with_what_to_do(kluis_env: Settings) -> None:
    with ports.reserved() as port:
        done = subprocess.run(
            [sys.executable, "-m", "kluis", "serve", "--workers", "2", "--port", str(port)],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    assert done.returncode == 1
    assert "--workers 2 needs PostgreSQL" in done.stderr
    assert "docs/operations.md" in done.stderr
    assert "Kluis serves" not in done.stdout


def test_a_keyring_on_sqlite_is_refused_too_and_one_process_is_always_allowed(
    tmp_path: Path,
) -> None:
    pg = "postgresql+psycopg://kluis@db.example.com/kluis"
    mixed = Settings(data_dir=tmp_path, database_url=pg)
    with pytest.raises(InvalidField, match="the keyring on SQLite") as refused:
        check_workers(mixed, 4)
    assert refused.value.field == "workers"
    check_workers(mixed, 1)
    check_workers(Settings(data_dir=tmp_path, database_url=pg, keyring_url=pg), 4)
