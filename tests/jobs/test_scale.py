"""The scale test of issue 16, bounded for the suite: on PostgreSQL, two ``kluis serve`` and two
``kluis worker`` processes; API clients create and read people through both servers while a
campaign sends to the SMTP server in this process; the worker sending is killed with kill -9
halfway and started again. Every recipient gets exactly one mail (one distinct Message-ID; a
message cut off mid-hand-over by the kill goes again as the same message), no request fails
with a 5xx, and the audit chain verifies. Meanwhile one client posts the privacy-request form
to both servers in turn, past the public forms' limit: exactly ``PER_CLIENT`` posts pass across
the two processes and the rest are asked to wait (429). "Halfway" is a state: the mail server
holds the campaign's message after the first half until the sending worker is dead, so the kill
lands mid-campaign however fast or slow the machine. ``KLUIS_SCALE_RECIPIENTS`` (default 200) and
``KLUIS_SCALE_CLIENTS`` (default 8) raise it to the issue's 20,000 and 50.
"""

from __future__ import annotations

import os
import signal
import threading
from collections import Counter
from pathlib import Path

import httpx

from api_helpers import token_for
from conftest import NOW
from job_helpers import customers, message_ids, queued_campaign, recipients
from kluis.audit import service as audit
from kluis.db import utcnow
from kluis.messaging import campaigns
from kluis.messaging.handover import MARK_EVERY
from kluis.runtime import Kluis
from kluis.settings import Settings
from kluis.ui.limits import PER_CLIENT
from mailserver import MailServer
from process_helpers import (
    Process,
    lapse_the_campaign_claim,
    lapse_the_dead_workers_heartbeat,
    postgres_only,
    serve,
    wait,
    worker,
)

RECIPIENTS = int(os.environ.get("KLUIS_SCALE_RECIPIENTS", "200"))
CLIENTS = int(os.environ.get("KLUIS_SCALE_CLIENTS", "8"))


def _client_loop(url: str, bearer: str, n: int, stop: threading.Event, statuses: list[int]) -> None:
    with httpx.Client(
        base_url=url, headers={"Authorization": f"Bearer {bearer}"}, timeout=60
    ) as api:
        made = 0
        while not stop.is_set():
            made += 1
            created = api.post(
                "/api/v1/contacts",
                json={
                    "relationship": "customer",
                    "purposes": ["customer_service"],
                    "given_name": "Wiebe",
                    "family_name": "Scholte",
                    "email": f"client{n}.person{made}@example.com",
                },
            )
            statuses.append(created.status_code)
            if created.status_code == 201:
                read = api.get(
                    f"/api/v1/contacts/{created.json()['id']}",
                    params={"purpose": "customer_service"},
                )
                statuses.append(read.status_code)


FORM_DOMAIN = "example.org"
"""The privacy form's addresses, told apart from the campaign's (example.com) in the mailbox."""


def recipients_of_the_campaign(smtp: MailServer) -> Counter[str]:
    return Counter({to: n for to, n in recipients(smtp).items() if not to.endswith(FORM_DOMAIN)})


def _form_posts(urls: list[str], statuses: list[int]) -> None:
    for n in range(PER_CLIENT + 5):
        page = httpx.post(
            f"{urls[n % 2]}/privacy?lang=en",
            data={"email": f"asker{n}@{FORM_DOMAIN}", "type": "access"},
            timeout=60,
        )
        statuses.append(page.status_code)


def test_two_servers_two_workers_clients_and_a_campaign_with_a_worker_killed(
    kluis_env: Settings,
    kluis: Kluis,
    backend: str,
    empty_queue: None,
    smtp: MailServer,
    tmp_path: Path,
    processes: list[Process],
) -> None:
    postgres_only(backend)
    customers(kluis, RECIPIENTS, start=1000)
    urls = [serve(smtp, tmp_path / f"s{n}", processes)[1] for n in range(2)]
    workers = [worker(smtp, tmp_path / f"worker-{n}.log", processes) for n in range(2)]
    bearer = token_for(kluis, "admin", now=utcnow())
    stop = threading.Event()
    statuses: list[int] = []
    clients = [
        threading.Thread(target=_client_loop, args=(urls[n % 2], bearer, n, stop, statuses))
        for n in range(CLIENTS)
    ]
    form_statuses: list[int] = []
    clients.append(threading.Thread(target=_form_posts, args=(urls, form_statuses)))
    for client in clients:
        client.start()
    try:
        held = smtp.hold(RECIPIENTS // 2, to="example.com")
        campaign = queued_campaign(kluis, smtp, 100_000, utcnow())
        wait("half the campaign", held.holding.is_set, 600)
        [sending] = [w for w in workers if w.wrote("Starting job campaigns.send")]
        sending.signal(signal.SIGKILL, lambda: held.release(accept=False))
        assert len(recipients_of_the_campaign(smtp)) == RECIPIENTS // 2
        lapse_the_dead_workers_heartbeat(kluis)
        lapse_the_campaign_claim(kluis, campaign)
        worker(smtp, tmp_path / "worker-restarted.log", processes)
        wait(
            "the campaign to finish",
            lambda: campaigns.get_campaign(kluis, campaign).status == "sent",
            900,
        )
    finally:
        stop.set()
        for client in clients:
            client.join()
    view = campaigns.get_campaign(kluis, campaign)
    got = recipients_of_the_campaign(smtp)
    ids = {to: one for to, one in message_ids(smtp).items() if not to.endswith(FORM_DOMAIN)}
    assert view.counts == {"sent": RECIPIENTS}
    # everyone got exactly one message: one distinct Message-ID each; the kill -9 can make the
    # transport carry at most MARK_EVERY of them twice, as the same message (RFC 5322 3.6.4)
    assert len(ids) == RECIPIENTS
    assert all(len(one) == 1 for one in ids.values()), "someone got two different mails"
    assert got.total() - RECIPIENTS <= MARK_EVERY
    assert statuses, "the clients made no requests"
    assert not [s for s in statuses if s >= 500]
    assert sorted(form_statuses) == [200] * PER_CLIENT + [429] * 5
    assert audit.verify(kluis.engine).ok
    assert utcnow() > NOW
