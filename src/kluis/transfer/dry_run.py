"""A dry run: what an import would do, counted by the same rules, with nothing written.

It decides against the database as it is and against what the earlier rows of the file would
have changed, which it remembers on disk (``seen.SeenDigests``) so that memory stays flat.
Custom values are counted for the people it would create, and for a merge into a person held
the ones they lack; a merge into a person an earlier row of the file would create counts the
row's custom values (the scratch file keeps addresses, not which custom fields a row had).
"""

from __future__ import annotations

from dataclasses import replace

from kluis.contacts import custom_store
from kluis.contacts import repository as contacts_repo
from kluis.transfer import repository
from kluis.transfer.job import Counts
from kluis.transfer.rejects import RejectsFile
from kluis.transfer.rules.matching import Action, Held, match_note, on_match
from kluis.transfer.rules.values import Row
from kluis.transfer.seen import SeenDigests
from kluis.transfer.writer import BatchWriter, Notes


class DryRun(BatchWriter):
    """Counts what ``BatchWriter`` would do for each batch, and writes nothing."""

    seen: SeenDigests | None = None
    """The addresses earlier rows would have created, and for whom (on disk); set by the
    pipeline for the run's duration."""

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
        self._dry(rows, batch, notes)

    def _dry(self, rows: list[tuple[Row, tuple[str, ...]]], batch: Counts, notes: Notes) -> None:
        """Count what ``BatchWriter._store`` would do, by the same rule (``on_match``), against the
        database as it is and what the earlier rows of the file would have changed: people
        made (``line:N``), and addresses and fields merges would have filled in."""
        with self.k.engine.connect() as conn:
            owners = repository.owners(conn, [r for r, _ in rows])
            held, _ = self._held(conn, contacts_repo.fetch(conn, sorted(set(owners.values()))))
            ids = [f.id for f in self.custom.values()]
            held_custom = (
                custom_store.values_of(conn, sorted(set(owners.values())), ids) if ids else {}
            )
        assert self.seen is not None
        seen = self.seen
        earlier = seen.owners_of(d for row, _ in rows for d in row.digests.values())
        filled = seen.fields_of(set(earlier.values()) | set(held))
        for row, purposes in rows:
            known = {d: owners[d] for d in row.digests.values() if d in owners}
            known.update({d: earlier[d] for d in row.digests.values() if d in earlier})
            people = {}
            for person_id in set(known.values()):
                base = held.get(person_id, Held(frozenset()))
                people[person_id] = replace(
                    base, fields=base.fields | filled.get(person_id, frozenset())
                )
            decision = on_match(row.digests, known, people, self.options.duplicates)
            if decision.action is Action.CREATE:
                batch.created += 1
                batch.consents += int(row.consent)
                batch.custom += len(row.custom)
                self._remember(row, f"line:{row.line}", earlier, filled)
            elif decision.action is Action.MERGE:
                if people[decision.person_id].objected:
                    kept = self._objected(row, purposes, batch, notes)
                    if kept is None:
                        continue
                    row = kept[0]
                batch.merged += 1
                batch.consents += int(row.consent and self.options.consent is not None)
                have = held_custom.setdefault(decision.person_id, {})
                lacking = [n for n in row.custom if self.custom[n].id not in have]
                have.update(dict.fromkeys((self.custom[n].id for n in lacking), b""))
                batch.custom += len(lacking)
                # a merge fills in what the person lacks: later rows find them by it too
                self._remember(row, decision.person_id, earlier, filled)
            else:
                self._note(
                    batch, notes, match_note(decision, row.digests, row.line, self.header_of)
                )

    def _remember(
        self,
        row: Row,
        owner: str,
        earlier: dict[bytes, str],
        filled: dict[str, frozenset[str]],
    ) -> None:
        """What the dry run would have stored of ``row`` for ``owner``: its addresses, and which
        of the fields duplicates are found by the owner now has."""
        assert self.seen is not None
        fresh = [d for d in row.digests.values() if d not in earlier]
        earlier.update(dict.fromkeys(fresh, owner))
        filled[owner] = filled.get(owner, frozenset()) | frozenset(row.digests)
        self.seen.add(fresh, owner, row.digests)
