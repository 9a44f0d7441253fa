"""Keyring tables: they live in the keyring store, never in the data store."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Integer, LargeBinary, String
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


class SuppressionEntry(KeyringBase):
    """The suppression list: blind-index digests of the e-mail addresses and phone numbers of
    people who were erased or objected to direct marketing, and why; no personal data.

    Kept with the keyring, like the erasure register, so that restoring an old data backup does
    not forget it, and a later import or form cannot silently add them to marketing again
    (Art. 17, Art. 21(3)).
    """

    __tablename__ = "suppression_list"

    digest: Mapped[bytes] = mapped_column(LargeBinary(16), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    reason: Mapped[str] = mapped_column(String(20))
    added_at: Mapped[datetime] = mapped_column(UTCDateTime())


class MinimisationEntry(KeyringBase):
    """The register of partial erasures: a person who was kept for some purposes (a legal
    obligation, or purposes whose retention still runs) lost these fields, purposes and perhaps
    their consent ledger. Like the erasure register it is replayed after a restore, so an old
    data backup cannot bring back what was erased (Art. 17; DESIGN.md invariant 2). Field and
    purpose *names* only, no values."""

    __tablename__ = "minimisation_register"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    ledger: Mapped[bool] = mapped_column(Boolean)
    """Whether the consent ledger and evidence went too."""
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(40))
