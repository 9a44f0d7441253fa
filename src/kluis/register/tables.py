"""The data store's copy of the erasure and minimisation registers.

Each row is written in the same transaction as the change it records (the rows deleted, the
fields cleared), so the copy also says which entries *this* data store has applied: after a
data restore, the entries the restored copy lacks are exactly the ones to replay. Opaque ids,
field and purpose names only; no personal data (Art. 17; DESIGN.md invariant 2).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class ErasedPerson(DataBase):
    """A person erased whole (the data store's copy of the keyring's ``erasure_register``)."""

    __tablename__ = "erasure_register"

    person_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(40))


class MinimisedPerson(DataBase):
    """A partial erasure (the data store's copy of the keyring's ``minimisation_register``),
    identified by the digest of what it says (``kluis.vault.register.Minimisation.entry``)."""

    __tablename__ = "minimisation_register"

    entry: Mapped[str] = mapped_column(String(32), primary_key=True)
    person_id: Mapped[str] = mapped_column(String(36), index=True)
    fields: Mapped[list[str]] = mapped_column(JSON)
    purposes: Mapped[list[str]] = mapped_column(JSON)
    ledger: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    reason: Mapped[str] = mapped_column(String(40))
