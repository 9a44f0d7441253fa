"""The keyring: creating, loading and destroying person keys; the suppression list.

Unwrapped keys are cached in memory (bounded, least recently used) and never written anywhere.
Shredding first appends the ids to the register file (``kluis.vault.register``, fsync'ed), then
deletes the wrapped keys and records the ids in the keyring's erasure register in one keyring
transaction, so a person is either readable or erased, never half, and no key is ever destroyed
without a durable register entry that outlives a restore of the keyring.

The suppression list (blind-index digests of the e-mail addresses and phone numbers of people who
were erased or objected to direct marketing) lives here too, next to the erasure register, so
that restoring an old data backup cannot make Kluis forget it.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, Engine, delete, func, insert, select, text

from kluis.db import IN_CHUNK, READ_ONLY, insert_rows, rows_in, to_db_time
from kluis.errors import PersonErased
from kluis.vault import crypto, entries
from kluis.vault.keys import DerivedKeys
from kluis.vault.register import (
    Erasure,
    Minimisation,
    RegisterFile,
    Suppression,
    erasure,
    lift,
    minimisation,
    suppression,
)
from kluis.vault.tables import ErasureEntry, MinimisationEntry, PersonKey, SuppressionEntry

_CHUNK = 500
SUPPRESSION_KINDS = ("email", "phone")
"""Blind-index kinds kept on the suppression list: the ways a person can be reached."""
SUPPRESSION_REASONS = ("erased", "objected")
_KEY_COLUMNS = ("person_id", "wrapped_key", "created_at")

WHOLE_LIST_RATIO = 4
"""A look-up of more digests than one ``IN`` list holds (a bulk import's batch asks for
thousands) first reads the whole suppression list when it has at most a quarter as many
entries as there are digests, and compares in memory: a short list (the usual case) is cheaper
to read than to search for each digest; a longer one costs that quarter more in rows read."""

_WHOLE_LIST = text(
    f"SELECT digest, reason FROM {SuppressionEntry.__tablename__} "  # noqa: S608
    "ORDER BY digest, kind LIMIT :most"
)


def _whole_list(conn: Connection, most: int) -> list[tuple[bytes, str]] | None:
    """The suppression list's (digest, reason) entries when it has at most ``most``, in key
    order (as a look-up by digest meets them); None when it is longer."""
    rows = conn.execute(_WHOLE_LIST, {"most": most + 1}).all()
    if len(rows) > most:
        return None
    return [(bytes(digest), reason) for digest, reason in rows]


_MINIMISATION_COLUMNS = (
    MinimisationEntry.person_id,
    MinimisationEntry.fields,
    MinimisationEntry.purposes,
    MinimisationEntry.ledger,
    MinimisationEntry.at,
    MinimisationEntry.reason,
)


class Vault:
    """Keys for people, backed by the keyring store."""

    def __init__(
        self,
        engine: Engine,
        keys: DerivedKeys,
        *,
        cache_size: int = 20_000,
        register_file: Path | None = None,
    ) -> None:
        self.engine = engine
        self.register_file = (
            RegisterFile(register_file, keys.register_key) if register_file is not None else None
        )
        self._kek = keys.key_encryption_key
        self._blind_index = crypto.BlindIndexer(keys.blind_index_key)
        self.signing_key = keys.signing_key
        self._cache: OrderedDict[str, crypto.PersonCipher] = OrderedDict()
        self._cache_size = cache_size

    def blind_index(self, kind: str, normalised: str) -> bytes:
        return self._blind_index(kind, normalised)

    def _remember(self, cipher: crypto.PersonCipher) -> None:
        self._cache[cipher.person_id] = cipher
        self._cache.move_to_end(cipher.person_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def create_keys(
        self, person_ids: Sequence[str], now: datetime
    ) -> dict[str, crypto.PersonCipher]:
        """Make, wrap and store a fresh data key for each new person (one keyring transaction)."""
        made = self.new_keys(person_ids)
        self.store_keys([(cipher.person_id, wrapped) for cipher, wrapped in made], now)
        for cipher, _ in made:
            self._remember(cipher)
        return {cipher.person_id: cipher for cipher, _ in made}

    def new_keys(self, person_ids: Sequence[str]) -> list[tuple[crypto.PersonCipher, bytes]]:
        """Fresh keys for new people, made and wrapped but not stored: a bulk import makes them
        where it validates (its worker process), seals the fields with them, and stores with
        ``store_keys`` only the keys of people it then creates."""
        return crypto.new_person_keys(self._kek, person_ids)

    def store_keys(self, wrapped: Sequence[tuple[str, bytes]], now: datetime) -> None:
        """Store wrapped keys made by ``new_keys``, in one keyring transaction. Called before the
        data of those people is written: a crash in between leaves keys without data (harmless),
        never data without a key."""
        if not wrapped:
            return
        at = to_db_time(now)
        with self.engine.begin() as conn:
            insert_rows(
                conn,
                PersonKey.__tablename__,
                _KEY_COLUMNS,
                [(person_id, key, at) for person_id, key in wrapped],
            )

    def ciphers(self, person_ids: Iterable[str]) -> dict[str, crypto.PersonCipher]:
        """Ciphers for the given people; people without a key (erased) are absent."""
        found: dict[str, crypto.PersonCipher] = {}
        missing: list[str] = []
        for person_id in person_ids:
            cached = self._cache.get(person_id)
            if cached is None:
                missing.append(person_id)
            else:
                self._cache.move_to_end(person_id)
                found[person_id] = cached
        if missing:
            with self.engine.connect() as conn:
                for start in range(0, len(missing), _CHUNK):
                    chunk = missing[start : start + _CHUNK]
                    rows = conn.execute(
                        select(PersonKey.person_id, PersonKey.wrapped_key).where(
                            PersonKey.person_id.in_(chunk)
                        )
                    )
                    for person_id, wrapped in rows:
                        cipher = crypto.PersonCipher(
                            person_id, crypto.unwrap_key(self._kek, wrapped, person_id)
                        )
                        self._remember(cipher)
                        found[person_id] = cipher
        return found

    def cipher(self, person_id: str) -> crypto.PersonCipher:
        found = self.ciphers([person_id]).get(person_id)
        if found is None:
            raise PersonErased(
                f"person {person_id} has no key: they were erased and their data cannot be read"
            )
        return found

    def shred(self, person_id: str, now: datetime, reason: str) -> None:
        """Destroy the person's key and add them to the erasure register (idempotent)."""
        self.shred_many([person_id], now, reason)

    def shred_many(
        self,
        person_ids: Sequence[str],
        now: datetime,
        reason: str,
        *,
        suppress: Iterable[tuple[str, bytes]] = (),
    ) -> set[str]:
        """Destroy these people's keys and add them to the erasure register, in one keyring
        transaction, after one fsync'ed append of them all to the register file; returns the
        ids that were not in the keyring's register before. ``suppress`` are their ``(kind,
        digest)`` pairs for the suppression list (reason ``erased``): written in the same append
        and the same transaction as the keys' destruction, so an erased person is never off the
        list (Art. 17, 21(3)).

        The register file is appended inside the keyring transaction, before its first write:
        a crash after the append and before the commit leaves ids the file names and the
        keyring does not, which the next start completes (``kluis.backup.reconcile``)."""
        wanted = list(dict.fromkeys(person_ids))
        listing = self._suppressions(suppress, "erased", now)
        if not wanted and not listing:
            return set()
        erasures = [erasure(p, now, reason) for p in wanted]
        for person_id in wanted:
            self._cache.pop(person_id, None)
        with self.engine.begin() as conn:
            have = entries.listed(conn, (s.digest for s in listing))
            new = [s for s in listing if (s.kind, s.digest) not in have]
            if self.register_file is not None:
                self.register_file.append([*new, *erasures])
            entries.add_suppressions(conn, new, have)
            return {e.person_id for e in entries.destroy_keys(conn, erasures)}

    def add_erasures(self, erasures: Sequence[Erasure]) -> list[Erasure]:
        """Destroy the keys of ``erasures`` and put those not yet there in the keyring's erasure
        register (one transaction; the register file is the caller's); returns those added."""
        for entry in erasures:
            self._cache.pop(entry.person_id, None)
        with self.engine.begin() as conn:
            return entries.destroy_keys(conn, erasures)

    def erased(self, person_ids: Iterable[str]) -> set[str]:
        """Which of ``person_ids`` are in the erasure register."""
        ids = list(person_ids)
        result: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                result.update(
                    conn.scalars(
                        select(ErasureEntry.person_id).where(ErasureEntry.person_id.in_(chunk))
                    )
                )
        return result

    def register_minimisation(
        self,
        person_id: str,
        fields: Sequence[str],
        purposes: Sequence[str],
        ledger: bool,
        at: datetime,
        reason: str,
    ) -> Minimisation:
        """Record a partial erasure in the register file (fsync'ed) and the keyring, before the
        data store changes (as a key is destroyed before the rows go): a restore replays it.
        Returns the entry, which the caller records in the data store with the change."""
        entry = minimisation(person_id, fields, purposes, ledger, at, reason)
        if self.register_file is not None:
            self.register_file.append([entry])
        self.add_minimisations([entry])
        return entry

    def add_minimisations(self, entries: Sequence[Minimisation]) -> list[Minimisation]:
        """Put the ``entries`` the keyring's minimisation register lacks in it; returns those."""
        if not entries:
            return []
        with self.engine.begin() as conn:
            have = {m.entry for m in self._minimisations_of(conn, {m.person_id for m in entries})}
            new = list({m.entry: m for m in entries if m.entry not in have}.values())
            if new:
                conn.execute(
                    insert(MinimisationEntry),
                    [
                        {
                            "person_id": m.person_id,
                            "fields": list(m.fields),
                            "purposes": list(m.purposes),
                            "ledger": m.ledger,
                            "at": m.at,
                            "reason": m.reason,
                        }
                        for m in new
                    ],
                )
        return new

    def erasure_entries(self) -> list[Erasure]:
        """The keyring's copy of the erasure register."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(ErasureEntry.person_id, ErasureEntry.erased_at, ErasureEntry.reason)
            )
            return [erasure(p, at, reason) for p, at, reason in rows]

    @staticmethod
    def _minimisations_of(conn: Connection, person_ids: Iterable[str]) -> list[Minimisation]:
        """The keyring's minimisation entries about these people (one look-up per chunk: a
        partial erasure checks its person's entries, not the whole register)."""
        ids = sorted(person_ids)
        found: list[Minimisation] = []
        for start in range(0, len(ids), _CHUNK):
            rows = conn.execute(
                select(*_MINIMISATION_COLUMNS).where(
                    MinimisationEntry.person_id.in_(ids[start : start + _CHUNK])
                )
            )
            found.extend(minimisation(*row) for row in rows)
        return found

    def minimisation_entries(self) -> list[Minimisation]:
        """The keyring's copy of the minimisation register, in the normal form of
        ``kluis.vault.register`` (comparable with the other copies)."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(*_MINIMISATION_COLUMNS).order_by(MinimisationEntry.id))
            return [minimisation(*row) for row in rows]

    @property
    def key_encryption_key(self) -> bytes:
        """For deriving the key of keyring snapshots (``kluis.backup``); never stored."""
        return self._kek

    def has_keys(self, person_ids: Iterable[str]) -> set[str]:
        """Which of ``person_ids`` have a key (are readable)."""
        ids = list(person_ids)
        result: set[str] = set()
        with self.engine.connect() as conn:
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                result.update(
                    conn.scalars(select(PersonKey.person_id).where(PersonKey.person_id.in_(chunk)))
                )
        return result

    def register(self) -> list[str]:
        """Every erased id, oldest first: what a restore replays."""
        with self.engine.connect() as conn:
            return list(
                conn.scalars(
                    select(ErasureEntry.person_id).order_by(
                        ErasureEntry.erased_at, ErasureEntry.person_id
                    )
                )
            )

    def suppress(self, entries: Iterable[tuple[str, bytes]], reason: str, now: datetime) -> int:
        """Put ``(kind, digest)`` pairs on the suppression list with ``reason`` (``erased`` or
        ``objected``); returns how many were new. Idempotent: an entry already listed keeps its
        first reason and time."""
        items = self._suppressions(entries, reason, now)
        if not items:
            return 0
        if self.register_file is not None:
            listed = self.suppressed(s.digest for s in items)
            self.register_file.append([s for s in items if s.digest not in listed])
        return len(self.add_suppressions(items))

    @staticmethod
    def _suppressions(
        entries: Iterable[tuple[str, bytes]], reason: str, now: datetime
    ) -> list[Suppression]:
        if reason not in SUPPRESSION_REASONS:
            raise ValueError(f"suppression reason {reason!r} is not one of {SUPPRESSION_REASONS}")
        wanted = dict.fromkeys(entries)
        for kind, _ in wanted:
            if kind not in SUPPRESSION_KINDS:
                raise ValueError(f"suppression kind {kind!r} is not one of {SUPPRESSION_KINDS}")
        return [suppression(kind, digest, reason, now) for kind, digest in wanted]

    def add_suppressions(self, items: Sequence[Suppression]) -> list[Suppression]:
        """Put the ``items`` not yet listed on the keyring's suppression list, each with its own
        reason and time (the register file is the caller's); returns those added."""
        if not items:
            return []
        with self.engine.begin() as conn:
            return entries.add_suppressions(conn, items)

    def suppression_entries(self) -> list[Suppression]:
        """The keyring's whole suppression list, for merging with the register file."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(
                    SuppressionEntry.kind,
                    SuppressionEntry.digest,
                    SuppressionEntry.reason,
                    SuppressionEntry.added_at,
                )
            )
            return [suppression(kind, digest, reason, at) for kind, digest, reason, at in rows]

    def suppression_reasons(self, digests: Iterable[bytes]) -> dict[bytes, str]:
        """The digests among ``digests`` that are on the suppression list, with their reason.
        Batched: a bulk import asks once per batch."""
        wanted = set(digests)
        found: dict[bytes, str] = {}
        if not wanted:
            return found
        head = f"SELECT digest, reason FROM {SuppressionEntry.__tablename__} WHERE digest"  # noqa: S608
        # a look-up only: on SQLite it need not take the keyring's write lock (``READ_ONLY``)
        with self.engine.connect().execution_options(**READ_ONLY) as conn:
            if len(wanted) > IN_CHUNK:
                whole = _whole_list(conn, len(wanted) // WHOLE_LIST_RATIO)
                if whole is not None:
                    for digest, reason in whole:
                        if digest in wanted:
                            found.setdefault(digest, reason)
                    return found
            for digest, reason in rows_in(conn, head, list(wanted)):
                found.setdefault(bytes(digest), reason)
        return found

    def suppressed(self, digests: Iterable[bytes]) -> set[bytes]:
        """Which of ``digests`` are on the suppression list."""
        return set(self.suppression_reasons(digests))

    def unsuppress(self, digests: Iterable[bytes], now: datetime) -> int:
        """Take digests off the suppression list (the person signed up again themselves, with a
        double opt-in: Art. 7); returns how many entries were removed. The lift is written to
        the register file first, so a restored keyring snapshot does not put them back."""
        wanted = list(set(digests))
        if not wanted:
            return 0
        if self.register_file is not None:
            self.register_file.append([lift(d, now) for d in sorted(self.suppressed(wanted))])
        return self.drop_suppressions(wanted)

    def drop_suppressions(self, digests: Sequence[bytes]) -> int:
        """Delete these digests (every kind) from the keyring's suppression list."""
        removed = 0
        with self.engine.begin() as conn:
            for start in range(0, len(digests), _CHUNK):
                chunk = digests[start : start + _CHUNK]
                removed += conn.execute(
                    delete(SuppressionEntry).where(SuppressionEntry.digest.in_(chunk))
                ).rowcount
        return removed

    def suppression_count(self) -> int:
        with self.engine.connect() as conn:
            return int(
                conn.execute(select(func.count()).select_from(SuppressionEntry)).scalar_one()
            )
