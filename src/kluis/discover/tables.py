"""What the search of old files keeps: the reports of each search and the sealed identifiers
captured at an erasure.

Both belong to a privacy request (ON DELETE CASCADE from ``privacy_requests``), which outlives
the person as the controller's proof (Art. 5(2)); neither holds a personal value in plain text.
A report names files and places (paths, sheet and cell, message id), never what matched. A
capture is sealed with a key of its own in the keyring (``key_id``), destroyed when the
capture ends, which makes every copy of the row unreadable, backups included (Art. 17).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class DiscoverScan(DataBase):
    """One search of old files for a request's person: which files, where the person was
    found and by which kind of identifier, and the redacted copies written."""

    __tablename__ = "discover_scans"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("privacy_requests.id", ondelete="CASCADE"), index=True
    )
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(20))
    """``command`` or ``upload``."""
    files: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    """Per file: ``name``, ``kind``, ``hits`` (``place``, ``kind``), ``error``, ``copy``."""


class DiscoverCapture(DataBase):
    """The person's identifiers (e-mail, phone, name) captured when their erasure ran, sealed
    with the keyring key ``key_id``, so old files can still be searched after the person's own
    key is destroyed; kept until ``keep_until`` (``KLUIS_DISCOVER_CAPTURE_DAYS``)."""

    __tablename__ = "discover_captures"

    request_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("privacy_requests.id", ondelete="CASCADE"), primary_key=True
    )
    key_id: Mapped[str] = mapped_column(String(36))
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    captured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    keep_until: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
