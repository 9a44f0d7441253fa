"""A campaign's results on its channel: sent, delivered, failed, refused by reason, and opted
out afterwards. Counts only: no person, no number, nothing tracked in the messages themselves
(no pixels, no rewritten links; ePrivacy Art. 5(3)). "Opted out afterwards" is read from the
consent ledger: people sent to who withdrew that channel and topic at or after their message."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, and_, exists, func, select

from kluis.actors import Actor
from kluis.consent.tables import ConsentEvent
from kluis.messaging import campaigns, repository
from kluis.messaging.tables import MessageRow
from kluis.runtime import Kluis


@dataclass(frozen=True)
class Results:
    campaign_id: int
    channel: str
    topic: str
    status: str
    sent: int
    delivered: int
    failed: int
    refused: dict[str, int]
    """Left out when the audience was drawn and refused when their turn came, by reason."""
    opted_out_after: int


def opted_out_after(conn: Connection, campaign_id: int) -> int:
    withdrew = exists().where(
        and_(
            ConsentEvent.person_id == MessageRow.person_id,
            ConsentEvent.channel == MessageRow.channel,
            ConsentEvent.topic == MessageRow.topic,
            ConsentEvent.action == "withdrawn",
            ConsentEvent.captured_at >= MessageRow.sent_at,
        )
    )
    return int(
        conn.execute(
            select(func.count()).where(
                MessageRow.campaign_id == campaign_id,
                MessageRow.sent_at.is_not(None),
                MessageRow.status == "sent",
                withdrew,
            )
        ).scalar_one()
    )


def delivered(conn: Connection, campaign_id: int) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                MessageRow.campaign_id == campaign_id, MessageRow.delivery_status == "delivered"
            )
        ).scalar_one()
    )


def results(k: Kluis, actor: Actor, campaign_id: int) -> Results:
    campaigns.may_send(actor)
    view = campaigns.get_campaign(k, campaign_id)
    with k.engine.connect() as conn:
        refused = dict(view.refused)
        for reason, n in repository.refused_reasons(conn, campaign_id).items():
            refused[reason] = refused.get(reason, 0) + n
        return Results(
            campaign_id=view.id,
            channel=view.channel,
            topic=view.topic,
            status=view.status,
            sent=view.counts.get("sent", 0),
            delivered=delivered(conn, campaign_id),
            failed=view.counts.get("failed", 0),
            refused=refused,
            opted_out_after=opted_out_after(conn, campaign_id),
        )
