"""What the job tests share: customers a campaign reaches, a campaign queued as the API queues
it, and who got how many mails."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person
from kluis.jobs import queue, store
from kluis.messaging import campaigns
from kluis.messaging import jobs as campaign_jobs
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

SPRING = {
    "name": "Spring",
    "topic": "offers",
    "subject_en": "Spring offer",
    "subject_nl": "Lenteaanbieding",
    "body_en": "Hello {{ given_name }},\n\nAll cheese half price.",
    "body_nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs.",
}


def customers(kluis: Kluis, count: int, start: int = 100) -> list[str]:
    """``count`` customers a campaign on offers reaches (the soft opt-in)."""
    return [add_marketed_person(kluis, ADMIN, NOW, n) for n in range(start, start + count)]


def queued_campaign(
    kluis: Kluis,
    smtp: MailServer,
    rate_per_minute: int,
    now: datetime = NOW,
    *,
    table: bool = False,
) -> int:
    """A campaign claimed and queued as ``POST /campaigns/{id}/send`` does on a server (on
    PostgreSQL procrastinate; ``table``: the embedded ``jobs`` table whatever the store)."""
    made = campaigns.create_campaign(
        kluis, MARKETING, SPRING | {"rate_per_minute": rate_per_minute}, now
    )
    _, claimed = campaigns.ready_to_send(kluis, MARKETING, made.id, lambda: transport_to(smtp), now)
    arguments = campaign_jobs.arguments(MARKETING, made.id, claimed)
    if table:
        store.enqueue(kluis.engine, campaign_jobs.SEND, arguments, now)
    else:
        queue.enqueue(kluis, campaign_jobs.SEND, arguments, now)
    return made.id


def transport_to(smtp: MailServer) -> SmtpTransport:
    return SmtpTransport(parse_smtp_url(smtp.url), sleep=lambda _s: None)


def recipients(smtp: MailServer) -> Counter[str]:
    return Counter(str(m["To"]) for m in smtp.received)


def message_ids(smtp: MailServer) -> dict[str, set[str]]:
    """The distinct Message-IDs each recipient received: exactly one each means everyone got
    the campaign once, a copy sent again after a crash being the same message (RFC 5322 3.6.4)."""
    found: dict[str, set[str]] = {}
    for m in smtp.received:
        found.setdefault(str(m["To"]), set()).add(str(m["Message-ID"]))
    return found
