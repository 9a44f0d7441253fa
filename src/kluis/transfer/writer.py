"""Writing an import's prepared batches: one transaction of the data store each.

A batch's rows are first kept off marketing where the suppression list says so, then each is
matched to the people held through the blind index (``rules.matching``) and created, merged
(``merging``), skipped or rejected. The keys of the people it creates are stored in the keyring
just before (a kill in between leaves unused keys, never data without a key), the new people are
written by the one writer of new people (``contacts.writer``), then consents from the
declaration, audit entries, and the job's position and counters, all in the same transaction.

The same rows give the same people however the work is cut: a row that repeats an earlier row of
its own batch waits for a second pass of the same transaction, so it meets that person exactly as
it would have in a later batch.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.contacts import index_keys
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contact_rules
from kluis.contacts.fields import BY_NAME
from kluis.contacts.owner_check import default_owner
from kluis.contacts.writer import NewPeople
from kluis.runtime import Kluis
from kluis.transfer import merging, repository
from kluis.transfer.job import KEPT_REJECTS, Counts, ImportOptions, Setup
from kluis.transfer.rejects import RejectsFile
from kluis.transfer.rules.matching import (
    DUPLICATE_FIELDS,
    Action,
    Duplicates,
    Held,
    match_note,
    on_match,
)
from kluis.transfer.rules.notes import GONE, OBJECTED, SUPPRESSED, Reject, Skip
from kluis.transfer.rules.values import Row
from kluis.transfer.worker import Batch


@dataclass
class Notes:
    """A batch's rejected and skipped lines, as they are decided."""

    rejects: list[Reject] = field(default_factory=list)
    skips: list[Skip] = field(default_factory=list)


_OBJECTED = (
    "the person it matches objected to direct marketing (Art. 21(3)); not added to marketing"
)


def _first(notes: list[Any], room: int) -> list[Any]:
    """The first ``room`` of ``notes`` by line."""
    return sorted(notes, key=lambda n: n.line)[: max(room, 0)]


def _split_repeats(
    rows: list[tuple[Row, tuple[str, ...]]],
) -> tuple[list[tuple[Row, tuple[str, ...]]], list[tuple[Row, tuple[str, ...]]]]:
    """Rows that repeat no earlier row of ``rows`` (by e-mail address or phone number), and
    the rows that do, which wait for the next pass."""
    seen: set[bytes] = set()
    first: list[tuple[Row, tuple[str, ...]]] = []
    later: list[tuple[Row, tuple[str, ...]]] = []
    for item in rows:
        digests = item[0].digests.values()
        # a row touching any earlier row, even one that waits, waits too: order is kept
        (later if any(d in seen for d in digests) else first).append(item)
        seen.update(digests)
    return first, later


class BatchWriter:
    """Writes each prepared batch in one transaction, with the job's progress; ``DryRun``
    decides by the same rules and writes nothing."""

    def __init__(
        self,
        k: Kluis,
        actor: Actor,
        setup: Setup,
        options: ImportOptions,
        now: datetime,
    ) -> None:
        self.k = k
        self.actor = actor
        self.setup = setup
        self.options = options
        self.now = now
        self.counts = Counts()
        self.kept: list[Reject] = []
        self.kept_skips: list[Skip] = []
        self.header_of = {c.target: c.header for c in setup.plan.columns}
        self.custom = {f.name: f for f in setup.plan.custom}
        self.merge = options.duplicates is Duplicates.MERGE

    def _reject(self, batch: Counts, notes: Notes, reject: Reject) -> None:
        batch.rejected += 1
        notes.rejects.append(reject)

    def _note(self, batch: Counts, notes: Notes, note: Reject | Skip) -> None:
        if isinstance(note, Skip):
            batch.skipped += 1
            notes.skips.append(note)
        else:
            self._reject(batch, notes, note)

    def write(
        self,
        job_id: int | None,
        prepared: Batch,
        start: int,
        end: int,
        rejects_file: RejectsFile,
    ) -> list[Reject]:
        batch = Counts()
        notes = Notes()
        rows: list[tuple[Row, tuple[str, ...]]] = []
        cells = prepared.rejected
        purposes = tuple(self.setup.purposes)
        for result in prepared.results:
            if isinstance(result, Reject):
                self._reject(batch, notes, result)
            elif result is None:
                batch.blank += 1
            else:
                rows.append((result, purposes))
                if result.cells:
                    cells[result.line] = result.cells
        rows = self._suppression(rows, batch, notes)
        self._store(job_id, rows, batch, notes, start, end, rejects_file, cells)
        self.counts.add(batch)
        self.kept.extend(_first(notes.rejects, KEPT_REJECTS - len(self.kept)))
        self.kept_skips.extend(_first(notes.skips, KEPT_REJECTS - len(self.kept_skips)))
        return notes.rejects

    def _suppression(
        self, rows: list[tuple[Row, tuple[str, ...]]], batch: Counts, notes: Notes
    ) -> list[tuple[Row, tuple[str, ...]]]:
        """People on the suppression list (erased, or objected to direct marketing) are not
        added to any marketing purpose, and no consent is taken for them from a file."""
        digests = [d for row, _ in rows for d in row.digests.values()]
        listed = self.k.vault.suppressed(digests) if digests else set()
        if not listed:
            return rows
        kept: list[tuple[Row, tuple[str, ...]]] = []
        for row, purposes in rows:
            hit = [name for name, d in row.digests.items() if d in listed]
            if not hit:
                kept.append((row, purposes))
                continue
            kept_row = self._without_marketing(
                row,
                purposes,
                batch,
                notes,
                self.header_of.get(hit[0], hit[0]),
                "on the suppression list (erased or objected to direct marketing); not added to "
                "marketing",
                SUPPRESSED,
            )
            if kept_row is not None:
                kept.append(kept_row)
        return kept

    def _without_marketing(
        self,
        row: Row,
        purposes: tuple[str, ...],
        batch: Counts,
        notes: Notes,
        column: str,
        reason: str,
        code: str,
    ) -> tuple[Row, tuple[str, ...]] | None:
        """``row`` for its purposes other than marketing, with only the fields those use and no
        consent from the file; None (and a reject) when marketing was all it was for. For people
        who objected to direct marketing (Art. 21(3)) or were erased."""
        batch.suppressed += 1
        remaining = tuple(p for p in purposes if p not in self.setup.marketing)
        if not remaining:
            self._reject(batch, notes, Reject(row.line, column, reason, code))
            return None
        chosen = [self.setup.purposes[p] for p in remaining]
        row.stored = {
            n: v
            for n, v in row.stored.items()
            if any(p.may_use(BY_NAME[n].category) for p in chosen)
        }
        row.index = [(n, d) for n, d in row.index if n in row.stored]
        row.index_keys = index_keys.pack(row.index)
        row.digests = {n: d for n, d in row.digests.items() if n in row.stored}
        row.sealed = {n: v for n, v in row.sealed.items() if n in row.stored}
        row.custom = {
            n: v
            for n, v in row.custom.items()
            if any(p.may_use(self.custom[n].category) for p in chosen)
        }
        row.custom_sealed = {n: v for n, v in row.custom_sealed.items() if n in row.custom}
        row.consent = False
        return row, remaining

    def _held(
        self, conn: Connection, people: dict[str, Any]
    ) -> tuple[dict[str, Held], dict[str, list[str]]]:
        """What is known of the people rows matched (their rows as stored, by id), and for a
        merge the purposes each is held for: one query each for the whole pass."""
        ids = sorted(people)
        fields = {
            person_id: frozenset(n for n in DUPLICATE_FIELDS if getattr(row, n) is not None)
            for person_id, row in people.items()
        }
        if not self.merge or not ids:
            return {person_id: Held(f) for person_id, f in fields.items()}, {}
        held_for = contacts_repo.purposes_of(conn, ids)
        restricted = contacts_repo.restricted(conn, ids)
        objected = contacts_repo.objected(conn, ids)
        return {
            person_id: Held(
                fields[person_id],
                readable=contact_rules.readable_by(self.setup.role_purposes, held_for[person_id]),
                restricted=person_id in restricted,
                objected=person_id in objected,
            )
            for person_id in ids
        }, held_for

    def _objected(
        self, row: Row, purposes: tuple[str, ...], batch: Counts, notes: Notes
    ) -> tuple[Row, tuple[str, ...]] | None:
        """A merge into a person who objected to direct marketing adds no marketing purpose."""
        if not any(p in self.setup.marketing for p in purposes):
            return row, purposes
        return self._without_marketing(row, purposes, batch, notes, "", _OBJECTED, OBJECTED)

    def _store(
        self,
        job_id: int | None,
        rows: list[tuple[Row, tuple[str, ...]]],
        batch: Counts,
        notes: Notes,
        start: int,
        end: int,
        rejects_file: RejectsFile,
        cells: dict[int, list[str]],
    ) -> None:
        assert job_id is not None
        for reject in sorted(notes.rejects, key=lambda r: r.line):
            rejects_file.write(reject, cells.get(reject.line, []))
        offset = rejects_file.flush()
        with self.k.engine.begin() as conn:
            events: list[AuditEvent] = []
            pending = rows
            while pending:
                this_pass, pending = _split_repeats(pending)
                owners = repository.owners(conn, [r for r, _ in this_pass])
                people = contacts_repo.fetch(conn, sorted(set(owners.values()))) if owners else {}
                held, held_for = self._held(conn, people)
                merged: set[str] = set()
                # a pass that finds nobody held (most of a new list) creates every row
                new: list[tuple[Row, tuple[str, ...]]] = [] if owners else this_pass
                for row, purposes in this_pass if owners else ():
                    decision = on_match(row.digests, owners, held, self.options.duplicates)
                    if decision.action is Action.CREATE:
                        new.append((row, purposes))
                        continue
                    note: Reject | Skip | None = None
                    if decision.action is Action.MERGE:
                        person_id = decision.person_id
                        if person_id in merged:  # merged by an earlier row of this pass
                            people.update(contacts_repo.fetch(conn, [person_id]))
                            held_for.update(contacts_repo.purposes_of(conn, [person_id]))
                        kept = (
                            self._objected(row, purposes, batch, notes)
                            if held[person_id].objected
                            else (row, purposes)
                        )
                        if kept is None:
                            note = notes.rejects[-1]
                        elif merging.merge(
                            self.k,
                            conn,
                            self.actor,
                            person_id,
                            people[person_id],
                            held_for[person_id],
                            kept[0],
                            kept[1],
                            self.options.consent,
                            self.setup.reconfirm_months,
                            self.now,
                            batch,
                            events,
                            job_id,
                            self.custom,
                        ):
                            merged.add(person_id)
                            # what it filled in: a later row of the pass must meet it
                            person = held[person_id]
                            held[person_id] = replace(
                                person, fields=person.fields | frozenset(kept[0].digests)
                            )
                        else:
                            note = match_note(
                                replace(decision, code=GONE), row.digests, row.line, {}
                            )
                            self._note(batch, notes, note)
                    else:
                        note = match_note(decision, row.digests, row.line, self.header_of)
                        self._note(batch, notes, note)
                    if note is not None:
                        rejects_file.write(note, cells.get(row.line, []))
                        offset = rejects_file.flush()
                self._insert(conn, new, batch, events, job_id)
            audit.record(conn, self.actor.ref, self.now, events)
            repository.advance_job(
                conn, job_id, start, end, batch, notes.rejects, notes.skips, offset, self.now
            )

    def _insert(
        self,
        conn: Connection,
        new: list[tuple[Row, tuple[str, ...]]],
        batch: Counts,
        events: list[AuditEvent],
        job_id: int,
    ) -> None:
        if not new:
            return
        self.k.vault.store_keys([(row.person_id, row.wrapped_key) for row, _ in new], self.now)
        people = NewPeople(conn, self.now, "import")
        owner = default_owner(conn, self.actor.user_id)
        for row, keys in new:
            people.add(
                row.person_id,
                row.relationship,
                row.language,
                keys,
                row.sealed,
                row.index,
                packed=row.index_keys,
                owner_id=owner,
                custom={
                    name: (self.custom[name].id, blob, digest)
                    for name, (blob, digest) in row.custom_sealed.items()
                }
                if row.custom_sealed
                else None,
            )
            batch.custom += len(row.custom_sealed)
        people.insert(conn)
        events.extend(people.events)
        batch.created += len(new)
        if self.options.consent is not None:
            for row, _ in new:
                if row.consent:
                    events.append(
                        merging.grant(
                            conn,
                            row.person_id,
                            self.options.consent,
                            self.setup.reconfirm_months,
                            self.now,
                            f"import:{job_id}",
                            fresh=True,
                        )
                    )
                    batch.consents += 1
