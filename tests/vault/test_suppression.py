"""The suppression list in the keyring store (kluis.vault.service.Vault), SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event, select

from conftest import NOW
from kluis.runtime import Kluis
from kluis.vault.tables import SuppressionEntry


def digest(kluis: Kluis, kind: str, value: str) -> bytes:
    return kluis.vault.blind_index(kind, value)


def test_suppress_lists_digests_and_suppressed_finds_them(kluis: Kluis) -> None:
    email = digest(kluis, "email", "fenna@example.com")
    phone = digest(kluis, "phone", "+31612345678")
    other = digest(kluis, "email", "noor@example.com")
    assert kluis.vault.suppress([("email", email), ("phone", phone)], "erased", NOW) == 2
    assert kluis.vault.suppressed([email, phone, other]) == {email, phone}
    assert kluis.vault.suppression_reasons([email, other]) == {email: "erased"}
    assert kluis.vault.suppression_count() == 2


def test_suppressing_again_is_idempotent_and_keeps_the_first_reason(kluis: Kluis) -> None:
    email = digest(kluis, "email", "fenna@example.com")
    assert kluis.vault.suppress([("email", email)], "objected", NOW) == 1
    later = NOW + timedelta(days=1)
    assert kluis.vault.suppress([("email", email), ("email", email)], "erased", later) == 0
    assert kluis.vault.suppression_count() == 1
    with kluis.vault.engine.connect() as conn:
        row = conn.execute(select(SuppressionEntry)).one()
    assert (row.kind, row.reason, row.added_at) == ("email", "objected", NOW)


def test_the_list_holds_digests_only(kluis: Kluis) -> None:
    email = digest(kluis, "email", "fenna@example.com")
    kluis.vault.suppress([("email", email)], "erased", NOW)
    with kluis.vault.engine.connect() as conn:
        (stored,) = conn.execute(select(SuppressionEntry.digest)).scalars()
    assert bytes(stored) == email
    assert len(email) == 16
    assert b"fenna" not in bytes(stored)


def test_unsuppress_takes_digests_off_the_list(kluis: Kluis) -> None:
    email = digest(kluis, "email", "fenna@example.com")
    phone = digest(kluis, "phone", "+31612345678")
    kluis.vault.suppress([("email", email), ("phone", phone)], "erased", NOW)
    assert kluis.vault.unsuppress([email], NOW) == 1
    assert kluis.vault.unsuppress([email], NOW) == 0
    assert kluis.vault.suppressed([email, phone]) == {phone}


def test_lookups_are_batched_over_many_digests(kluis: Kluis) -> None:
    digests = [digest(kluis, "email", f"person{n}@example.com") for n in range(1_200)]
    assert kluis.vault.suppress((("email", d) for d in digests[::2]), "erased", NOW) == 600
    assert kluis.vault.suppressed(iter(digests)) == set(digests[::2])
    assert kluis.vault.unsuppress(digests, NOW) == 600
    assert kluis.vault.suppression_count() == 0


def _statements(kluis: Kluis, digests: list[bytes]) -> tuple[dict[bytes, str], list[str]]:
    """``suppression_reasons`` of ``digests``, with the queries it ran."""
    seen: list[str] = []

    def count(conn: object, cursor: object, sql: str, *args: object) -> None:
        if sql.startswith("SELECT"):
            seen.append(sql)

    event.listen(kluis.vault.engine, "before_cursor_execute", count)
    try:
        return kluis.vault.suppression_reasons(digests), seen
    finally:
        event.remove(kluis.vault.engine, "before_cursor_execute", count)


@pytest.mark.parametrize("listed", [0, 3, 250, 251])
def test_a_bulk_look_up_reads_a_short_list_whole(kluis: Kluis, listed: int) -> None:
    """More digests than one IN list holds against a list of at most a quarter as many
    entries: the list is read in one statement; a longer one is searched digest by digest.
    The answer is the same either way."""
    wanted = [digest(kluis, "email", f"person{n}@example.com") for n in range(1_000)]
    others = [digest(kluis, "phone", f"+3161234{n:04d}") for n in range(listed // 2)]
    on_list = wanted[: listed - len(others)]
    kluis.vault.suppress([("email", d) for d in on_list[::2]], "erased", NOW)
    kluis.vault.suppress([("email", d) for d in on_list[1::2]], "objected", NOW)
    kluis.vault.suppress([("phone", d) for d in others], "erased", NOW)
    assert kluis.vault.suppression_count() == listed
    reasons, queries = _statements(kluis, wanted + wanted[:10])
    expected = dict.fromkeys(on_list[::2], "erased") | dict.fromkeys(on_list[1::2], "objected")
    assert reasons == expected
    searched = [q for q in queries if " IN (" in q or "ANY(" in q]
    assert bool(searched) is (listed > 250)
    assert len(queries) == (1 if listed <= 250 else 1 + len(searched))


def test_empty_inputs_do_nothing(kluis: Kluis) -> None:
    assert kluis.vault.suppress([], "erased", NOW) == 0
    assert kluis.vault.suppressed([]) == set()
    assert kluis.vault.unsuppress([], NOW) == 0


@pytest.mark.parametrize(
    ("entries", "reason"),
    [([("email", b"x" * 16)], "bored"), ([("name", b"x" * 16)], "erased")],
    ids=["reason", "kind"],
)
def test_unknown_reasons_and_kinds_are_refused(
    kluis: Kluis, entries: list[tuple[str, bytes]], reason: str
) -> None:
    with pytest.raises(ValueError, match="is not one of"):
        kluis.vault.suppress(entries, reason, NOW)
    assert kluis.vault.suppression_count() == 0


def test_shredding_lists_the_digests_and_destroys_the_keys_in_one_keyring_commit(
    kluis: Kluis,
) -> None:
    """One keyring transaction for an erasure: the suppression list, the keys and the erasure
    register commit together (an erased person is never off the list, Art. 17, 21(3))."""
    people = ["0190c0de-0000-7000-8000-00000000000a", "0190c0de-0000-7000-8000-00000000000b"]
    kluis.vault.create_keys(people, NOW)
    listed = [("email", digest(kluis, "email", f"p{n}@example.com")) for n in range(2)]
    commits: list[object] = []

    def count(conn: object) -> None:
        commits.append(conn)

    event.listen(kluis.vault.engine, "commit", count)
    try:
        fresh = kluis.vault.shred_many(people, NOW, "request", suppress=listed)
    finally:
        event.remove(kluis.vault.engine, "commit", count)
    assert fresh == set(people)
    assert len(commits) == 1
    assert kluis.vault.suppressed(d for _, d in listed) == {d for _, d in listed}
    assert kluis.vault.has_keys(people) == set()
    assert kluis.vault.erased(people) == set(people)
    again = kluis.vault.shred_many(people, NOW + timedelta(days=1), "request", suppress=listed)
    assert again == set()
    assert kluis.vault.suppression_count() == 2
