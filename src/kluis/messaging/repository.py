"""The queries on campaigns and messages (SQLAlchemy Core), each on the caller's connection:
the services open the transactions and record the audit events in them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from kluis.errors import NotFound
from kluis.messaging.tables import Campaign, MessageRow

# Campaigns


def add_campaign(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a campaign; returns its id."""
    return int(conn.execute(insert(Campaign).values(**values).returning(Campaign.id)).scalar_one())


def campaign(conn: Connection, campaign_id: int) -> Any:
    """The campaign's row; NotFound when there is none."""
    row = conn.execute(select(Campaign).where(Campaign.id == campaign_id)).first()
    if row is None:
        raise NotFound(f"there is no campaign {campaign_id}", field="campaign_id")
    return row


def campaigns_page(conn: Connection, limit: int, offset: int) -> tuple[list[Any], int]:
    """Campaigns, newest first; and how many there are in all."""
    total = int(conn.execute(select(func.count()).select_from(Campaign)).scalar_one())
    rows = conn.execute(
        select(Campaign).order_by(Campaign.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), total


def delete_campaign(conn: Connection, campaign_id: int) -> None:
    conn.execute(delete(Campaign).where(Campaign.id == campaign_id))


def set_campaign(conn: Connection, campaign_id: int, **values: Any) -> None:
    conn.execute(update(Campaign).where(Campaign.id == campaign_id).values(**values))


# A campaign's messages


def message_counts(conn: Connection, campaign_id: int) -> dict[str, int]:
    """The campaign's messages counted by status."""
    return {
        status: int(n)
        for status, n in conn.execute(
            select(MessageRow.status, func.count())
            .where(MessageRow.campaign_id == campaign_id)
            .group_by(MessageRow.status)
        )
    }


def message_counts_of(conn: Connection, campaign_ids: Sequence[int]) -> dict[int, dict[str, int]]:
    """The messages of each of ``campaign_ids`` counted by status (empty for one without)."""
    counts: dict[int, dict[str, int]] = {campaign_id: {} for campaign_id in campaign_ids}
    if counts:
        for campaign_id, status, n in conn.execute(
            select(MessageRow.campaign_id, MessageRow.status, func.count())
            .where(MessageRow.campaign_id.in_(list(counts)))
            .group_by(MessageRow.campaign_id, MessageRow.status)
        ):
            if campaign_id is not None:
                counts[campaign_id][status] = int(n)
    return counts


def refused_reasons(conn: Connection, campaign_id: int) -> dict[str, int]:
    """The campaign's messages refused when their turn came, counted by reason."""
    return {
        reason: int(n)
        for reason, n in conn.execute(
            select(MessageRow.reason, func.count())
            .where(MessageRow.campaign_id == campaign_id, MessageRow.status == "refused")
            .group_by(MessageRow.reason)
        )
    }


def queue(conn: Connection, rows: list[dict[str, Any]]) -> None:
    """Queue messages, skipping people queued for the campaign already (the queue is
    idempotent: one message per person and campaign)."""
    if not rows:
        return
    builder = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    statement = builder(MessageRow).on_conflict_do_nothing(
        index_elements=["campaign_id", "person_id"]
    )
    conn.execute(statement, rows)


def queued_count(conn: Connection, campaign_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                MessageRow.campaign_id == campaign_id, MessageRow.status == "queued"
            )
        ).scalar_one()
    )


def queued(conn: Connection, campaign_id: int, limit: int) -> list[tuple[int, str]]:
    """The next queued messages of the campaign, oldest first: (message id, person id)."""
    rows = conn.execute(
        select(MessageRow.id, MessageRow.person_id)
        .where(MessageRow.campaign_id == campaign_id, MessageRow.status == "queued")
        .order_by(MessageRow.id)
        .limit(limit)
    ).all()
    return [(message_id, person_id) for message_id, person_id in rows]


def interrupt(conn: Connection, campaign_id: int, error: str, *, resend: bool) -> None:
    """After a sender stopped without marking its rows. Those it had only claimed go back to
    the queue, to be decided again. Those it had begun handing over (``sent_at`` set while
    ``sending``) may have arrived: with ``resend`` (e-mail) they too go back to the queue but
    keep their Message-ID, so the message sent again is the same message (RFC 5322 3.6.4) and
    the recipient's mail system shows it once; without (a text, which carries no such
    identifier) they are ``interrupted`` and never sent again."""
    sending = (MessageRow.campaign_id == campaign_id, MessageRow.status == "sending")
    if resend:
        conn.execute(
            update(MessageRow)
            .where(*sending, MessageRow.sent_at.is_not(None))
            .values(status="queued", language="-", sent_at=None)
        )
    else:
        conn.execute(
            update(MessageRow)
            .where(*sending, MessageRow.sent_at.is_not(None))
            .values(status="interrupted", error=error, sent_at=None)
        )
    conn.execute(
        update(MessageRow)
        .where(*sending, MessageRow.sent_at.is_(None))
        .values(status="queued", language="-")
    )


def handing_over(conn: Connection, message_ids: Sequence[int], at: datetime) -> None:
    """Mark claimed messages as being handed to the mail server (``sent_at`` while still
    ``sending``): from here a crash leaves them ``interrupted``, never sent twice."""
    if message_ids:
        conn.execute(
            update(MessageRow)
            .where(MessageRow.id.in_(list(message_ids)), MessageRow.status == "sending")
            .values(sent_at=at)
        )


def claim(conn: Connection, message_ids: Sequence[int]) -> dict[int, str | None]:
    """Mark the messages among ``message_ids`` that are still queued ``sending``, in one
    statement; returns those this call took (another sender's are not among them), each with
    the Message-ID it kept from a hand-over a crash cut short (``interrupt``), or None."""
    if not message_ids:
        return {}
    taken = conn.execute(
        update(MessageRow)
        .where(MessageRow.id.in_(list(message_ids)), MessageRow.status == "queued")
        .values(status="sending")
        .returning(MessageRow.id, MessageRow.message_id)
    )
    return {int(row_id): message_id for row_id, message_id in taken}


def set_many(conn: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Update many messages in one executemany; each row has ``row_id`` and the same other
    keys (columns)."""
    if rows:
        conn.execute(update(MessageRow).where(MessageRow.id == bindparam("row_id")), list(rows))


def requeue(conn: Connection, message_ids: Sequence[int]) -> None:
    """Give messages claimed but never handed to the mail server back to the queue, so they
    are decided again and sent when sending resumes. An e-mail keeps the Message-ID it was
    given when first claimed: an earlier hand-over of it may have arrived (``interrupt``)."""
    if message_ids:
        conn.execute(
            update(MessageRow)
            .where(MessageRow.id.in_(list(message_ids)), MessageRow.status == "sending")
            .values(status="queued", language="-", sent_at=None)
        )


# Messages


def add_message(conn: Connection, values: dict[str, Any]) -> int:
    """Insert a message; returns its id."""
    return int(
        conn.execute(insert(MessageRow).values(**values).returning(MessageRow.id)).scalar_one()
    )


def message_with_id(conn: Connection, person_id: str, header: str | None) -> int | None:
    """The id of the person's message sent with Message-ID ``header``, if one was stored."""
    if header is None:
        return None
    found = conn.execute(
        select(MessageRow.id).where(
            MessageRow.person_id == person_id, MessageRow.message_id == header
        )
    ).first()
    return None if found is None else int(found[0])


def message(conn: Connection, message_id: int) -> Any:
    """The message's row; NotFound when there is none."""
    row = conn.execute(select(MessageRow).where(MessageRow.id == message_id)).first()
    if row is None:
        raise NotFound(f"there is no message {message_id}", field="message_id")
    return row


def set_message(
    conn: Connection, message_id: int, values: dict[str, Any], *, only_queued: bool = False
) -> bool:
    """Update the message; with ``only_queued`` only while it is still queued. True when the
    row changed."""
    statement = update(MessageRow).where(MessageRow.id == message_id)
    if only_queued:
        statement = statement.where(MessageRow.status == "queued")
    return bool(conn.execute(statement.values(**values)).rowcount == 1)


def messages_of(conn: Connection, person_id: str) -> list[dict[str, Any]]:
    """Every message to the person, oldest first, as plain rows."""
    rows = conn.execute(
        select(MessageRow).where(MessageRow.person_id == person_id).order_by(MessageRow.id)
    )
    return [dict(r._mapping) for r in rows]
