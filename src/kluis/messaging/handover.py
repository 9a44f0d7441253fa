"""Handing a claimed page of a campaign to the mail server or text provider, and marking it.

Exactly one mail after a crash, as far as SMTP allows. An SMTP client cannot know whether a
message it handed over arrived until the server's reply to the end of DATA (RFC 5321 4.1.1.4);
a process killed between that reply and the write that marks the row ``sent`` leaves the row
``sending``. Such a row is sent again on resume, with the Message-ID it was given when first
claimed (``delivery.claim_page``): if the first copy did arrive, the second is the same
message (RFC 5322 3.6.4 makes the Message-ID the message's identity) and mail systems and
clients that collapse duplicates by Message-ID show it once; if it did not, the second copy is
the only one. Every recipient thus ends with exactly one distinct message, at most
``MARK_EVERY`` of them delivered twice by the transport after a hard crash. Before the resend the
person is decided again like everyone else: someone who withdrew in between gets nothing more.

A text (SMS, WhatsApp) has no such identity a handset would collapse on, so a text that may
have reached the provider stays ``interrupted`` and is never sent again: at most one text.

Building overlaps sending. An e-mail is built (rendered, signed links, bytes) in a helper
thread a few messages ahead of the one on the wire: the sender spends most of a message
waiting for the server's replies, with the interpreter lock released, and the next message is
built in that wait rather than after it. A text is one short template, cheaper to build than
to hand to another thread, and is built in the sending thread. The wire, the pacing
(``sleep``), the outcomes and every write stay in the calling thread, in the order of the page.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import datetime
from typing import Any

from kluis.messaging import repository
from kluis.messaging.delivery import Page, Plan, build
from kluis.messaging.transport import SendFailed
from kluis.runtime import Kluis

MARK_EVERY = 25
"""Messages handed over between two writes: the most a hard crash can leave unconfirmed (sent
again with their Message-ID for e-mail, ``interrupted`` for a text)."""

AHEAD = 4
"""Messages built ahead of the one being sent: enough to keep the wire busy, few enough that
the builder never holds the interpreter for long while the sender waits to read a reply."""

Built = tuple[datetime, Any]


def _built(plan: Plan, ready: Any, at: datetime) -> Built:
    return at, build(plan, ready, at)


def _inline(plan: Plan, ready: Any, at: datetime) -> Future[Built]:
    """A text built in the sending thread: one short template, cheaper than a hand-off."""
    done: Future[Built] = Future()
    done.set_result(_built(plan, ready, at))
    return done


def send_page(
    k: Kluis,
    plan: Plan,
    page: Page,
    smtp: Any,
    now: Callable[[], datetime],
    done: Callable[[], None],
    sleep: Callable[[float], None],
) -> None:
    """Send the page's ready messages in order, ``sleep`` after each to keep the rate, and
    mark them: sent, failed, or (when an exception stops the page) back in the queue if the
    server never saw them.

    The page is sent in chunks of ``MARK_EVERY``: before a chunk's first message goes, one
    transaction writes the previous chunk's outcomes and marks this chunk as being handed over
    (``sent_at`` set while still ``sending``). After a hard crash (kill -9) the resume
    (``repository.interrupt``) therefore knows which rows may have reached the server (at
    most one chunk) and gives the rest of the page back to the queue. ``done`` is called once
    per row of the page once the page is marked, so progress shown from it agrees with the
    messages' rows."""
    interval = 60.0 / plan.rate_per_minute
    sent: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    untouched = dict(page.ready)
    order = [row_id for row_id in page.rows if row_id in untouched]
    builder = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kluis-build")

    def ahead_of(ready: Any, at: datetime) -> Future[Built]:
        if plan.text is None:
            return builder.submit(_built, plan, ready, at)
        return _inline(plan, ready, at)

    try:
        for start in range(0, len(order), MARK_EVERY):
            chunk = order[start : start + MARK_EVERY]
            _mark(k, sent, failed, chunk, now())
            ahead: deque[Future[Built]] = deque()
            waiting = iter(chunk)
            for row_id in chunk:
                while len(ahead) < AHEAD and (next_id := next(waiting, None)) is not None:
                    ahead.append(ahead_of(untouched[next_id], now()))
                at, message = ahead.popleft().result()
                untouched.pop(row_id)  # handed to the server from here
                try:
                    provider_id = smtp.send(message)
                except SendFailed as exc:
                    code = str(exc.code) if exc.code is not None else None
                    failed.append(
                        {"row_id": row_id, "status": "failed", "error": exc.detail}
                        | {"error_code": code}
                    )
                else:
                    done_row = {"row_id": row_id, "status": "sent", "sent_at": at}
                    if plan.text is not None:  # the provider's id, what status callbacks name
                        done_row["message_id"] = str(provider_id or "")[:200] or None
                    sent.append(done_row)
                sleep(interval)
    finally:
        builder.shutdown(wait=True, cancel_futures=True)
        _mark(k, sent, failed)
        with k.engine.begin() as conn:
            repository.requeue(conn, list(untouched))
    for _row in page.rows:
        done()


def _mark(
    k: Kluis,
    sent: list[dict[str, Any]],
    failed: list[dict[str, Any]],
    handing: list[int] | None = None,
    at: datetime | None = None,
) -> None:
    """Write the outcomes gathered so far and forget them; mark the ``handing`` rows as being
    handed over from ``at``: one transaction between two chunks."""
    if sent or failed or handing:
        with k.engine.begin() as conn:
            repository.set_many(conn, sent)
            repository.set_many(conn, [row | {"sent_at": None} for row in failed])
            if handing and at is not None:
                repository.handing_over(conn, handing, at)
    sent.clear()
    failed.clear()
