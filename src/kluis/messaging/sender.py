"""The one sender of a campaign: a claim taken with one conditional UPDATE, renewed as it goes.

Two senders of one campaign (a second ``POST /campaigns/{id}/send``, a second ``kluis campaigns
send``, another API process) would each keep ``rate_per_minute``, so together they would send
faster than the rate the campaign promises the mail provider and the recipients' servers. The
claim is a row update whose WHERE clause says the campaign is free, so the database lets exactly
one sender through, on SQLite and PostgreSQL and across processes. A sender that dies stops
renewing; its claim lapses after ``LEASE`` (or three of the campaign's intervals, if longer),
and sending again resumes the campaign.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Connection, or_, update

from kluis.errors import Conflict
from kluis.locale import N_
from kluis.messaging.tables import Campaign
from kluis.runtime import Kluis

LEASE = timedelta(minutes=2)


def lease(rate_per_minute: int) -> timedelta:
    """How long a claim holds without renewal: longer than the wait between two messages."""
    return max(LEASE, timedelta(seconds=3 * 60.0 / rate_per_minute))


def claim(k: Kluis, campaign_id: int, rate_per_minute: int, now: datetime) -> str:
    """Take the campaign for one sender; returns its token, or Conflict (409) while another
    sender holds it."""
    sender = str(uuid.uuid4())
    with k.engine.begin() as conn:
        taken = conn.execute(
            update(Campaign)
            .where(
                Campaign.id == campaign_id,
                Campaign.status != "sent",
                or_(Campaign.sender_until.is_(None), Campaign.sender_until <= now),
            )
            .values(sender=sender, sender_until=now + lease(rate_per_minute))
        ).rowcount
    if taken != 1:
        raise Conflict(
            f"campaign {campaign_id} is being sent already; follow its progress, or send it "
            "again once that sender has stopped (a stopped sender's claim lapses within "
            "minutes): one sender per campaign keeps rate_per_minute",
            field="campaign_id",
            msgid=N_(
                "Campaign %(id)s is being sent already; follow its progress, or send it again "
                "once that sender has stopped (its claim lapses within minutes)."
            ),
            values={"id": campaign_id},
        )
    return sender


def renew(k: Kluis, campaign_id: int, sender: str, rate_per_minute: int, now: datetime) -> bool:
    """Extend the claim; False when this sender no longer holds it (it lapsed and another
    sender took the campaign), and must stop."""
    with k.engine.begin() as conn:
        return renew_in(conn, campaign_id, sender, rate_per_minute, now)


def renew_in(
    conn: Connection, campaign_id: int, sender: str, rate_per_minute: int, now: datetime
) -> bool:
    """``renew`` in the caller's transaction (the one that claims a page of messages)."""
    return (
        conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.sender == sender)
            .values(sender_until=now + lease(rate_per_minute))
        ).rowcount
        == 1
    )


def release(k: Kluis, campaign_id: int, sender: str) -> None:
    """Give the campaign up (finished, failed or interrupted), so sending again can resume."""
    with k.engine.begin() as conn:
        conn.execute(
            update(Campaign)
            .where(Campaign.id == campaign_id, Campaign.sender == sender)
            .values(sender=None, sender_until=None)
        )
