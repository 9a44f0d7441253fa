"""Merging the three copies of the register and replaying it (Art. 17; DESIGN.md invariant 2).

The register is kept in the keyring store, in the data store and in an append-only file in the
data directory (``kluis.vault.register``). A restore puts one store back as it was, with its
copy of the register; the file is in no backup. ``reconcile`` runs on every start and after
every restore of either store: it takes the union of the three copies, writes what each lacks
back to it (the file first, as it is the one no restore can touch), destroys the keys of every
erased person in the keyring, and replays into the data store exactly the entries its copy
lacks (those the data store has not applied: it records an entry in the same transaction as the
change). So a restore never shrinks the register, and no order of restores brings anybody back.
The suppression list, kept in the keyring only, is merged with the file's log of its additions
and lifts the same way (Art. 21(3)).

It lives with the backups, above the contacts and consent it replays into (the register itself,
``kluis.register``, stays low: tables, repository and rules only); ``kluis.opening`` runs
``on_open`` whenever Kluis is opened, and ``kluis.backup.service`` after a restore. What the
replay writes (``kluis.backup.replay``: the contacts and consent repositories) is loaded by path
only when a store lacks an entry, so an opening with nothing to replay does not import it
(issue 15). Importing this module still loads the consent slice, which registers with contacts
the steps it needs of consent (``kluis.contacts.hooks``): every process that opens Kluis has
them, whichever command then writes people.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import Engine

import kluis.consent  # noqa: F401 (loading it gives contacts its consent steps: see above)
from kluis.audit import service as audit
from kluis.audit.system_events import RegisterReplayed
from kluis.register import repository, rules
from kluis.runtime import Kluis
from kluis.slice_types import Deferred
from kluis.vault.register import Contents, Erasure, Minimisation
from kluis.vault.service import Vault

ACTOR = "system"

_replay = Deferred("kluis.backup.replay:replay")


@dataclass(frozen=True)
class Reconciled:
    to_file: int
    """Entries the register file lacked, appended."""
    keys_destroyed: int
    """Erasures the keyring lacked: added, and the person's key destroyed."""
    to_data: int
    """Entries the data store had not applied, replayed."""
    people_removed: int
    """Rows of erased people deleted from the data store by the replay."""
    people_minimised: int
    """Partial erasures applied again to people still in the data store."""
    suppressions_restored: int
    """Suppression-list entries put back in the keyring, or taken out again after a lift."""
    rejected_lines: int
    """Lines of the register file that failed their check and were ignored."""


def reconcile(
    engine: Engine, vault: Vault, now: datetime, *, also_erased: Sequence[Erasure] = ()
) -> Reconciled:
    """Merge every copy of the register (and ``also_erased``, erasures known from elsewhere,
    such as the audit log), write the union to each copy and replay what the stores lack.
    Idempotent; safe to run from several processes at once."""
    held = vault.register_file.read() if vault.register_file else Contents([], [], 0)
    with engine.connect() as conn:
        data_erased = repository.erasures(conn)
        data_minimised = repository.minimisations(conn)
    ring_erased = vault.erasure_entries()
    ring_minimised = vault.minimisation_entries()
    erased = rules.union_erasures(held.erasures, ring_erased, data_erased, also_erased)
    minimised = rules.union_minimisations(held.minimisations, ring_minimised, data_minimised)

    to_file = 0
    if vault.register_file is not None:
        lacking: list[Erasure | Minimisation] = [
            *rules.erasures_missing(erased, held.erasures),
            *rules.minimisations_missing(minimised, held.minimisations),
        ]
        vault.register_file.append(lacking)
        to_file = len(lacking)

    destroyed = vault.add_erasures(rules.erasures_missing(erased, ring_erased))
    vault.add_minimisations(rules.minimisations_missing(minimised, ring_minimised))

    relisted = _suppressions(vault, held)

    erase_here = rules.erasures_missing(erased, data_erased)
    minimise_here = rules.minimisations_missing(minimised, data_minimised)
    done = Reconciled(
        to_file=to_file,
        keys_destroyed=len(destroyed),
        to_data=len(erase_here) + len(minimise_here),
        people_removed=0,
        people_minimised=0,
        suppressions_restored=relisted,
        rejected_lines=held.rejected,
    )
    if not (done.keys_destroyed or done.to_data or done.suppressions_restored or held.rejected):
        return done
    with engine.begin() as conn:
        removed, applied = _replay(
            conn, erase_here, rules.still_to_apply(minimise_here, erased), minimise_here
        )
        done = replace(done, people_removed=removed, people_minimised=applied)
        event = RegisterReplayed(
            done.keys_destroyed,
            done.to_data,
            done.people_removed,
            done.people_minimised,
            done.suppressions_restored,
            done.rejected_lines,
        )
        audit.record(conn, ACTOR, now, [event])
    return done


def on_open(kluis: Kluis, now: datetime) -> None:
    """The hook run on every opening of Kluis: reconcile its stores at ``now``."""
    reconcile(kluis.engine, kluis.vault, now)


def _suppressions(vault: Vault, held: Contents) -> int:
    """Make the keyring's suppression list agree with the register file's log of additions and
    lifts (the file keeps what a restored keyring snapshot forgot). Returns how many entries of
    the keyring changed."""
    if vault.register_file is None:
        return 0
    plan = rules.merge_suppressions(held.suppressions, vault.suppression_entries())
    vault.register_file.append(plan.to_file)
    added = vault.add_suppressions(plan.to_keyring)
    return len(added) + (vault.drop_suppressions(plan.to_drop) if plan.to_drop else 0)
