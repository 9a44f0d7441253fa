"""Sending a campaign as a job (issue 16): ``campaigns.send_campaign`` as it is, with the worker's
stop flag between messages.

The request claims the campaign (``campaigns.ready_to_send``) and queues this job with the claim,
so a second send is refused at once (409). The first run sends under that claim; a run after a
stop or a crash claims again (``sender.claim``): a crashed worker's claim lapses after
``sender.LEASE``, so until then the job waits (``Retry``) rather than risk two senders. Either way
the campaign resumes where it stopped and nobody gets it twice: a message left ``sending`` by a
killed worker is marked ``interrupted``, never sent again.
"""

from __future__ import annotations

import logging

from kluis.actors import Actor, parse_role
from kluis.errors import Conflict, KluisError
from kluis.jobs import Job, JobContext, Retry, Stopped
from kluis.messaging import campaigns, sender

log = logging.getLogger(__name__)

SEND = "campaigns.send"


def arguments(actor: Actor, campaign_id: int, claimed: str) -> dict[str, object]:
    """The job's JSON arguments: the campaign, who sent it (for the audit log) and the claim."""
    return {
        "campaign_id": campaign_id,
        "actor_ref": actor.ref,
        "actor_role": actor.role.value,
        "actor_user_id": actor.user_id,
        "claimed": claimed,
    }


def _send(
    context: JobContext,
    campaign_id: int,
    actor_ref: str,
    actor_role: str,
    actor_user_id: int | None,
    claimed: str,
) -> None:
    actor = Actor(actor_ref, parse_role(actor_role), actor_user_id)
    first = context.attempt == 1
    try:
        campaigns.send_campaign(
            context.kluis,
            actor,
            campaign_id,
            context.clock,
            context.transport,  # type: ignore[arg-type]
            claimed=claimed if first else None,
            sleep=context.pause,
        )
    except Stopped:
        raise
    except Conflict as exc:
        if first or "sent already" in exc.detail:
            log.warning("campaign %s was not sent: %s", campaign_id, exc.detail)
            return
        raise Retry(
            sender.LEASE.total_seconds() / 4,
            f"campaign {campaign_id}: the claim of a stopped sender has not lapsed yet",
        ) from None
    except KluisError as exc:
        log.warning("campaign %s was not sent: %s", campaign_id, exc.detail)
    except Exception:
        log.exception("campaign %s stopped; send it again to resume", campaign_id)
        raise


send_campaign = Job(SEND, _send)
