"""A test send to oneself: a campaign as a chosen person would get it (or with sample values)
sent to the signed-in staff member, by e-mail to their staff address, by SMS or WhatsApp to the
number on their profile.

A test is not a message of the campaign: no ``messages`` row, no decision, no status callback,
so results never count it and the person's page, timeline and access package never show it;
the staff member is not a person in the database. It is audited (``campaign.test_sent``) with
the campaign, the staff user and the person's id, and the person's names are read under the
working purpose and audited as any read (Art. 5(2)). An e-mail's subject and an SMS's first line
say ``[TEST]``; a WhatsApp message goes as the approved template it is (WhatsApp delivers a
business-initiated message only as a template, so nothing can be added to it), and its footer
links lead nowhere (``trial.preview_footer``) so a test cannot unsubscribe the person.

The staff number is sealed like the second factor's secret: AES-GCM under a key derived with
HKDF from the key-encryption key, the user id as associated data (DESIGN.md invariant 1 holds
for staff too)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from urllib.parse import urlsplit

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import select, update

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.channel_test_events import CampaignTestSent, StaffPhoneChanged
from kluis.auth.tables import User
from kluis.contacts.rules import normalise_phone
from kluis.errors import Conflict, InvalidField, NotFound
from kluis.messaging import campaigns, outgoing, render, service, texts, trial
from kluis.messaging.texting import (
    TemplateMessage,
    TextMessage,
    TextTransportFactory,
    transport_for,
)
from kluis.runtime import Kluis

MARK = "[TEST]"
SENDING = ("email", *texts.TEXT_CHANNELS)
NO_PHONE = (
    "you have no phone number for test messages; add yours on your profile "
    "(/app/profile/phone) first"
)


@dataclass(frozen=True)
class TestSent:
    campaign_id: int
    channel: str
    person_id: str | None
    language: str
    to: str
    """The staff member's own address or number, shown to them only, never stored."""


def _key(k: Kluis) -> AESGCM:
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"kluis/v1/staff-test-phone"
    ).derive(k.vault.key_encryption_key)
    return AESGCM(derived)


def _aad(user_id: int) -> bytes:
    return f"staff-test-phone:{user_id}".encode()


def _user_id(actor: Actor) -> int:
    if actor.user_id is None:
        raise InvalidField("a test goes to a staff user; this actor is none", field="user")
    return actor.user_id


def set_phone(k: Kluis, actor: Actor, number: str | None, now: datetime) -> str | None:
    """Set (or, with None or an empty text, remove) the number the actor's own test texts go
    to; returns it in E.164. Only one's own number: a test goes to oneself."""
    user_id = _user_id(actor)
    value = normalise_phone(number, k.settings.default_region) if number else None
    sealed = None
    if value is not None:
        nonce = secrets.token_bytes(12)
        sealed = nonce + _key(k).encrypt(nonce, value.encode(), _aad(user_id))
    with k.engine.begin() as conn:
        conn.execute(update(User).where(User.id == user_id).values(test_phone_sealed=sealed))
        audit.record(conn, actor.ref, now, [StaffPhoneChanged(user_id, value is None)])
    return value


def phone_of(k: Kluis, actor: Actor) -> str | None:
    """The actor's own number for test texts, or None."""
    user_id = _user_id(actor)
    with k.engine.connect() as conn:
        sealed = conn.execute(
            select(User.test_phone_sealed).where(User.id == user_id)
        ).scalar_one_or_none()
    if sealed is None:
        return None
    return _key(k).decrypt(sealed[:12], sealed[12:], _aad(user_id)).decode()


def _email_of(k: Kluis, user_id: int) -> str:
    with k.engine.connect() as conn:
        found = conn.execute(select(User.email).where(User.id == user_id)).scalar_one_or_none()
    if found is None:
        raise NotFound(f"there is no staff user {user_id}")
    return str(found)


def send_test(
    k: Kluis,
    actor: Actor,
    campaign_id: int,
    person_id: str | None,
    purpose_key: str | None,
    now: datetime,
    *,
    language: str = "nl",
    mail: service.TransportFactory | None = None,
    texting: TextTransportFactory | None = None,
) -> TestSent:
    """Send campaign ``campaign_id`` to the actor as ``person_id`` would get it, read under
    ``purpose_key`` (or with sample values in ``language`` when no person is named). Refused
    before anything is read when the channel sends nothing (phone, post) or has no provider
    or mail server, or the actor has no address or number."""
    campaigns.may_send(actor)
    user_id = _user_id(actor)
    view = campaigns.get_campaign(k, campaign_id)
    if view.channel not in SENDING:
        raise Conflict(
            f"a {view.channel} campaign is not sent, so it has no test send", field="channel"
        )
    if view.channel == "email":
        to = _email_of(k, user_id)
        transport = (mail or (lambda: service.smtp_transport(k)))()  # refuses without a server
    else:
        texts.configured(k, view.channel)
        found = phone_of(k, actor)
        if found is None:
            raise InvalidField(NO_PHONE, field="phone")
        to = found
    if person_id:
        if not purpose_key:
            raise InvalidField(
                "choose the purpose you work for: the person is read under it", field="purpose"
            )
        shown = trial.preview_for(k, actor, campaign_id, person_id, purpose_key, now)
    else:
        shown = trial.sample(k, actor, campaign_id, language)
        purpose_key = None
    if view.channel == "email":
        with transport:
            transport.send(_mail(k, shown, to, now))
    else:
        url, channel = texts.provider_url(k, view.channel), view.channel
        with (texting or (lambda: transport_for(url, channel)))() as text_transport:
            text_transport.send(_text(view, shown, to))
    with k.engine.begin() as conn:
        audit.record(
            conn,
            actor.ref,
            now,
            [CampaignTestSent(campaign_id, view.channel, user_id, shown.person_id, purpose_key)],
        )
    return TestSent(campaign_id, view.channel, shown.person_id, shown.language, to)


def _mail(k: Kluis, shown: trial.PersonPreview, to: str, now: datetime) -> EmailMessage:
    assert shown.subject is not None
    assert shown.html is not None
    subject = f"{MARK} {shown.subject}"
    rendered = render.Rendered(subject=subject, text=shown.text, html=shown.html)
    host = urlsplit(k.settings.base_url).hostname or "localhost"
    return outgoing.email_message(
        f"{k.settings.organisation_name} <{k.settings.mail_from_commercial}>",
        to,
        rendered,
        format_datetime(now),
        make_msgid(domain=host),
        {},
        shown.language,
    )


def _text(
    view: campaigns.CampaignView, shown: trial.PersonPreview, to: str
) -> TextMessage | TemplateMessage:
    if view.channel == "whatsapp" and view.template is not None:
        return TemplateMessage(
            to,
            str(view.template["name"]),
            shown.language,
            str(view.template["content"][shown.language]),
            shown.params,
            None,
        )
    return TextMessage(to, f"{MARK}\n{shown.text}")
