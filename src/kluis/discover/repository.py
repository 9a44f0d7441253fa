"""The discover slice's SQL, on the caller's connection."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from kluis.discover.tables import DiscoverCapture, DiscoverScan


def insert_scan(
    conn: Connection,
    request_id: int,
    at: datetime,
    actor: str,
    source: str,
    files: list[dict[str, Any]],
) -> int:
    result = conn.execute(
        insert(DiscoverScan)
        .values(request_id=request_id, at=at, actor=actor, source=source, files=files)
        .returning(DiscoverScan.id)
    )
    return int(result.scalar_one())


def scans_of(conn: Connection, request_id: int) -> list[Any]:
    """The request's searches, oldest first."""
    return list(
        conn.execute(
            select(DiscoverScan)
            .where(DiscoverScan.request_id == request_id)
            .order_by(DiscoverScan.id)
        )
    )


def put_capture(
    conn: Connection,
    request_id: int,
    key_id: str,
    sealed: bytes,
    captured_at: datetime,
    keep_until: datetime,
) -> None:
    conn.execute(delete(DiscoverCapture).where(DiscoverCapture.request_id == request_id))
    conn.execute(
        insert(DiscoverCapture).values(
            request_id=request_id,
            key_id=key_id,
            sealed=sealed,
            captured_at=captured_at,
            keep_until=keep_until,
        )
    )


def capture_of(conn: Connection, request_id: int) -> Any | None:
    return conn.execute(
        select(DiscoverCapture).where(DiscoverCapture.request_id == request_id)
    ).first()


def expired_captures(conn: Connection, now: datetime) -> list[Any]:
    return list(
        conn.execute(select(DiscoverCapture.request_id).where(DiscoverCapture.keep_until <= now))
    )


def delete_capture(conn: Connection, request_id: int) -> None:
    conn.execute(delete(DiscoverCapture).where(DiscoverCapture.request_id == request_id))


def keep_capture_until(conn: Connection, request_id: int, keep_until: datetime) -> None:
    conn.execute(
        update(DiscoverCapture)
        .where(DiscoverCapture.request_id == request_id, DiscoverCapture.keep_until < keep_until)
        .values(keep_until=keep_until)
    )
