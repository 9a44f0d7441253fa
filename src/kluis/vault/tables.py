"""Keyring tables: they live in the keyring store, never in the data store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import KeyringBase, UTCDateTime


class PersonKey(KeyringBase):
    """A person's AES-256 data key, wrapped (RFC 3394) under the key-encryption key.

    Deleting this row is what makes every copy of the person's data unreadable (Art. 17).
    """

    __tablename__ = "person_keys"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ErasureEntry(KeyringBase):
    """The erasure register: opaque ids of erased people, no personal data.

    Replayed after every restore so that an erased person can never come back from a backup.
    """

    __tablename__ = "erasure_register"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(40))
