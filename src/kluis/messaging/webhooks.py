"""The providers' webhooks: replies to texts and delivery reports, each signature checked.

Configure at Twilio (docs/channels.md): the number's (or WhatsApp sender's) "a message comes
in" webhook ``POST {KLUIS_BASE_URL}/webhooks/twilio/sms/incoming`` (``.../whatsapp/incoming``);
status callbacks need no setting, each message names its own
(``/webhooks/twilio/{channel}/status/{message id}``).

Twilio signs each request (``X-Twilio-Signature``, ``text_rules.twilio_signature``) over the URL
it posted to. Behind a reverse proxy the URL Kluis sees is not that one, so the signature is
checked against the public URL: ``KLUIS_BASE_URL`` with the request's path and query. A request
without a valid signature is refused with 403 and recorded as ``webhook.refused`` without any of
its content (no number, no text); nothing else in it is looked at. The answer to an opt-out is
the confirmation as TwiML (Twilio sends it back to the sender), once.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated
from xml.sax.saxutils import escape

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from kluis.api import KluisDep, NowDep
from kluis.messaging import inbound, text_rules, texts
from kluis.messaging.texting import parse_provider_url
from kluis.runtime import Kluis

log = logging.getLogger(__name__)

router = APIRouter()

Channel = Annotated[str, Path(pattern="^(sms|whatsapp)$")]
TWIML = "application/xml"
EMPTY = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def _public_url(k: Kluis, request: Request) -> str:
    query = request.url.query
    return k.settings.base_url.rstrip("/") + request.url.path + (f"?{query}" if query else "")


async def _verified(
    k: Kluis, request: Request, channel: str, kind: str, now: datetime
) -> dict[str, str] | None:
    """The form of a correctly signed webhook; None (after recording the refusal) otherwise."""
    url = texts.provider_url(k, channel)
    form = await request.form()
    params = [(name, value) for name, value in form.multi_items() if isinstance(value, str)]
    token = parse_provider_url(url, channel).token if url else None
    signature = request.headers.get("X-Twilio-Signature")
    if token is None or not text_rules.twilio_valid(
        token, _public_url(k, request), params, signature
    ):
        log.warning("a %s %s webhook with an invalid signature was refused", channel, kind)
        await run_in_threadpool(inbound.refused, k, channel, kind, now)
        return None
    return dict(params)


def _refused() -> Response:
    return Response("invalid signature", status_code=403, media_type="text/plain")


@router.post("/webhooks/twilio/{channel}/incoming")
async def incoming(channel: Channel, request: Request, k: KluisDep, now: NowDep) -> Response:
    """A text came in: an opt-out word withdraws (``inbound.receive``); answered in TwiML."""
    form = await _verified(k, request, channel, "incoming", now)
    if form is None:
        return _refused()
    reply = await run_in_threadpool(
        inbound.receive, k, channel, form.get("From", ""), form.get("Body", ""), now
    )
    if reply.text is None:
        return Response(EMPTY, media_type=TWIML)
    return Response(
        '<?xml version="1.0" encoding="UTF-8"?>'
        f"<Response><Message>{escape(reply.text)}</Message></Response>",
        media_type=TWIML,
    )


@router.post("/webhooks/twilio/{channel}/status/{message_id}")
async def status(
    channel: Channel, message_id: int, request: Request, k: KluisDep, now: NowDep
) -> Response:
    """A delivery report of one message (``inbound.delivery_report``)."""
    form = await _verified(k, request, channel, "status", now)
    if form is None:
        return _refused()
    await run_in_threadpool(
        inbound.delivery_report,
        k,
        channel,
        message_id,
        form.get("MessageSid", ""),
        form.get("MessageStatus", ""),
        form.get("ErrorCode"),
        now,
    )
    return Response(status_code=204)
