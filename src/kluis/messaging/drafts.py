"""Draft campaigns are edited and deleted; a campaign that began sending is neither: its
messages and the decisions stored with them are the record of what was sent and why (DESIGN.md
invariant 4), and that record cites the campaign."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import CampaignChanged
from kluis.consent import catalogue
from kluis.contacts import tags
from kluis.errors import Conflict, InvalidField
from kluis.messaging import campaigns, compose, repository
from kluis.runtime import Kluis

EDITABLE = frozenset(compose.FIELDS)


def _draft(row: Any, campaign_id: int, doing: str) -> None:
    if row.status != "draft":
        raise Conflict(
            f"campaign {campaign_id} is {row.status}; only a draft can be {doing}",
            field="campaign_id",
        )


def update_campaign(
    k: Kluis, actor: Actor, campaign_id: int, values: Mapping[str, Any], now: datetime
) -> campaigns.CampaignView:
    """Change a draft: the fields given replace the stored ones (the channel stays), and the
    whole is checked again as at creation."""
    campaigns.may_send(actor)
    unknown = set(values) - EDITABLE
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidField(f"a campaign's {name!r} cannot be changed", field=name)
    with k.engine.begin() as conn:
        row = repository.campaign(conn, campaign_id)
        _draft(row, campaign_id, "changed")
        merged: dict[str, Any] = {
            name: getattr(row, name) for name in compose.FIELDS if name not in ("rate_per_minute",)
        }
        merged.update(values)
        if "topic" in values:
            catalogue.topic_row(conn, str(values["topic"]))
        compose.check(merged, row.channel)
        changes = compose.columns(merged, row.channel)
        changes["name"] = str(merged.get("name") or "").strip() or row.name
        changes["topic"] = merged.get("topic") or row.topic
        if values.get("rate_per_minute") is not None:
            changes["rate_per_minute"] = values["rate_per_minute"]
        if "tag" in values:
            changes["tag"] = tags.tag_by_key(conn, values["tag"]).key if values["tag"] else None
        repository.set_campaign(conn, campaign_id, **changes)
        audit.record(conn, actor.ref, now, [CampaignChanged(campaign_id, "changed")])
    return campaigns.get_campaign(k, campaign_id)


def delete_campaign(k: Kluis, actor: Actor, campaign_id: int, now: datetime) -> None:
    """Delete a draft that has no messages."""
    campaigns.may_send(actor)
    with k.engine.begin() as conn:
        row = repository.campaign(conn, campaign_id)
        _draft(row, campaign_id, "deleted")
        if repository.message_counts(conn, campaign_id):
            raise Conflict(
                f"campaign {campaign_id} has messages already; it cannot be deleted",
                field="campaign_id",
            )
        repository.delete_campaign(conn, campaign_id)
        audit.record(conn, actor.ref, now, [CampaignChanged(campaign_id, "deleted")])
