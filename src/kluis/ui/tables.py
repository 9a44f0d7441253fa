"""The hits counted by the limits on the public forms that send e-mail (``kluis.ui.limits``).

They are in the data store, not in a process's memory, so that every web process of one Kluis
counts against the same limit (``kluis serve --workers N``). A row holds a keyed digest of the
client address or the e-mail address (HMAC with the blind-index key, under a kind of its own so
it matches no person's index), never the address: both are personal data, and a plain hash of an
IPv4 address or a known e-mail address is undone by trying them. Rows older than the window are
deleted by the next form post.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class MailLimitHit(DataBase):
    """One counted form post (``kind`` ``client``) or mail to an address (``address``) at
    ``at``; a refused one is not counted."""

    __tablename__ = "mail_limit_hits"
    __table_args__ = (Index("ix_mail_limit_hits_key", "kind", "digest", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    digest: Mapped[bytes] = mapped_column(LargeBinary(16))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
