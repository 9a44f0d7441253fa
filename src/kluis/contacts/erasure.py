"""Erasure (Art. 17): of whole people (``erase_people``, the one path every erasure takes) and of
what the kept purposes do not need (``keep_only``, Art. 17(3)(b)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from threading import Thread

from sqlalchemy import Connection

from kluis import wal
from kluis.actors import ERASE_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonErasedEvent, PersonMinimised, SuppressionAdded
from kluis.contacts import custom_store, hooks, repository
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.contacts.people import missing_error, purpose_for
from kluis.contacts.suppression import SUPPRESSIBLE
from kluis.errors import (
    InvalidField,
    NotFound,
    PermissionDenied,
)
from kluis.register import repository as register_repo
from kluis.runtime import Kluis
from kluis.vault import register as register_entry
from kluis.vault.register import Erasure


def erase_person(
    k: Kluis,
    actor: Actor,
    person_id: str,
    now: datetime,
    *,
    reason: str = "request",
    suppress: bool = True,
) -> bool:
    """Erasure (Art. 17) of one person; see ``erase_people``. Returns False when the person
    was erased before (erasing is idempotent); NotFound when there never was such a person."""
    if actor.role not in ERASE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may erase a person")
    erased = _erase(k, actor, [person_id], now, reason, suppress, checkpoint=True, known=True)
    return bool(erased)


def erase_people(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    now: datetime,
    *,
    reason: str = "request",
    suppress: bool = True,
    checkpoint: bool = True,
    expired: Mapping[str, tuple[str, ...]] | None = None,
) -> list[str]:
    """Erasure (Art. 17), the one path every erasure takes (a request, the retention sweep, a
    restore's replay): put the e-mail and phone digests on the suppression list, destroy the
    keys and record the ids in the erasure register, delete the rows. Returns the ids erased
    now (not before).

    One data-store transaction finds the people (their index lists say who is on file) and
    runs the hooks of the slices above (``hooks.before_erasure``), which must act while the
    keys still open the data and whose writes must outlive a crash that follows. Then the
    register file gets the ids (one fsync'ed append), and the keys go with the keyring's
    register entries and the suppression list, in one transaction of their own store: from
    that instant every copy of the data, backups included, is unreadable, and the digests are
    listed in the same commit, so an erased person is never off the list. The rows go with the
    data store's copy of the entries after that commit: in the transaction that found the
    people when no hook had work (it wrote nothing; the data store's lock is taken before the
    keyring's, as elsewhere), else in a second one, so the hooks' writes were committed before
    the keys went. If the row deletion fails or the process dies in between, the register still
    names the people and the next start (``kluis.backup.reconcile.reconcile``) removes the
    rows. So the sweep erases hundreds at the cost of a few statements.

    With ``checkpoint``, the keyring's write-ahead log is checkpointed before this returns (a
    wrapped key must not linger in it) and the data store's within a second after
    (``Kluis.data_checkpoint``; ``kluis.wal`` says why that may wait). ``checkpoint`` is off
    only for a caller that checkpoints both once it is done (the retention sweep, after its
    last page: ``checkpoint_stores``). ``suppress`` is off only to undo a person half-created
    by a failed import, who never was a person to remember.

    Each person erased now gets one ``person.erased`` entry, in the transaction that deletes
    the rows, naming the kinds put on the suppression list and, from ``expired``, the
    retention rules that ended for them (the sweep's cause; Art. 5(2)). A person whose key was
    gone already but whose rows were still there (a replay) gets only ``suppression.added``.
    The hooks run only when their probe (``hooks.erasure_pending``, asked in the same read)
    says they can have anything to do.
    """
    if actor.role not in ERASE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may erase a person")
    return _erase(
        k, actor, ids, now, reason, suppress, checkpoint=checkpoint, known=False, expired=expired
    )


def _erase(
    k: Kluis,
    actor: Actor,
    ids: Sequence[str],
    now: datetime,
    reason: str,
    suppress: bool,
    *,
    checkpoint: bool,
    known: bool,
    expired: Mapping[str, tuple[str, ...]] | None = None,
) -> list[str]:
    """``erase_people``; with ``known``, NotFound for ids neither on file nor erased before
    (``erase_person``), found out by the same read that finds the people."""
    wanted = list(dict.fromkeys(ids))
    done: tuple[set[str], list[Erasure], list[AuditEvent]] | None = None
    with k.engine.begin() as conn:
        lists = repository.index_lists(conn, wanted)
        if known and len(lists) < len(wanted):
            never = set(wanted) - set(lists) - k.vault.erased(set(wanted) - set(lists))
            if never:
                raise NotFound(f"there is no person {min(never)}", field="id")
        present = sorted(lists)
        pending = hooks.erasure_pending(conn) if present else ()
        if pending:
            hooks.before_erasure(k, conn, actor.ref, present, now, reason, pending)
        else:
            # nothing written yet: the rows go in this same transaction, after the keys
            done = _shred(k, wanted, lists, now, reason, suppress, expired or {})
            _remove(conn, actor.ref, now, present, *done[1:], lists=lists)
    if done is None:
        # the hooks' writes are committed: a crash from here on does not undo them
        done = _shred(k, wanted, lists, now, reason, suppress, expired or {})
        with k.engine.begin() as conn:
            _remove(conn, actor.ref, now, present, *done[1:])
    fresh = done[0]
    if checkpoint:
        wal.checkpoint(k.vault.engine)
        k.data_checkpoint.mark()
    return [p for p in wanted if p in fresh]


def _shred(
    k: Kluis,
    wanted: list[str],
    lists: Mapping[str, list[tuple[str, bytes]]],
    now: datetime,
    reason: str,
    suppress: bool,
    causes: Mapping[str, tuple[str, ...]],
) -> tuple[set[str], list[Erasure], list[AuditEvent]]:
    """Destroy the keys and list the digests (one keyring transaction, ``Vault.shred_many``);
    the ids erased now, the register entries and the audit events for the data store."""
    digests: dict[str, list[tuple[str, bytes]]] = {}
    for person_id, held in lists.items() if suppress else ():
        listed = [(SUPPRESSIBLE[name], d) for name, d in held if name in SUPPRESSIBLE]
        if listed:
            digests[person_id] = listed
    fresh = k.vault.shred_many(
        wanted, now, reason, suppress=(d for entries in digests.values() for d in entries)
    )
    entries = [register_entry.erasure(p, now, reason) for p in wanted]
    events: list[AuditEvent] = []
    for person_id in wanted:
        kinds = tuple(sorted({kind for kind, _ in digests.get(person_id, ())}))
        if person_id in fresh:
            events.append(PersonErasedEvent(person_id, reason, kinds, causes.get(person_id, ())))
        elif kinds and person_id in lists:
            events.append(SuppressionAdded(person_id, kinds, "erased"))
    return fresh, entries, events


def _remove(
    conn: Connection,
    actor: str,
    now: datetime,
    present: Sequence[str],
    entries: Sequence[Erasure],
    events: Sequence[AuditEvent],
    *,
    lists: Mapping[str, list[tuple[str, bytes]]] | None = None,
) -> None:
    """Delete the rows, with the data store's copy of the register entries and the audit;
    ``lists``: the people's index lists when read in this same transaction."""
    repository.delete_people(conn, present, lists)
    register_repo.record_erasures(conn, entries)
    audit.record(conn, actor, now, events)


def checkpoint_stores(k: Kluis) -> None:
    """On SQLite, move both stores' write-ahead logs into the database files and truncate them,
    so the deleted rows and destroyed keys do not linger in the -wal files (``secure_delete``
    overwrites the freed pages as they are checkpointed): the end of a retention sweep, which
    erases with ``checkpoint`` off. Best effort: a reader holding an old snapshot lets the next
    checkpoint finish the job. PostgreSQL needs no step here: its log is not a copy kept
    beside the database the way a -wal file is, and VACUUM reclaims the rows.

    The two checkpoints run at once (the keyring's in a thread of its own): each mostly waits
    for its file's fsync, so the caller waits for the slower one instead of both."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            wal.checkpoint(k.vault.engine)
        except BaseException as error:  # raised again in the calling thread, below
            failed.append(error)

    helper = Thread(target=run, name="wal-checkpoint")
    helper.start()
    try:
        k.data_checkpoint.flush(force=True)
    finally:
        helper.join()
    if failed:
        raise failed[0]


@dataclass(frozen=True)
class Minimised:
    cleared: tuple[str, ...]
    removed_purposes: tuple[str, ...]
    kept_purposes: tuple[str, ...]


def keep_only(
    k: Kluis,
    actor: Actor,
    person_id: str,
    keep: Sequence[str],
    now: datetime,
    *,
    reason: str,
    conn: Connection,
    ledger: bool = False,
) -> Minimised:
    """Erase everything of a person that the purposes in ``keep`` do not need (Art. 17(3)(b)):
    the other purposes go, and so does every field none of the kept purposes may use; with
    ``ledger`` the consent ledger and its evidence go too. Runs in the caller's transaction,
    which also records the restriction that follows it. What goes is first written to the
    minimisation register in the keyring store, which a restore replays."""
    if actor.role not in ERASE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may erase a person")
    if not keep:
        raise InvalidField("keep at least one purpose, or erase the person", field="keep")
    kept = [purpose_for(conn, actor, key) for key in keep]
    row = repository.fetch(conn, [person_id]).get(person_id)
    if row is None:
        raise missing_error(k, person_id)
    held = repository.purposes_of(conn, [person_id]).get(person_id, [])
    cleared = [
        f
        for f in PERSONAL_FIELDS
        if getattr(row, f.name) is not None and not any(p.may_use(f.category) for p in kept)
    ]
    removed = sorted(set(held) - set(keep))
    custom = {
        f.id: f for f in custom_store.fields(conn) if not any(p.may_use(f.category) for p in kept)
    }
    names = [f.name for f in cleared] + [
        custom[i].name for i in custom_store.values_of(conn, [person_id], custom).get(person_id, {})
    ]
    entry = k.vault.register_minimisation(person_id, names, removed, ledger, now, reason)
    repository.minimise(conn, person_id, names, removed, now)
    register_repo.record_minimisations(conn, [entry])
    if ledger:
        hooks.erase_ledger(conn, person_id)
    result = Minimised(tuple(names), tuple(removed), tuple(sorted(set(held) & set(keep))))
    audit.record(
        conn,
        actor.ref,
        now,
        [
            PersonMinimised(
                person_id, result.cleared, result.removed_purposes, result.kept_purposes, reason
            )
        ],
    )
    return result
