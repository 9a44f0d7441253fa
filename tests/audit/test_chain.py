"""The audit log is tamper-evident (DESIGN.md invariant 6): changing, removing, reordering or
cutting off entries is found by ``verify``, which names the first broken entry. On SQLite and
PostgreSQL, through raw SQL as an intruder with database access would do it; plus the pure
hashing rules."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update
from typer.testing import CliRunner

from conftest import ADMIN, NOW
from factories import add_person
from kluis.audit import rules
from kluis.audit import service as audit
from kluis.audit.rules import GENESIS
from kluis.audit.system_events import PurposeChanged, UserCreated
from kluis.audit.tables import AuditHead, AuditRow
from kluis.cli import app
from kluis.runtime import Kluis
from kluis.settings import Settings

# on the stores


def write_events(kluis: Kluis, people: int = 4) -> list[audit.AuditEntryView]:
    """The catalogue's entries (from the fixture) and one ``person.created`` per person."""
    for n in range(1, people + 1):
        add_person(kluis, ADMIN, NOW + timedelta(minutes=n), n)
    entries = audit.list_entries(kluis.engine, limit=10_000)
    assert [e.seq for e in entries] == list(range(1, len(entries) + 1))
    assert [e.action for e in entries[-people:]] == ["person.created"] * people
    return entries


def tamper(kluis: Kluis, statement: Any) -> None:
    with kluis.engine.begin() as conn:
        assert conn.execute(statement).rowcount >= 1


def intact(kluis: Kluis) -> int:
    """The number of entries of a log that verifies, whose head hash is its last entry's."""
    result = audit.verify(kluis.engine)
    assert result.ok, result.reason
    last = audit.list_entries(kluis.engine, after=max(result.entries - 1, 0), limit=1)
    assert result.head_hash == (last[0].hash if last else GENESIS)
    return result.entries


def broken_at(kluis: Kluis) -> int | None:
    result = audit.verify(kluis.engine)
    assert result.ok is (result.broken_at is None)
    assert (result.reason is None) is result.ok
    return result.broken_at


def test_an_untouched_log_verifies(kluis: Kluis) -> None:
    entries = write_events(kluis)
    result = audit.verify(kluis.engine)
    assert result == audit.Verification(ok=True, entries=len(entries), head_hash=entries[-1].hash)


def test_an_empty_log_verifies(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        conn.execute(delete(AuditRow))
        conn.execute(delete(AuditHead))
    assert audit.verify(kluis.engine) == audit.Verification(ok=True, entries=0, head_hash=GENESIS)


def test_record_appends_linked_entries_in_order(kluis: Kluis) -> None:
    before = audit.verify(kluis.engine).entries
    with kluis.engine.begin() as conn:
        audit.record(
            conn, "user:9", NOW, [UserCreated(7, "sales"), PurposeChanged("invoicing", ("roles",))]
        )
        audit.record(conn, "user:9", NOW, [])
    with kluis.engine.begin() as conn:
        audit.record(conn, "system", NOW + timedelta(seconds=1), [UserCreated(8, "service")])
    entries = audit.list_entries(kluis.engine, after=before)
    assert [(e.seq, e.actor, e.action) for e in entries] == [
        (before + 1, "user:9", "user.created"),
        (before + 2, "user:9", "purpose.changed"),
        (before + 3, "system", "user.created"),
    ]
    assert entries[0].details == {"user_id": 7, "role": "sales"}
    assert entries[1].purpose == "invoicing"
    assert entries[1].details == {"fields": ["roles"]}
    assert entries[0].at == NOW
    assert entries[2].at == NOW + timedelta(seconds=1)
    with kluis.engine.connect() as conn:
        head = conn.execute(select(AuditHead.seq, AuditHead.hash)).one()
        prev = conn.execute(select(AuditRow.prev_hash).where(AuditRow.seq == before + 2)).scalar()
    assert prev == entries[0].hash
    assert (head.seq, head.hash) == (before + 3, entries[2].hash)
    assert intact(kluis) == before + 3


def test_an_event_exists_only_if_its_transaction_committed(kluis: Kluis) -> None:
    before = audit.verify(kluis.engine)

    class Abandoned(Exception):
        pass

    def change_that_fails() -> None:
        with kluis.engine.begin() as conn:
            audit.record(conn, "user:9", NOW, [UserCreated(7, "sales")])
            raise Abandoned

    with pytest.raises(Abandoned):
        change_that_fails()
    assert audit.verify(kluis.engine) == before
    with kluis.engine.begin() as conn:
        audit.record(conn, "user:9", NOW, [UserCreated(7, "sales")])
    assert intact(kluis) == before.entries + 1


def test_a_batch_appends_every_event_once_at_its_end(kluis: Kluis) -> None:
    before = audit.verify(kluis.engine).entries
    with kluis.engine.begin() as conn:
        with audit.batched(conn):
            audit.record(conn, "user:9", NOW, [UserCreated(7, "sales")])
            audit.record(conn, "user:9", NOW, [PurposeChanged("invoicing", ("roles",))])
            audit.record(conn, "system", NOW, [UserCreated(8, "service")])
            assert conn.execute(select(func.count()).select_from(AuditRow)).scalar() == before
            assert conn.execute(select(AuditHead.seq)).scalar() == before
        audit.record(conn, "user:9", NOW, [UserCreated(9, "admin")])
    entries = audit.list_entries(kluis.engine, after=before)
    assert [(e.seq, e.actor, e.action) for e in entries] == [
        (before + 1, "user:9", "user.created"),
        (before + 2, "user:9", "purpose.changed"),
        (before + 3, "system", "user.created"),
        (before + 4, "user:9", "user.created"),
    ]
    assert intact(kluis) == before + 4


def test_a_batch_that_raises_appends_nothing(kluis: Kluis) -> None:
    before = audit.verify(kluis.engine)

    class Refused(Exception):
        pass

    def refused_read() -> None:
        with kluis.engine.begin() as conn, audit.batched(conn):
            audit.record(conn, "user:9", NOW, [UserCreated(7, "sales")])
            raise Refused

    with pytest.raises(Refused):
        refused_read()
    assert audit.verify(kluis.engine) == before
    with kluis.engine.begin() as conn:
        audit.record(conn, "user:9", NOW, [UserCreated(7, "sales")])
    assert intact(kluis) == before.entries + 1


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("details", {"relationship": "prospect"}),
        ("actor", "user:99"),
        ("at", NOW - timedelta(days=3)),
        ("action", "person.read"),
        ("person_id", "00000000-0000-0000-0000-000000000000"),
        ("purpose", "email_marketing"),
        ("hash", "f" * 64),
    ],
)
def test_changing_any_column_of_an_entry_breaks_the_chain_there(
    kluis: Kluis, column: str, value: Any
) -> None:
    entries = write_events(kluis)
    target = entries[-3]
    assert target.action == "person.created"
    assert getattr(target, column) != value
    tamper(kluis, update(AuditRow).where(AuditRow.seq == target.seq).values({column: value}))
    assert broken_at(kluis) == target.seq


def test_a_changed_entry_is_reported_as_changed(kluis: Kluis) -> None:
    entries = write_events(kluis)
    target = entries[-2]
    details = dict(target.details) | {"source": "import"}
    tamper(kluis, update(AuditRow).where(AuditRow.seq == target.seq).values(details=details))
    result = audit.verify(kluis.engine)
    assert (result.ok, result.broken_at) == (False, target.seq)
    assert result.reason == f"entry {target.seq} was changed after it was written"


def test_moving_a_timestamp_by_a_microsecond_is_found(kluis: Kluis) -> None:
    entries = write_events(kluis)
    target = entries[1]
    moved = target.at + timedelta(microseconds=1)
    tamper(kluis, update(AuditRow).where(AuditRow.seq == target.seq).values(at=moved))
    assert broken_at(kluis) == target.seq


def test_relinking_an_entry_is_found(kluis: Kluis) -> None:
    entries = write_events(kluis)
    target = entries[3]
    tamper(
        kluis, update(AuditRow).where(AuditRow.seq == target.seq).values(prev_hash=rules.GENESIS)
    )
    result = audit.verify(kluis.engine)
    assert result.broken_at == target.seq
    assert result.reason == f"entry {target.seq} does not link to entry {target.seq - 1}"


def test_deleting_a_middle_entry_names_it(kluis: Kluis) -> None:
    entries = write_events(kluis)
    target = entries[len(entries) // 2]
    tamper(kluis, delete(AuditRow).where(AuditRow.seq == target.seq))
    result = audit.verify(kluis.engine)
    assert (result.ok, result.broken_at) == (False, target.seq)
    assert result.reason is not None
    assert f"entry {target.seq} is missing" in result.reason


def test_deleting_the_first_entry_is_found(kluis: Kluis) -> None:
    write_events(kluis)
    tamper(kluis, delete(AuditRow).where(AuditRow.seq == 1))
    assert broken_at(kluis) == 1


def test_swapping_two_entries_is_found(kluis: Kluis) -> None:
    entries = write_events(kluis)
    first, second = entries[2].seq, entries[3].seq
    parking = entries[-1].seq + 1000
    with kluis.engine.begin() as conn:
        conn.execute(update(AuditRow).where(AuditRow.seq == first).values(seq=parking))
        conn.execute(update(AuditRow).where(AuditRow.seq == second).values(seq=first))
        conn.execute(update(AuditRow).where(AuditRow.seq == parking).values(seq=second))
    moved = {e.seq: e.hash for e in audit.list_entries(kluis.engine, limit=10_000)}
    assert (moved[first], moved[second]) == (entries[3].hash, entries[2].hash)
    assert broken_at(kluis) == first


def test_cutting_off_the_last_entry_is_found(kluis: Kluis) -> None:
    entries = write_events(kluis)
    last = entries[-1].seq
    tamper(kluis, delete(AuditRow).where(AuditRow.seq == last))
    result = audit.verify(kluis.engine)
    assert (result.ok, result.entries, result.broken_at) == (False, last - 1, last)
    assert result.reason is not None
    assert "removed from the end" in result.reason


def test_cutting_off_every_entry_is_found(kluis: Kluis) -> None:
    entries = write_events(kluis)
    tamper(kluis, delete(AuditRow))
    result = audit.verify(kluis.engine)
    assert (result.ok, result.entries, result.broken_at) == (False, 0, 1)
    assert result.reason is not None
    assert f"{entries[-1].seq} were written" in result.reason


def test_a_head_that_no_longer_matches_is_found(kluis: Kluis) -> None:
    entries = write_events(kluis)
    tamper(kluis, update(AuditHead).where(AuditHead.id == 1).values(hash="e" * 64))
    assert broken_at(kluis) == entries[-1].seq
    assert "head" in str(audit.verify(kluis.engine).reason)


def test_verify_streams_in_batches_and_still_names_the_entry(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    entries = write_events(kluis, people=5)
    monkeypatch.setattr(audit, "_BATCH", 3)
    assert intact(kluis) == len(entries)
    target = entries[-3]
    assert target.seq > 3
    tamper(kluis, update(AuditRow).where(AuditRow.seq == target.seq).values(actor="user:99"))
    result = audit.verify(kluis.engine)
    assert result.broken_at == target.seq


# through the command line


def test_cli_audit_verify_names_the_first_broken_entry(kluis_env: Settings, kluis: Kluis) -> None:
    entries = write_events(kluis)
    runner = CliRunner()
    intact = runner.invoke(app, ["audit", "verify"])
    assert intact.exit_code == 0, intact.output
    assert intact.stdout.strip() == (
        f"Audit log intact: {len(entries)} entries; head {entries[-1].hash}"
    )

    first, later = entries[2].seq, entries[-1].seq
    for seq in (later, first):
        tamper(kluis, update(AuditRow).where(AuditRow.seq == seq).values(actor="user:99"))
    result = runner.invoke(app, ["audit", "verify"])
    assert result.exit_code == 1, result.output
    assert result.stdout == ""
    assert result.stderr.strip() == (
        f"Audit log broken at entry {first}: entry {first} was changed after it was written"
    )
    with kluis.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(AuditRow)).scalar_one()
    assert count == len(entries), "verifying must not write to the log"


# pure rules


BASE = rules.Entry(
    seq=5,
    at=datetime(2026, 3, 14, 9, 30, 0, 250_000, tzinfo=UTC),
    actor="user:3",
    action="person.read",
    person_id="4b0d6c36-2d8e-4c4b-9a55-0f6c1b2a7e11",
    purpose="customer_service",
    details={"fields": ["email", "given_name"], "via": "show"},
    prev_hash="a" * 64,
)

CHANGED: dict[str, Any] = {
    "seq": 6,
    "at": BASE.at + timedelta(microseconds=1),
    "actor": "user:4",
    "action": "person.updated",
    "person_id": "4b0d6c36-2d8e-4c4b-9a55-0f6c1b2a7e12",
    "purpose": "sales_follow_up",
    "details": {"fields": ["email"], "via": "show"},
    "prev_hash": "b" * 64,
}


def test_entry_hash_is_a_sha256_hex_digest() -> None:
    digest = rules.entry_hash(BASE)
    assert len(digest) == 64
    assert set(digest) <= set("0123456789abcdef")
    assert rules.entry_hash(dataclasses.replace(BASE)) == digest


def test_the_hash_covers_every_field_but_itself() -> None:
    hashed = {f.name for f in dataclasses.fields(rules.Entry)} - {"hash"}
    assert set(CHANGED) == hashed, "a new Entry field needs a case here"
    for name, value in CHANGED.items():
        changed = dataclasses.replace(BASE, **{name: value})
        assert rules.entry_hash(changed) != rules.entry_hash(BASE), name
    assert rules.entry_hash(dataclasses.replace(BASE, hash="c" * 64)) == rules.entry_hash(BASE)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("person_id", None),
        ("purpose", None),
        ("details", {}),
        ("details", {"fields": ["given_name", "email"], "via": "show"}),
        ("details", {"fields": ["email", "given_name"], "via": "bulk"}),
    ],
)
def test_absent_and_reordered_values_change_the_hash(name: str, value: Any) -> None:
    changed = dataclasses.replace(BASE, **{name: value})
    assert rules.entry_hash(changed) != rules.entry_hash(BASE)


def test_the_hash_depends_on_the_instant_not_its_time_zone_or_key_order() -> None:
    amsterdam = BASE.at.astimezone(timezone(timedelta(hours=1)))
    assert amsterdam.hour != BASE.at.hour
    assert rules.entry_hash(dataclasses.replace(BASE, at=amsterdam)) == rules.entry_hash(BASE)
    reordered = {"via": "show", "fields": ["email", "given_name"]}
    assert rules.entry_hash(dataclasses.replace(BASE, details=reordered)) == rules.entry_hash(BASE)


def test_canonical_time_keeps_microseconds_in_utc() -> None:
    assert rules.canonical_time(BASE.at) == "2026-03-14T09:30:00.250000Z"
    plus_two = BASE.at.astimezone(timezone(timedelta(hours=2)))
    assert rules.canonical_time(plus_two) == "2026-03-14T09:30:00.250000Z"


def make_chain(length: int) -> list[rules.Entry]:
    entries, prev = [], rules.GENESIS
    for seq in range(1, length + 1):
        entry = rules.Entry(
            seq=seq,
            at=NOW + timedelta(seconds=seq),
            actor=f"user:{seq % 3 + 1}",
            action="person.read",
            person_id=f"00000000-0000-0000-0000-{seq:012d}",
            purpose="customer_service",
            details={"fields": ["email"], "n": seq},
            prev_hash=prev,
        )
        entry = dataclasses.replace(entry, hash=rules.entry_hash(entry))
        entries.append(entry)
        prev = entry.hash
    return entries


def check_in_batches(entries: list[rules.Entry], size: int) -> tuple[rules.Break | None, int, str]:
    """What a verifier streaming ``size`` entries at a time concludes."""
    expected, prev = 1, rules.GENESIS
    for start in range(0, len(entries), size):
        broken, expected, prev = rules.check_chain(entries[start : start + size], expected, prev)
        if broken is not None:
            return broken, expected, prev
    return None, expected, prev


def test_an_intact_chain_checks_out_and_says_where_it_ends() -> None:
    chain = make_chain(7)
    assert rules.check_chain(chain, 1, rules.GENESIS) == (None, 8, chain[-1].hash)
    assert rules.check_chain([], 4, "d" * 64) == (None, 4, "d" * 64)


def test_a_chain_must_start_after_the_hash_it_is_given() -> None:
    chain = make_chain(3)
    broken, _, _ = rules.check_chain(chain, 1, "d" * 64)
    assert broken == rules.Break(1, "entry 1 does not link to entry 0")
    broken, _, _ = rules.check_chain(chain[1:], 2, chain[0].hash)
    assert broken is None


def test_the_check_names_missing_and_misplaced_entries() -> None:
    chain = make_chain(5)
    missing = rules.check_chain([chain[0], chain[2], chain[3]], 1, rules.GENESIS)[0]
    assert missing == rules.Break(2, "entry 2 is missing (found 3)")
    repeated = rules.check_chain([chain[0], chain[1], chain[1]], 1, rules.GENESIS)[0]
    assert repeated == rules.Break(3, "entry 3 is out of order or duplicated (found 2)")


def tampered_chains() -> dict[str, list[rules.Entry]]:
    chain = make_chain(10)
    changed = dataclasses.replace(chain[6], actor="user:99")
    swapped = [
        *chain[:3],
        dataclasses.replace(chain[4], seq=4),
        dataclasses.replace(chain[3], seq=5),
        *chain[5:],
    ]
    return {
        "intact": chain,
        "changed": [*chain[:6], changed, *chain[7:]],
        "deleted": chain[:4] + chain[5:],
        "swapped": swapped,
        "truncated": chain[:9],
        "first-changed": [dataclasses.replace(chain[0], details={}), *chain[1:]],
    }


@pytest.mark.parametrize("case", list(tampered_chains()))
def test_checking_in_batches_gives_the_same_answer_as_one_batch(case: str) -> None:
    entries = tampered_chains()[case]
    whole = rules.check_chain(entries, 1, rules.GENESIS)
    for size in range(1, len(entries) + 2):
        assert check_in_batches(entries, size) == whole, size


def test_the_cases_break_where_expected() -> None:
    found: dict[str, int | None] = {}
    for case, entries in tampered_chains().items():
        broken, _, _ = rules.check_chain(entries, 1, rules.GENESIS)
        found[case] = None if broken is None else broken.seq
    assert found == {
        "intact": None,
        "changed": 7,
        "deleted": 5,
        "swapped": 4,
        "truncated": None,
        "first-changed": 1,
    }
