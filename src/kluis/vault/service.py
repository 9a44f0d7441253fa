"""The keyring: creating, loading and destroying person keys.

Unwrapped keys are cached in memory (bounded, least recently used) and never written anywhere.
Shredding deletes the wrapped key and records the id in the erasure register in one keyring
transaction, so a person is either readable or erased, never half.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import Engine, delete, insert, select

from kluis.db import insert_rows, to_db_time
from kluis.errors import PersonErased
from kluis.vault import crypto
from kluis.vault.keys import DerivedKeys
from kluis.vault.tables import ErasureEntry, PersonKey

_CHUNK = 500
_KEY_COLUMNS = ("person_id", "wrapped_key", "created_at")


class Vault:
    """Keys for people, backed by the keyring store."""

    def __init__(self, engine: Engine, keys: DerivedKeys, *, cache_size: int = 20_000) -> None:
        self.engine = engine
        self._kek = keys.key_encryption_key
        self._bik = keys.blind_index_key
        self.signing_key = keys.signing_key
        self._cache: OrderedDict[str, crypto.PersonCipher] = OrderedDict()
        self._cache_size = cache_size

    def blind_index(self, kind: str, normalised: str) -> bytes:
        return crypto.blind_index(self._bik, kind, normalised)

    def _remember(self, cipher: crypto.PersonCipher) -> None:
        self._cache[cipher.person_id] = cipher
        self._cache.move_to_end(cipher.person_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def create_keys(
        self, person_ids: Sequence[str], now: datetime
    ) -> dict[str, crypto.PersonCipher]:
        """Make, wrap and store a fresh data key for each new person (one keyring transaction)."""
        ciphers: dict[str, crypto.PersonCipher] = {}
        rows = []
        at = to_db_time(now)
        for person_id in person_ids:
            data_key = crypto.new_data_key()
            rows.append((person_id, crypto.wrap_key(self._kek, data_key), at))
            ciphers[person_id] = crypto.PersonCipher(person_id, data_key)
        if rows:
            with self.engine.begin() as conn:
                insert_rows(conn, PersonKey.__tablename__, _KEY_COLUMNS, rows)
        for cipher in ciphers.values():
            self._remember(cipher)
        return ciphers

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
        self._cache.pop(person_id, None)
        with self.engine.begin() as conn:
            conn.execute(delete(PersonKey).where(PersonKey.person_id == person_id))
            already = conn.execute(
                select(ErasureEntry.person_id).where(ErasureEntry.person_id == person_id)
            ).first()
            if already is None:
                conn.execute(
                    insert(ErasureEntry).values(person_id=person_id, erased_at=now, reason=reason)
                )

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
