"""The public privacy-request portal: a person asks on ``/privacy``, proves that the address is
theirs by opening a signed link sent to it, and only then is a request recorded (Art. 12(6)).

Nothing is disclosed to whoever fills in the form. A known address gets the link at the address
on file (``privacy_verify``); an unknown one gets, at the typed address, the answer that nothing
is held under it (``privacy_unknown``, the Art. 15(1) answer, read only by the mailbox's owner).
The page says the same in both cases, and both are decided after the page has gone out, so
neither its content nor its timing tells the visitor which it was.

The link names the person by opaque id and carries ``TYPE:NONCE`` as its ref: the request type
and a random nonce, never personal data. The nonce becomes the request's ``portal_ref``, so a
second click on the same link finds the request the first one made. Links are stamped with the
passed-in ``now`` and last ``KLUIS_PRIVACY_LINK_HOURS``.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from kluis.actors import PERSON
from kluis.consent.rules import MessageKind
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contact_rules
from kluis.errors import InvalidField, NotFound, PersonErased
from kluis.messaging import service as messaging
from kluis.messaging import tokens
from kluis.public import i18n, preferences
from kluis.requests import service as requests
from kluis.requests.rules import RequestType
from kluis.requests.views import RequestView
from kluis.runtime import Kluis

"""The person acting for themselves. Their own address is read under the privacy-requests
purpose, which only the roles holding every purpose hold; the audit log names them ``person``."""

ORDER = (
    RequestType.ACCESS,
    RequestType.PORTABILITY,
    RequestType.RECTIFICATION,
    RequestType.RESTRICTION,
    RequestType.OBJECTION,
    RequestType.ERASURE,
)
"""The request types in the order the form offers them."""

USE = "privacy"
NONCE_BYTES = 16


def check(email: str, kind: str) -> tuple[str, RequestType] | dict[str, str]:
    """The normalised address and the request type, or the problems per field (``email``,
    ``type``) as message keys of ``i18n``. A message never repeats what was typed."""
    errors: dict[str, str] = {}
    address = ""
    if not email.strip():
        errors["email"] = "error_email_missing"
    else:
        try:
            address = contact_rules.normalise_email(email)
        except InvalidField:
            errors["email"] = "error_email_invalid"
    if kind not in {t.value for t in RequestType}:
        errors["type"] = "error_request_type_missing"
    if errors:
        return errors
    return address, RequestType(kind)


def _holder(k: Kluis, email: str) -> str | None:
    digest = k.vault.blind_index("email", contact_rules.email_index_term(email))
    with k.engine.connect() as conn:
        return contacts_repo.owners_of(conn, "email", [digest]).get(digest)


def confirm_link(
    k: Kluis,
    person_id: str,
    kind: RequestType,
    language: str,
    now: datetime,
    message_id: str | None = None,
) -> str:
    """The link that confirms a request; ``?lang=`` keeps a page about an expired link in the
    person's language, when the link no longer says who they are. Its nonce (the request's
    ``portal_ref``) is drawn from the mail's Message-ID when given, so the copies of one mail
    sent again after a crash create one request whichever is clicked."""
    nonce = (
        secrets.token_hex(NONCE_BYTES)
        if message_id is None
        else hashlib.sha256(message_id.encode()).hexdigest()[: NONCE_BYTES * 2]
    )
    ref = f"{kind.value}:{nonce}"
    token = tokens.sign(k.vault.signing_key, tokens.LinkToken(USE, person_id, ref=ref), now)
    return messaging.link(k, f"/privacy/confirm/{token}?lang={language}")


def start(
    k: Kluis,
    email: str,
    kind: RequestType,
    page_language: str,
    now: datetime,
    transport: messaging.TransportFactory,
    *,
    message_id: str | None = None,
) -> bool:
    """Send the verification link to the address on file, or the "nothing held" answer to
    ``email``; True when the address was known. Raises what sending raised (``SendFailed``):
    the caller must not tell the visitor either way. ``message_id``: the one the job stored
    before its first attempt (``privacy_mail``), so every attempt sends the same message.

    The link goes through ``send_answer``: it is an answer to the person's own request, decided
    by ``may_answer`` and stored as a message of theirs. The unknown address has no person to
    store it for, so it is composed and sent directly, like a sign-up's confirmation."""
    person_id = _holder(k, email)
    hours = k.settings.privacy_link_hours
    if person_id is not None:
        language = preferences.language_of(k, person_id) or page_language
        messaging.send_answer(
            k,
            PERSON,
            person_id,
            "privacy_verify",
            {
                "request_label": i18n.request_label(kind.value, language),
                "confirm_url": confirm_link(k, person_id, kind, language, now, message_id),
                "hours": hours,
            },
            now,
            transport=transport,
            message_id=message_id,
        )
        return True
    recipient = contacts.Recipient("", page_language, email, None, None)
    content = messaging.Content(
        template="privacy_unknown",
        params={"request_label": i18n.request_label(kind.value, page_language)},
    )
    message, _language = messaging.compose(
        k, recipient, MessageKind.TRANSACTIONAL, "", "", content, now, message_id
    )
    with transport() as smtp:
        smtp.send(message)
    return False


@dataclass(frozen=True)
class Link:
    """What a verification link asks for."""

    person_id: str
    type: RequestType
    nonce: str


def read_link(k: Kluis, token: str, now: datetime) -> Link:
    """The request a link asks for; TokenInvalid when expired, altered or not a portal link."""
    link = tokens.verify(k.vault.signing_key, USE, token, k.settings.privacy_link_hours * 3600, now)
    kind, _, nonce = (link.ref or "").partition(":")
    if not link.person_id or not nonce or kind not in {t.value for t in RequestType}:
        raise tokens.TokenInvalid("this link is not a privacy-request link", reason="tampered")
    return Link(link.person_id, RequestType(kind), nonce)


def confirm(k: Kluis, link: Link, now: datetime) -> RequestView:
    """Record the request, verified by the e-mail link, once per link. TokenInvalid (``gone``)
    when the person is no longer there."""

    def create() -> RequestView:
        return requests.create(
            k,
            PERSON,
            link.type.value,
            now,
            person_id=link.person_id,
            verified_by="email_link",
            channel="portal",
            portal_ref=link.nonce,
        )

    try:
        try:
            return create()
        except IntegrityError:
            # Two presses at once: the other one's insert won (``portal_ref`` is unique), so
            # the second look finds its request.
            return create()
    except (NotFound, PersonErased):
        raise tokens.TokenInvalid("this address is no longer on file", reason="gone") from None
