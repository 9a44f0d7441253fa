"""HTTP benchmark: requests per second of ``GET /api/v1/contacts/{id}`` with 1, 2 and 4 web
processes on PostgreSQL, against a minimal FastAPI endpoint running the same SELECTs, in the
same run.

Starts a throwaway PostgreSQL server from the installed binaries (the test suite's
``tests/pgserver.py``), makes N people through the real service (``contacts.collect``,
collected for ``customer_service``) and an admin's API token, then captures the statements
Kluis's route runs for one read (SQLAlchemy's ``before_cursor_execute``, ``begin``, ``commit``
and ``rollback`` events on both engines, the second read of a person, so the person's key is in
the vault's cache as it is in a warm server). The SELECTs, inside the same transactions, are what
the baseline (``benchmarks/http_baseline.py``) runs for each request; what Kluis writes besides
(the audit entry of the read, Art. 5(2)) is printed and is part of what Kluis costs.

For each process count P, both servers run side by side: ``kluis serve --workers P`` and
uvicorn serving the baseline with P workers, both with uvicorn's access log to a file. A load
generator per server (``benchmarks/http_load.py``, a process of its own: httpx, one keep-alive
connection per thread) sends R requests over the people's ids in turn; ``harness.alternate``
runs baseline and Kluis in turn (A B A B), after one round each that is not counted (it warms
every process's caches, the vault's keys among them), and the ratio is Kluis's requests per
second as a share of the baseline's. CPU time is the servers' own (every process of each, from
``/proc``), not the load generator's. During each round a thread samples how many database
sessions wait for a lock: every audited read updates the audit chain's head row (invariant 6),
so reads queue there, across processes too. Every server and the database are stopped at the end,
also on an error or Ctrl-C.

On a two-core machine 2 and 4 processes cannot be twice and four times one, and PostgreSQL and
the load generator share the cores; the machine is shared, so the ratios are the figures that
count, and the load average is printed before and after.

    python benchmarks/web_requests.py [--people 1000] [--requests 1000] [--pairs 3]
        [--processes 1,2,4] [--concurrency 16]
"""

# ruff: noqa: E402
from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.append(str(HERE.parent / "tests"))

import argparse
import json
import os
import pickle
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import Connection, create_engine, event, make_url, text

from harness import Result, Timing, alternate, report
from kluis.actors import SYSTEM, Actor, Role
from kluis.app import create_app
from kluis.auth import service as auth
from kluis.consent.catalogue import load_default_topics
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text
from pgserver import postgres_server

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
ACTOR = Actor(ref="benchmark", role=Role.ADMIN)
PURPOSE = "customer_service"
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]
BASELINE_MAIN = (
    "import sys; sys.path.append(sys.argv[3]); import uvicorn; "
    "uvicorn.run('http_baseline:create', factory=True, host='127.0.0.1', "
    "port=int(sys.argv[1]), workers=int(sys.argv[2]), log_level='info')"
)
TICK = os.sysconf("SC_CLK_TCK")
LOCK_WAITS = text(
    "SELECT count(*) FROM pg_stat_activity WHERE datname = :db AND wait_event_type = 'Lock'"
)


def people(count: int) -> Iterator[contacts.NewPerson]:
    for n in range(count):
        yield contacts.NewPerson(
            relationship="customer",
            purposes=[PURPOSE],
            language="nl" if n % 3 else "en",
            fields={
                "given_name": GIVEN[n % len(GIVEN)],
                "family_name": f"{FAMILY[n % len(FAMILY)]} {n}",
                "email": f"person{n}@example.com",
                "phone": f"+31 6 {10000000 + n}",
            },
        )


@dataclass
class Captured:
    steps: list[tuple[str, str, str, dict[str, Any]]] = field(default_factory=list)
    writes: list[str] = field(default_factory=list)
    recording: bool = False


def capture(kluis: Kluis, token: str, person: str) -> Captured:
    """The statements and transactions of one warm read of ``person`` through Kluis's route."""
    seen = Captured()

    def listen(engine: Any, store: str) -> None:
        def on(action: str) -> Any:
            def record(_conn: Connection) -> None:
                if seen.recording:
                    seen.steps.append((store, action, "", {}))

            return record

        def before(
            _conn: Connection, _cursor: Any, statement: str, params: Any, _c: Any, many: bool
        ) -> None:
            if not seen.recording:
                return
            if statement.lstrip().upper().startswith("SELECT") and not many:
                seen.steps.append((store, "sql", statement, dict(params or {})))
            else:
                seen.writes.append(f"{store}: {' '.join(statement.split())[:100]}")

        for action in ("begin", "commit", "rollback"):
            event.listen(engine, action, on(action))
        event.listen(engine, "before_cursor_execute", before)

    listen(kluis.engine, "data")
    listen(kluis.vault.engine, "keyring")
    path = f"/api/v1/contacts/{person}?purpose={PURPOSE}"
    headers = {"Authorization": f"Bearer {token}"}
    with TestClient(create_app(kluis)) as client:
        client.get(path, headers=headers).raise_for_status()
        seen.recording = True
        client.get(path, headers=headers).raise_for_status()
        seen.recording = False
    return seen


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tree(pid: int) -> list[int]:
    """``pid`` and every process below it."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [pid], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, p in parents.items() if p == parent]
        found.extend(children)
        todo.extend(children)
    return found


def _cpu(pid: int) -> float:
    """CPU seconds of the living processes of ``pid``'s tree."""
    total = 0
    for each in _tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


@contextmanager
def _process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[str]]:
    with log.open("w") as out:
        process = subprocess.Popen(  # noqa: S603 (our own command lines)
            command, stdout=out, stderr=subprocess.STDOUT, env=env, text=True, cwd=HERE.parent
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_until_served(process: subprocess.Popen[str], log: Path, workers: int) -> None:
    deadline = time.monotonic() + 120
    while log.read_text().count("Application startup complete") < workers:
        if process.poll() is not None or time.monotonic() > deadline:
            raise SystemExit(f"a server did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)


@contextmanager
def _load(url: str, token: str, ids: Path, args: argparse.Namespace) -> Iterator[Any]:
    command = [
        sys.executable,
        "-P",
        str(HERE / "http_load.py"),
        url,
        "--token",
        token,
        "--ids",
        str(ids),
        "--requests",
        str(args.requests),
        "--concurrency",
        str(args.concurrency),
    ]
    process = subprocess.Popen(  # noqa: S603 (our own command line)
        command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        if process.stdout.readline().strip() != "ready":
            raise SystemExit(f"the load generator for {url} did not start")
        yield process
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


@contextmanager
def _lock_waits(database_url: str) -> Iterator[list[int]]:
    """Samples, every 20 ms, how many sessions of the data database wait for a lock (the audit
    chain's head row is one row every read updates)."""
    samples: list[int] = []
    done = threading.Event()
    engine = create_engine(database_url)

    def sample() -> None:
        with engine.connect() as conn:
            while not done.wait(0.02):
                waiting = conn.scalar(LOCK_WAITS, {"db": make_url(database_url).database})
                conn.rollback()
                samples.append(int(waiting or 0))

    thread = threading.Thread(target=sample)
    thread.start()
    try:
        yield samples
    finally:
        done.set()
        thread.join()
        engine.dispose()


def _run(
    load: subprocess.Popen[str], server: int, results: list[dict[str, Any]], database_url: str
) -> Timing:
    assert load.stdin is not None
    assert load.stdout is not None
    with _lock_waits(database_url) as samples:
        before = _cpu(server)
        load.stdin.write("go\n")
        load.stdin.flush()
        result = json.loads(load.stdout.readline())
        result["cpu"] = _cpu(server) - before
    result["lock_waits"] = sum(samples) / max(1, len(samples))
    results.append(result)
    return Timing(result["seconds"], result["cpu"])


def measure(
    processes: int, env: dict[str, str], token: str, ids: Path, work: Path, args: argparse.Namespace
) -> None:
    with ExitStack() as stack:
        kluis_port, base_port = _free_port(), _free_port()
        kluis_log, base_log = work / f"kluis-{processes}.log", work / f"baseline-{processes}.log"
        kluis_command = [sys.executable, "-P", "-m", "kluis", "serve", "--port", str(kluis_port)]
        kluis_command += ["--workers", str(processes)]
        base_command = [sys.executable, "-P", "-c", BASELINE_MAIN, str(base_port)]
        base_command += [str(processes), str(HERE)]
        kluis = stack.enter_context(_process(kluis_command, env, kluis_log))
        base = stack.enter_context(_process(base_command, env, base_log))
        _wait_until_served(kluis, kluis_log, processes)
        _wait_until_served(base, base_log, processes)
        kluis_load = stack.enter_context(_load(f"http://127.0.0.1:{kluis_port}", token, ids, args))
        base_load = stack.enter_context(_load(f"http://127.0.0.1:{base_port}", token, ids, args))
        ours: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        url = env["KLUIS_DATABASE_URL"]
        # one round each first, not counted: every process's caches (the vault's keys) warm
        _run(base_load, base.pid, [], url)
        _run(kluis_load, kluis.pid, [], url)
        comparison = alternate(
            args.pairs,
            lambda _i: _run(base_load, base.pid, theirs, url),
            lambda _i: _run(kluis_load, kluis.pid, ours, url),
        )
    errors = sum(r["errors"] for r in ours + theirs)
    rate = args.requests / comparison.median("kluis")
    base_rate = args.requests / comparison.median("baseline")
    p99 = sorted(r["p99_ms"] for r in ours)[len(ours) // 2]
    base_p99 = sorted(r["p99_ms"] for r in theirs)[len(theirs) // 2]
    cpu = sorted(r["cpu"] / r["requests"] * 1000 for r in ours)[len(ours) // 2]
    base_cpu = sorted(r["cpu"] / r["requests"] * 1000 for r in theirs)[len(theirs) // 2]
    waits = sorted(r["lock_waits"] for r in ours)[len(ours) // 2]
    base_waits = sorted(r["lock_waits"] for r in theirs)[len(theirs) // 2]
    print(
        f"{processes} process(es): Kluis {rate:.0f} req/s (p99 {p99:.1f} ms, {cpu:.2f} ms CPU "
        f"a request), baseline {base_rate:.0f} req/s (p99 {base_p99:.1f} ms, {base_cpu:.2f} ms "
        f"CPU); sessions waiting for a lock {waits:.1f} vs {base_waits:.1f} on average; "
        f"{comparison.summary()}; errors {errors}",
        flush=True,
    )
    report(
        Result(
            workload=f"GET /api/v1/contacts/{{id}}, {processes} process(es), PostgreSQL",
            goal="measured against the same SELECTs (issue 16)",
            figure=f"{rate:.0f} req/s vs baseline {base_rate:.0f} req/s; {errors} errors",
            ratio=comparison.summary(),
            met=None if errors == 0 else False,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--people", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument("--processes", default="1,2,4")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()
    print(f"load average before: {Path('/proc/loadavg').read_text().strip()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as pg:
        work = Path(tmp)
        pg.create_database("kluis_http")
        pg.create_database("kluis_http_keyring")
        master_key = new_master_key_text()
        settings = Settings(
            data_dir=work / "data",
            master_key=SecretStr(master_key),
            database_url=pg.url("kluis_http"),
            keyring_url=pg.url("kluis_http_keyring"),
            schedule_hours=0,
        )
        kluis = open_kluis(settings, create=True)
        try:
            load_default_catalogue(kluis.engine, NOW)
            load_default_topics(kluis, NOW)
            ids = collect.create_people(kluis, ACTOR, people(args.people), NOW)
            auth.create_user(kluis.engine, SYSTEM, "bench@example.com", "admin", NOW)
            _token_id, token = auth.create_token(kluis.engine, SYSTEM, "bench@example.com", NOW)
            seen = capture(kluis, token, ids[0])
        finally:
            kluis.close()
        selects = sum(1 for step in seen.steps if step[1] == "sql")
        transactions = sum(1 for step in seen.steps if step[1] == "begin")
        print(
            f"{args.people} people; Kluis's read runs {selects} SELECTs in {transactions} "
            f"transactions, which the baseline runs too, and writes {len(seen.writes)}:"
        )
        for store, action, statement, _params in seen.steps:
            if action == "sql":
                print(f"  read  {store}: {' '.join(statement.split())[:110]}")
        for write in seen.writes:
            print(f"  write {write}")
        (work / "steps.pickle").write_bytes(pickle.dumps(seen.steps))
        (work / "ids.txt").write_text("\n".join(ids))
        env = {
            **os.environ,
            "KLUIS_DATA_DIR": str(settings.data_dir),
            "KLUIS_MASTER_KEY": master_key,
            "KLUIS_DATABASE_URL": pg.url("kluis_http"),
            "KLUIS_KEYRING_URL": pg.url("kluis_http_keyring"),
            "KLUIS_SCHEDULE_HOURS": "0",
            "HTTP_BENCH_SQL": str(work / "steps.pickle"),
            "HTTP_BENCH_PERSON": ids[0],
            "HTTP_BENCH_DATA_URL": pg.url("kluis_http"),
            "HTTP_BENCH_KEYRING_URL": pg.url("kluis_http_keyring"),
        }
        for processes in (int(p) for p in args.processes.split(",")):
            measure(processes, env, token, work / "ids.txt", work, args)
    print(f"load average after: {Path('/proc/loadavg').read_text().strip()}", flush=True)


if __name__ == "__main__":
    main()
