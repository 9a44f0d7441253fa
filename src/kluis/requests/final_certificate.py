"""The final erasure certificate (Art. 17, 19): after an erasure whose connected systems were
told, the request waits for them (its final mail is ``waiting``); once every notice is
confirmed, ticked or given up (``failed``), or the request's deadline (Art. 12(3)) is less than
``KLUIS_REQUEST_FINAL_DAYS`` away, the certificate is completed with each system's state and
when it confirmed, and the mail is queued to the address captured before the erasure.

The periodic job ``requests.final_certificates`` checks as often as the notices go
(``KLUIS_CONNECTED_DELIVER_HOURS``); nothing in the connected slice (a floor below) needs to
know of requests.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from kluis.connected import tracking
from kluis.messaging import service as messaging
from kluis.requests import mails, repository
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

SETTLED = ("confirmed", "failed")
"""Notice states after which a system's answer is final for the certificate (``failed``: gave
up after its retries; a ticked manual step is ``confirmed``)."""


def due(systems: list[dict[str, Any]], deadline: datetime, now: datetime, days: int) -> bool:
    """Whether the final certificate goes now: every system settled, or the deadline near."""
    settled = all(s["state"] in SETTLED for s in systems)
    return settled or deadline - now <= timedelta(days=days)


def complete_waiting(
    k: Kluis, now: datetime, transport: messaging.TransportFactory | None = None
) -> int:
    """Complete and queue the final certificates that are due; how many."""
    with k.engine.connect() as conn:
        waiting = repository.mails_in(conn, ("waiting",))
        rows = {m.id: repository.fetch(conn, m.request_id) for m in waiting}
    done = 0
    for mail in waiting:
        row = rows[mail.id]
        systems = tracking.certificate(k, row.person_id)
        deadline = row.extended_to or row.due_at
        if not due(systems, deadline, now, k.settings.request_final_days):
            continue
        params = dict(mail.params)
        params["certificate"] = {
            **params["certificate"],
            "connected_systems": systems,
            "completed_at": now.isoformat(),
        }
        with k.engine.begin() as conn:
            repository.change_mail(conn, mail.id, state="queued", params=params, updated_at=now)
        mails.dispatch(k, mail.id, now, transport)
        done += 1
    return done
