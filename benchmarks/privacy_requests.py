"""Requests benchmark: an access export and an erasure of one person among N people on SQLite.

Populates a fresh Kluis straight through the driver (``kluis.db.insert_rows``), as
``audience.py`` does, with N background people: a row each with ciphertext-sized personal
columns (random bytes), their purposes, 4-5 blind-index rows, a wrapped key in the keyring, an
e-mail consent event and its kept state for half of them, a message for a third, and a valid
audit chain of their ``person.created`` entries (written by ``audit.record``). Their ids and
digests rise, so they are appended to the indexes: at 1M people, random ones made the writing
take about 2.5 times as long and measured nothing more.

Then makes the measured people through the real services (``contacts.collect.create_people``,
``consent.evidence.add_evidence`` and ``consent.ledger.record``): each has a phone recording as
evidence and 100 consent events (granted and withdrawn in turn on the four default topics, on
web forms with a notice, the source IP and user agent sealed), and 100 message rows whose
decision columns follow that ledger (a quarter transactional; commercial ones sent on a live
consent citing it, refused after a withdrawal), with the ``message.status`` audit entries the
messaging service writes. The messages go in through the driver: sending them through SMTP is
what ``campaign.py`` measures. Each measured person is then copied twice at the SQL level
(every row, the key too, under a new id) for the DELETE baselines.

Measured, at a fixed ``now`` and with the key cache emptied before each (a privacy request is a
one-off), one warm-up person first and not counted:

- ``requests.export.access_package``, and it rendered as JSON, for each measured person;
  baseline: plain sqlite3 SELECTs of the same rows (the person's row and their rows in every
  table with a foreign key to ``people``, their audit entries, their key row), no decryption.
- ``contacts.erasure.erase_person`` of the same people afterwards; baseline: plain sqlite3
  DELETEs of the same rows (people and every table with a foreign key to it, read from the
  schema: purposes, blind index, consent events, evidence, permissions, flags, messages, ...;
  and the key row in the keyring) of the first copies, on connections with the pragmas Kluis
  uses (WAL, synchronous=NORMAL, secure_delete=ON) but no foreign keys; and of the second copies
  with secure_delete=OFF, to show what overwriting the freed pages costs.

Kluis and baseline alternate person by person (who goes first alternates too), so both see the
same cache and the same checkpoints. Prints median and 99th percentile (nearest rank,
``harness.percentile``, over at least 1,000 people by default) and the ratios of the medians
(and of the p99s), then one ``harness.report`` line per goal: the erasure's p99 (< 10 ms on a
quiet machine, < 20 ms at load 3; the load average is printed beside it) and the export's p99
(< 100 ms). SQLite only, like the other benchmarks. Machines here are noisy; the ratios are the
figures that count.

    python benchmarks/privacy_requests.py [--rows 1000000] [--people 1000] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import operator
import os
import pstats
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from harness import Result, percentile, report
from kluis.actors import Actor, Role
from kluis.audit import service as audit
from kluis.audit.consent_events import MessageStatusChanged
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonCreated
from kluis.consent import catalogue, evidence
from kluis.consent import ledger as consent
from kluis.consent.catalogue import DEFAULT_TOPICS, load_default_topics
from kluis.consent.grant_rules import every
from kluis.consent.rules import add_months
from kluis.contacts import collect, erasure
from kluis.contacts import people as contacts
from kluis.contacts.tables import people as people_table
from kluis.db import insert_rows, to_db_time
from kluis.opening import open_kluis
from kluis.purposes.service import load_default_catalogue
from kluis.requests.export import access_package, render
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.vault.keys import new_master_key_text

NOW = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
START = NOW - timedelta(days=120)
ADMIN = Actor(ref="benchmark", role=Role.ADMIN)
TOPICS = tuple(key for key, _, _ in DEFAULT_TOPICS)
NOTICE = "Ja, ik wil nieuws en aanbiedingen van de Kaaswinkel per e-mail ontvangen."
WAV = b"RIFF\x24\x10\x00\x00WAVEfmt " + bytes(range(256)) * 16
GIVEN = ["Anouk", "Bram", "Daan", "Eva", "Fleur", "Joris", "Lotte", "Milan", "Noor", "Sem"]
FAMILY = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder"]

PEOPLE = (
    "id",
    "relationship",
    "language",
    "created_at",
    "updated_at",
    "last_interaction_at",
    "given_name",
    "family_name",
    "email",
    "phone",
    "address",
)
PURPOSES = ("person_id", "purpose_key", "collected_at")
INDEX = ("field", "digest", "person_id")
KEYS = ("person_id", "wrapped_key", "created_at")
EVENTS = (
    "id",
    "person_id",
    "channel",
    "topic",
    "action",
    "method",
    "notice_id",
    "captured_by",
    "captured_at",
    "source_ip",
    "user_agent",
    "reconfirm_by",
)
PERMISSIONS = ("person_id", "channel", "topic", "status", "event_id", "since", "reconfirm_by")
MESSAGES = (
    "id",
    "person_id",
    "kind",
    "channel",
    "topic",
    "template",
    "language",
    "status",
    "allowed",
    "basis",
    "reason",
    "evidence_event_id",
    "message_id",
    "created_by",
    "created_at",
    "sent_at",
)

assert set(PEOPLE) <= set(people_table.c.keys())


def sealed_size(plain: int) -> int:
    """Bytes of a sealed field value: format byte, nonce, ciphertext, tag."""
    return 1 + 12 + plain + 16


# Background population ---------------------------------------------------------------------------


@dataclass
class Batch:
    people: list[tuple[Any, ...]] = field(default_factory=list)
    purposes: list[tuple[Any, ...]] = field(default_factory=list)
    index: list[tuple[Any, ...]] = field(default_factory=list)
    keys: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    permissions: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    audit: list[AuditEvent] = field(default_factory=list)


class Population:
    """A reproducible background of people, generated in batches. Personal values and digests
    are random bytes of the right sizes: nobody reads them, they only take their place."""

    def __init__(self, notice_id: int, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.notice_id = notice_id
        self.people = 0
        self.event_id = 0
        self.message_id = 0
        self.random = b""
        self.used = 0
        # times at whole days, formatted once: strftime per row was a fifth of the writing
        self.days = [stamp(NOW - timedelta(days=d)) for d in range(701)]
        self.reconfirm = [stamp(add_months(NOW - timedelta(days=d), 24)) for d in range(701)]

    def blob(self, size: int) -> bytes:
        """``size`` random bytes, cut from one large draw per batch."""
        if self.used + size > len(self.random):
            self.random, self.used = self.rng.randbytes(1 << 22), 0
        self.used += size
        return self.random[self.used - size : self.used]

    def digest(self) -> bytes:
        """A blind-index digest: rising, like the ids, so that the background is appended to
        the indexes rather than scattered through them (the measured people's digests and ids
        are real, and fall anywhere among these)."""
        return self.people.to_bytes(8) + self.blob(8)

    def batch(self, count: int) -> Batch:
        rng, batch, at, blob = self.rng, Batch(), stamp(NOW - timedelta(days=400)), self.blob
        for _ in range(count):
            self.people += 1
            person_id = str(uuid.UUID(int=(self.people << 64) | rng.getrandbits(64), version=4))
            roll = rng.random()
            relationship = "customer" if roll < 0.40 else "prospect" if roll < 0.85 else "other"
            fields = ["given_name", "family_name", "email", "phone"]
            address = blob(sealed_size(25 + rng.getrandbits(4))) if rng.random() < 0.5 else None
            if address is not None:
                fields.append("address")
            batch.people.append(
                (
                    person_id,
                    relationship,
                    "nl" if roll < 0.7 else "en",
                    at,
                    at,
                    at,
                    blob(sealed_size(3 + rng.getrandbits(3))),
                    blob(sealed_size(5 + rng.getrandbits(3))),
                    blob(sealed_size(16 + rng.getrandbits(4))),
                    blob(sealed_size(12)),
                    address,
                )
            )
            marketing = rng.random() < 0.5
            purposes = (
                ("customer_service", "email_marketing") if marketing else ("customer_service",)
            )
            batch.purposes.extend((person_id, key, at) for key in purposes)
            batch.index.append(("given_name", self.digest(), person_id))
            batch.index.append(("family_name", self.digest(), person_id))
            if rng.random() < 0.3:
                batch.index.append(("family_name", self.digest(), person_id))
            batch.index.append(("email", self.digest(), person_id))
            batch.index.append(("phone", self.digest(), person_id))
            batch.keys.append((person_id, blob(40), at))
            batch.audit.append(
                PersonCreated(person_id, relationship, purposes, tuple(fields), "import")
            )
            if marketing:
                self._consent(person_id, TOPICS[rng.getrandbits(2)], batch)
            if rng.random() < 0.33:
                self._message(person_id, batch)
        return batch

    def _consent(self, person_id: str, topic: str, batch: Batch) -> None:
        self.event_id += 1
        day = self.rng.randint(0, 700)
        since, reconfirm_by = self.days[day], self.reconfirm[day]
        batch.events.append(
            (
                self.event_id,
                person_id,
                "email",
                topic,
                "granted",
                "web_form",
                self.notice_id,
                "person",
                since,
                self.blob(sealed_size(12)),
                self.blob(sealed_size(70)),
                reconfirm_by,
            )
        )
        batch.permissions.append(
            (person_id, "email", topic, "granted", self.event_id, since, reconfirm_by)
        )

    def _message(self, person_id: str, batch: Batch) -> None:
        self.message_id += 1
        at = self.days[self.rng.randint(1, 300)]
        batch.messages.append(
            (
                self.message_id,
                person_id,
                "transactional",
                "email",
                "product_info",
                "custom",
                "nl",
                "sent",
                True,
                "contract",
                "transactional",
                None,
                f"<{uuid.UUID(int=self.rng.getrandbits(128))}@kluis.example>",
                "benchmark",
                at,
                at,
            )
        )


def stamp(at: datetime) -> str:
    """A time as Kluis stores it on SQLite (what ``insert_rows`` would make of a datetime)."""
    return to_db_time(at).strftime("%Y-%m-%d %H:%M:%S.%f")


field_and_digest = operator.itemgetter(0, 1)


def populate(k: Kluis, count: int, size: int, notice_id: int) -> float:
    """Write the background; returns the seconds it took (generation included). Rows go in in
    key order (ids and digests rise) and with a large page cache, only to make this part
    quicker; the cache is put back to SQLite's default before anything is measured."""
    population, written = Population(notice_id), 0
    start = time.perf_counter()
    for engine in (k.engine, k.vault.engine):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-262144")
    while written < count:
        batch = population.batch(min(size, count - written))
        with k.vault.engine.begin() as conn:
            insert_rows(conn, "person_keys", KEYS, batch.keys)
        with k.engine.begin() as conn:
            insert_rows(conn, "people", PEOPLE, batch.people)
            insert_rows(conn, "person_purposes", PURPOSES, batch.purposes)
            insert_rows(conn, "person_index", INDEX, sorted(batch.index, key=field_and_digest))
            insert_rows(conn, "consent_events", EVENTS, batch.events)
            insert_rows(conn, "permissions", PERMISSIONS, batch.permissions)
            insert_rows(conn, "messages", MESSAGES, batch.messages)
            audit.record(conn, "import", NOW - timedelta(days=400), batch.audit)
        written += len(batch.people)
    for engine in (k.engine, k.vault.engine):
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA cache_size=-2000")
        engine.dispose()
    return time.perf_counter() - start


# Measured people ---------------------------------------------------------------------------------


def new_people(first: int, count: int) -> Iterator[contacts.NewPerson]:
    for n in range(first, first + count):
        yield contacts.NewPerson(
            relationship="prospect",
            purposes=["customer_service", "email_marketing"],
            language=("nl", "en")[n % 2],
            fields={
                "given_name": GIVEN[n % len(GIVEN)],
                "family_name": f"{FAMILY[n % len(FAMILY)]}-Meetpersoon{n}",
                "email": f"meetpersoon{n}@example.com",
                "phone": f"+31 6 {30000000 + n}",
                "address": f"Kerkstraat {n % 200 + 1}, 5678 CD Ergens",
            },
        )


def history(
    k: Kluis, person_id: str, language: str, notice_id: int, events: int, messages: int, n: int
) -> int:
    """Evidence, ``events`` consent events through the service and ``messages`` message rows
    through the driver (with their audit entries); returns the next message id to use."""
    evidence_id = evidence.add_evidence(
        k,
        ADMIN,
        person_id,
        "email_marketing",
        "audio/wav",
        WAV,
        START,
        filename=f"gesprek-{n}.wav",
    )
    for i in range(events):
        at = START + timedelta(days=i)
        topic = TOPICS[i % len(TOPICS)]
        if (i // len(TOPICS)) % 2 == 0:
            grant = (
                consent.Grant("phone_recording", notice_id, evidence_id=evidence_id)
                if i == 0
                else consent.Grant(
                    "web_form",
                    notice_id,
                    source_ip=f"198.51.100.{n % 250 + 1}",
                    user_agent="Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101",
                )
            )
            consent.record(k, ADMIN, person_id, "email", topic, "granted", at, grant)
        else:
            consent.record(
                k,
                ADMIN,
                person_id,
                "email",
                topic,
                "withdrawn",
                at,
                consent.Grant("unsubscribe_link", None),
                captured_by="person",
            )
    return _messages(k, person_id, language, events, messages)


def _messages(k: Kluis, person_id: str, language: str, events: int, count: int) -> int:
    """Message rows whose decisions follow the ledger ``history`` wrote: message j goes half a
    day after event j, on its topic, and is decided by it."""
    with k.engine.connect() as conn:
        ledger = [
            (topic, action, event_id)
            for event_id, topic, action in conn.exec_driver_sql(
                "SELECT id, topic, action FROM consent_events WHERE person_id = ? ORDER BY id",
                (person_id,),
            )
        ]
        next_id = conn.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM messages").scalar()
    assert len(ledger) == events
    assert next_id is not None
    rows, audited = [], []
    state: dict[str, tuple[str, int]] = {}
    for j in range(count):
        topic, action, event_id = ledger[j % events]
        state[topic] = (action, event_id)
        at = START + timedelta(days=j % events, hours=12, minutes=j // events)
        message_id = next_id + j
        mail_id = f"<{uuid.uuid4()}@kluis.example>"
        if j % 4 == 3:
            decision = (True, "contract", "transactional", None)
        elif state[topic][0] == "granted":
            decision = (True, "consent", "consent", state[topic][1])
        else:
            decision = (False, "none", "withdrawn", state[topic][1])
        kind = "transactional" if j % 4 == 3 else "commercial"
        sent = decision[0]
        rows.append(
            (
                message_id,
                person_id,
                kind,
                "email",
                topic,
                "custom" if kind == "transactional" else f"campaign-{topic}",
                language if sent else "-",
                "sent" if sent else "refused",
                *decision,
                mail_id if sent else None,
                ADMIN.ref,
                to_db_time(at),
                to_db_time(at) if sent else None,
            )
        )
        statuses = ("sending", "sent") if sent else ("refused",)
        audited.append(
            (at, [MessageStatusChanged(person_id, message_id, kind, s) for s in statuses])
        )
    with k.engine.begin() as conn:
        insert_rows(conn, "messages", MESSAGES, rows)
        for at, events_of in audited:
            audit.record(conn, ADMIN.ref, at, events_of)
    return next_id + count


def measured_people(k: Kluis, first: int, count: int, notice_id: int, args: Any) -> list[str]:
    ids = collect.create_people(
        k, ADMIN, new_people(first, count), START, batch_size=count, source="benchmark"
    )
    for offset, person_id in enumerate(ids):
        n = first + offset
        history(k, person_id, ("nl", "en")[n % 2], notice_id, args.events, args.messages, n)
    return ids


# Baselines ---------------------------------------------------------------------------------------


def person_tables(conn: sqlite3.Connection) -> list[str]:
    """The tables whose rows go with a person (a foreign key to ``people``), read from the
    schema, so a table added later is in the baseline too. Evidence comes before the ledger
    that cites it (``clone`` relies on that)."""
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    found = [
        name
        for name in names
        if any(fk[2] == "people" for fk in conn.execute(f"PRAGMA foreign_key_list({name})"))
    ]
    for name in found:
        columns = {c[1] for c in conn.execute(f"PRAGMA table_info({name})")}
        assert "person_id" in columns, name
    return sorted(found, key=lambda name: (name != "consent_evidence", name))


class Plain:
    """Plain sqlite3 on the same files: no purposes, no decryption, no audit, no register, no
    foreign keys (every table is named instead)."""

    def __init__(self, data: Path, keyring: Path, *, secure_delete: bool) -> None:
        self.data = self._connect(data, secure_delete)
        self.keyring = self._connect(keyring, secure_delete)
        self.tables = person_tables(self.data)

    @staticmethod
    def _connect(path: Path, secure_delete: bool) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute(f"PRAGMA secure_delete={'ON' if secure_delete else 'OFF'}")
        conn.execute("PRAGMA busy_timeout=10000")
        return conn

    def select(self, person_id: str) -> int:
        """Every row an access export reads about the person; returns how many."""
        rows = 0
        self.data.execute("BEGIN")
        rows += len(self.data.execute("SELECT * FROM people WHERE id = ?", (person_id,)).fetchall())
        for table in self.tables:
            if table != "person_index":
                sql = f"SELECT * FROM {table} WHERE person_id = ?"
                rows += len(self.data.execute(sql, (person_id,)).fetchall())
        sql = "SELECT * FROM audit_log WHERE person_id = ? ORDER BY seq"
        rows += len(self.data.execute(sql, (person_id,)).fetchall())
        self.data.execute("COMMIT")
        sql = "SELECT * FROM person_keys WHERE person_id = ?"
        rows += len(self.keyring.execute(sql, (person_id,)).fetchall())
        return rows

    def delete(self, person_id: str) -> int:
        """The rows an erasure deletes, one transaction per file; returns how many."""
        rows = 0
        self.data.execute("BEGIN IMMEDIATE")
        for table in self.tables:
            sql = f"DELETE FROM {table} WHERE person_id = ?"
            rows += self.data.execute(sql, (person_id,)).rowcount
        rows += self.data.execute("DELETE FROM people WHERE id = ?", (person_id,)).rowcount
        self.data.execute("COMMIT")
        self.keyring.execute("BEGIN IMMEDIATE")
        sql = "DELETE FROM person_keys WHERE person_id = ?"
        rows += self.keyring.execute(sql, (person_id,)).rowcount
        self.keyring.execute("COMMIT")
        return rows

    def left(self, person_id: str) -> int:
        """Rows still held about the person, their key included."""
        sql = "SELECT count(*) FROM people WHERE id = ?"
        total = int(self.data.execute(sql, (person_id,)).fetchone()[0])
        for table in self.tables:
            sql = f"SELECT count(*) FROM {table} WHERE person_id = ?"
            total += int(self.data.execute(sql, (person_id,)).fetchone()[0])
        sql = "SELECT count(*) FROM person_keys WHERE person_id = ?"
        return total + int(self.keyring.execute(sql, (person_id,)).fetchone()[0])

    def clone(self, person_id: str) -> str:
        """A copy of every row of the person (their key too) under a new id: a comparable
        person for the DELETE baseline, made in milliseconds instead of through the services.
        Integer ids are renumbered; the ledger's evidence ids follow their evidence."""
        new_id = str(uuid.uuid4())
        self.data.execute("BEGIN IMMEDIATE")
        self.data.execute("CREATE TEMP TABLE IF NOT EXISTS evidence_map (old INTEGER, new INTEGER)")
        self.data.execute("DELETE FROM temp.evidence_map")
        for table in ("people", *self.tables):
            key = "id" if table == "people" else "person_id"
            columns = [(c[1], c[5]) for c in self.data.execute(f"PRAGMA table_info({table})")]
            names = ", ".join(name for name, _ in columns)
            values = ", ".join(
                ":new"
                if name == key
                else "NULL"
                if (name == "id" and pk)
                else "(SELECT new FROM temp.evidence_map WHERE old = evidence_id)"
                if (table == "consent_events" and name == "evidence_id")
                else name
                for name, pk in columns
            )
            select = f"SELECT {values} FROM {table} WHERE {key} = :old"
            if table == "consent_evidence":
                for (old,) in self.data.execute(
                    "SELECT id FROM consent_evidence WHERE person_id = ? ORDER BY id", (person_id,)
                ).fetchall():
                    cursor = self.data.execute(
                        f"INSERT INTO {table} ({names}) {select} AND id = :id",
                        {"new": new_id, "old": person_id, "id": old},
                    )
                    self.data.execute(
                        "INSERT INTO temp.evidence_map VALUES (?, ?)", (old, cursor.lastrowid)
                    )
            else:
                self.data.execute(
                    f"INSERT INTO {table} ({names}) {select}", {"new": new_id, "old": person_id}
                )
        self.data.execute("COMMIT")
        self.keyring.execute(
            "INSERT INTO person_keys (person_id, wrapped_key, created_at)"
            " SELECT ?, wrapped_key, created_at FROM person_keys WHERE person_id = ?",
            (new_id, person_id),
        )
        assert self.left(new_id) == self.left(person_id)
        return new_id

    def close(self) -> None:
        self.data.close()
        self.keyring.close()


# Measuring ---------------------------------------------------------------------------------------


@dataclass
class Timings:
    name: str
    seconds: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    """CPU seconds of this process per operation (``time.process_time``): what the operation
    costs whatever the machine's load, beside the wall clock it took."""

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def p99(self) -> float:
        return percentile(self.seconds, 0.99)

    @property
    def cpu_median(self) -> float:
        return statistics.median(self.cpu)


def timed(measure: Callable[[], Any], into: Timings, profile: cProfile.Profile | None) -> Any:
    if profile is not None:
        profile.enable()
    cpu = time.process_time()
    start = time.perf_counter()
    result = measure()
    into.seconds.append(time.perf_counter() - start)
    into.cpu.append(time.process_time() - cpu)
    if profile is not None:
        profile.disable()
    return result


def alternate(i: int, *steps: Callable[[], None]) -> None:
    """Run the steps, in reverse order for every other person."""
    for step in steps if i % 2 == 0 else reversed(steps):
        step()


def show_profile(title: str, profile: cProfile.Profile) -> None:
    out = io.StringIO()
    pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
    print(f"\n--- cProfile, {title} (cumulative) ---")
    print(out.getvalue())


def line(label: str, t: Timings, base: Timings | None = None) -> str:
    text = (
        f"  {label:<48} median {t.median * 1000:8.2f} ms   p99 {t.p99 * 1000:8.2f} ms"
        f"   CPU median {t.cpu_median * 1000:6.2f} ms"
    )
    if base is not None:
        text += (
            f"   ratio {base.median / t.median:.3f} (1/{t.median / base.median:.1f})"
            f"   p99 1/{t.p99 / base.p99:.1f}"
        )
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="background people")
    parser.add_argument("--people", type=int, default=1000, help="measured people per group")
    parser.add_argument("--events", type=int, default=100, help="consent events per person")
    parser.add_argument("--messages", type=int, default=100, help="messages per person")
    parser.add_argument("--batch", type=int, default=50_000, help="rows per insert transaction")
    parser.add_argument("--profile", action="store_true", help="cProfile export and erasure")
    args = parser.parse_args()
    assert args.events >= len(TOPICS)
    assert args.people >= 1

    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "kluis"
        settings = Settings(data_dir=directory, master_key=SecretStr(new_master_key_text()))
        k = open_kluis(settings, create=True)
        load_default_catalogue(k.engine, START)
        load_default_topics(k, START)
        notice_id = catalogue.add_notice(
            k, ADMIN, "nl", NOTICE, START - timedelta(days=800), covers=every(["email"], TOPICS)
        ).id

        populate_time = populate(k, args.rows, args.batch, notice_id)

        start = time.perf_counter()
        p = args.people + 1  # the first of each group warms up and is not counted
        group_a = measured_people(k, 0, p, notice_id, args)
        setup_time = time.perf_counter() - start
        data_path = Path(k.engine.url.database or "")
        keyring_path = Path(k.vault.engine.url.database or "")
        plain = Plain(data_path, keyring_path, secure_delete=True)
        plain_fast = Plain(data_path, keyring_path, secure_delete=False)
        start = time.perf_counter()
        group_b = [plain.clone(person_id) for person_id in group_a]
        group_c = [plain.clone(person_id) for person_id in group_a]
        clone_time = time.perf_counter() - start
        with k.engine.connect() as conn:
            total = conn.exec_driver_sql("SELECT count(*) FROM people").scalar()
            audit_rows = conn.exec_driver_sql("SELECT max(seq) FROM audit_log").scalar()
        rows_per_person = plain.select(group_a[0])

        profile_export = cProfile.Profile() if args.profile else None
        profile_erase = cProfile.Profile() if args.profile else None

        export, package_only, select = Timings("export"), Timings("package"), Timings("select")
        sizes: list[int] = []
        for i, person_id in enumerate(group_a):
            k.vault._cache.clear()

            def kluis_export(person_id: str = person_id) -> None:
                def produce() -> bytes:
                    package = timed(
                        lambda: access_package(k, ADMIN, person_id, NOW), package_only, None
                    )
                    assert len(package["consent"]["events"]) == args.events
                    assert len(package["messages"]) == args.messages
                    return render(package, "json")[0]

                sizes.append(len(timed(produce, export, profile_export)))

            def plain_select(person_id: str = person_id) -> None:
                timed(lambda: plain.select(person_id), select, None)

            alternate(i, kluis_export, plain_select)

        erase, delete, delete_fast = Timings("erase"), Timings("delete"), Timings("delete-fast")
        for i, (person_id, other, third) in enumerate(zip(group_a, group_b, group_c, strict=True)):
            k.vault._cache.clear()

            def kluis_erase(person_id: str = person_id) -> None:
                erased = timed(
                    lambda: erasure.erase_person(k, ADMIN, person_id, NOW), erase, profile_erase
                )
                assert erased

            def plain_delete(other: str = other) -> None:
                timed(lambda: plain.delete(other), delete, None)

            def plain_delete_fast(third: str = third) -> None:
                timed(lambda: plain_fast.delete(third), delete_fast, None)

            alternate(i, kluis_erase, plain_delete, plain_delete_fast)
            assert plain.left(person_id) == plain.left(other) == plain.left(third) == 0
        assert k.vault.erased(group_a) == set(group_a)
        for t in (export, package_only, select, erase, delete, delete_fast):
            del t.seconds[0]
            del t.cpu[0]
        del sizes[0]
        plain.close()
        plain_fast.close()
        k.close()

    print(
        f"requests benchmark on SQLite: {total} people in the store, {audit_rows} audit entries;"
        f" {args.rows} background people written through the driver in {populate_time:.1f} s,"
        f" {p} measured made through the services in {setup_time:.1f} s and copied twice"
        f" for the DELETE baselines in {clone_time:.1f} s"
    )
    print(
        f"  each measured person: {args.events} consent events, 1 evidence file,"
        f" {args.messages} messages; {rows_per_person} rows read by the plain SELECTs;"
        f" {args.people} people per figure (after one warm-up);"
        f" JSON package {statistics.median(sizes) / 1024:.0f} KiB"
    )
    print(line("baseline plain SELECTs of the same rows", select))
    print(line("kluis access_package (dict)", package_only, select))
    print(line("kluis access export (access_package + JSON)", export, select))
    print(line("baseline plain DELETE, secure_delete=OFF", delete_fast))
    print(line("baseline plain DELETE, secure_delete=ON", delete))
    print(line("kluis erase_person  (vs secure_delete=ON)", erase, delete))
    print(line("kluis erase_person  (vs secure_delete=OFF)", erase, delete_fast))
    load = os.getloadavg()
    print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (1, 5, 15 min)")
    quiet = load[0] < 1.5
    report(
        Result(
            workload=f"erasure of one person ({total:,} people)",
            goal="p99 < 10 ms quiet, < 20 ms at load 3",
            figure=f"p99 {erase.p99 * 1000:.1f} ms, median {erase.median * 1000:.1f} ms"
            f" (CPU {erase.cpu_median * 1000:.1f} ms) over {len(erase.seconds)} erasures"
            f" at load {load[0]:.1f}",
            ratio=f"median {delete.median / erase.median:.3f} of a plain DELETE (secure_delete)",
            met=erase.p99 < (0.010 if quiet else 0.020) if load[0] <= 3.5 else None,
        )
    )
    report(
        Result(
            workload=f"access export ({total:,} people)",
            goal="p99 < 100 ms",
            figure=f"p99 {export.p99 * 1000:.1f} ms, median {export.median * 1000:.1f} ms over"
            f" {len(export.seconds)} exports at load {load[0]:.1f}",
            ratio=f"median {select.median / export.median:.3f} of plain SELECTs",
            met=export.p99 < 0.100,
        )
    )
    if profile_export is not None and profile_erase is not None:
        show_profile("access export", profile_export)
        show_profile("erase_person", profile_erase)


if __name__ == "__main__":
    main()
