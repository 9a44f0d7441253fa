"""Post files made as jobs: a mailing's CSV, labels or letters, made in the background for the
staff member who asked and kept, sealed, until they download it or it expires
(``KLUIS_POST_FILE_MINUTES``). The content holds names and addresses of many people, so it is
sealed under a key derived from the master key (a dump shows ciphertext), deleted at the first
download, at expiry, and before any of its people is erased (``post_jobs.before_erasure``);
the row hangs on its campaign ON DELETE CASCADE and on the user who asked."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from kluis.db import DataBase, UTCDateTime


class PostFileRow(DataBase):
    """One requested file of a post mailing: its state (``queued``, ``deciding``, ``writing``,
    ``ready``, ``failed``), progress, and, once ready, its sealed content."""

    __tablename__ = "post_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    campaign_id: Mapped[int] = mapped_column(
        ForeignKey("campaigns.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(10))
    done: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    people: Mapped[int | None] = mapped_column(Integer)
    content: Mapped[bytes | None] = mapped_column(LargeBinary)
    """AES-GCM under ``kluis/v1/post-files`` (HKDF of the key-encryption key), the row id as
    associated data: nonce and ciphertext."""
    error: Mapped[str | None] = mapped_column(String(200))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
