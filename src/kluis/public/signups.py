"""Signing up with double opt-in: a pending sign-up, a confirmation e-mail with a signed link, and
the person and their grants only once the link is confirmed.

Until then nothing is granted and no person exists (Art. 7(1): the controller must be able to
show that the owner of the address asked). The sign-up's address and names are sealed with
AES-256-GCM under a key derived (HKDF-SHA256) from the link-signing key for this one sign-up, its
id being both the HKDF ``info`` and the associated data; the row is deleted on confirmation or
when it expires, and with it everything the sign-up said.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, insert, select

from kluis.actors import PERSON
from kluis.consent import catalogue
from kluis.consent import grant_rules as consent_rules
from kluis.consent import ledger as consent
from kluis.consent.rules import MessageKind
from kluis.contacts import collect
from kluis.contacts import people as contacts
from kluis.contacts import repository as contacts_repo
from kluis.contacts import rules as contact_rules
from kluis.contacts.fields import BY_NAME
from kluis.errors import Conflict, InvalidField
from kluis.messaging import service as messaging
from kluis.messaging import tokens
from kluis.public.tables import Signup
from kluis.runtime import Kluis

"""The person signing themselves up: collects their own data for the marketing purpose."""

CHANNEL = "email"
"""The sign-up form asks for e-mail only: the address is what it collects and confirms."""
NONCE_BYTES = 12
TEMPLATE = "confirm_signup"

Send = Callable[[EmailMessage], None]


@dataclass(frozen=True)
class SignupForm:
    """What the sign-up form sent, as typed."""

    email: str
    given_name: str
    family_name: str
    language: str
    topics: Sequence[str]
    notices: Mapping[str, int | None]
    """Per topic, the notice its box showed (as posted)."""


@dataclass(frozen=True)
class Checked:
    """A valid sign-up, normalised."""

    email: str
    given_name: str | None
    family_name: str | None
    language: str
    topics: tuple[str, ...]
    notices: dict[str, int]
    """Per chosen topic, the notice its box showed: the wording its grant will cite."""


@dataclass(frozen=True)
class Pending:
    id: str
    language: str
    topics: tuple[str, ...]
    notices: dict[str, int]
    created_at: datetime
    expires_at: datetime


def check(
    k: Kluis, form: SignupForm, page_language: str, now: datetime
) -> Checked | dict[str, str]:
    """The normalised sign-up, or the problems per field (``email``, ``given_name``,
    ``family_name``, ``language``, ``topics``, ``notice``) as message keys of ``i18n``. The
    notice of each chosen topic's box must be one in the language of the page the form was shown
    on that asks for e-mail about that topic (Art. 4(11), 7(1))."""
    errors: dict[str, str] = {}
    ctx = contact_rules.NormaliseContext(region=k.settings.default_region, today=now.date())
    email = ""
    if not form.email.strip():
        errors["email"] = "error_email_missing"
    else:
        try:
            email = contact_rules.normalise(BY_NAME["email"], form.email, ctx)
        except InvalidField:
            errors["email"] = "error_email_invalid"
    names: dict[str, str | None] = {}
    for name, value in (("given_name", form.given_name), ("family_name", form.family_name)):
        names[name] = None
        if value.strip():
            try:
                names[name] = contact_rules.normalise(BY_NAME[name], value, ctx)
            except InvalidField:
                errors[name] = "error_name_invalid"
    if form.language not in contact_rules.LANGUAGES:
        errors["language"] = "error_language_invalid"
    known = {t.key for t in catalogue.list_topics(k)}
    chosen = tuple(dict.fromkeys(t for t in form.topics if t in known))
    if not chosen:
        errors["topics"] = "error_topics_missing"
    scopes = {n.id: n.scope for n in catalogue.list_notices(k)}
    notices: dict[str, int] = {}
    for topic in chosen:
        notice_id = form.notices.get(topic)
        scope = scopes.get(notice_id) if notice_id is not None else None
        if scope is None or not consent_rules.covers(scope, CHANNEL, topic, page_language):
            errors["notice"] = "error_notice_changed"
        else:
            notices[topic] = scope.id
    if errors:
        return errors
    return Checked(
        email,
        names["given_name"],
        names["family_name"],
        form.language,
        chosen,
        notices,
    )


def boxes(k: Kluis, language: str) -> list[tuple[catalogue.TopicView, catalogue.NoticeView]]:
    """The boxes the sign-up page offers in ``language``: each topic with the newest notice
    asking for e-mail about it in that language, the wording shown next to its box. A topic
    without one is not offered: a tick there would record consent to no wording."""
    notices = catalogue.list_notices(k)
    by_id = {n.id: n for n in notices}
    found = []
    for topic in catalogue.list_topics(k):
        scope = consent_rules.notice_for((n.scope for n in notices), CHANNEL, topic.key, language)
        if scope is not None:
            found.append((topic, by_id[scope.id]))
    return found


def _aead(k: Kluis, signup_id: str) -> AESGCM:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=b"kluis/v1/signup/" + signup_id.encode(),
    ).derive(k.vault.signing_key)
    return AESGCM(key)


def _seal(k: Kluis, signup_id: str, values: Mapping[str, str | None]) -> bytes:
    nonce = os.urandom(NONCE_BYTES)
    plain = json.dumps(dict(values), sort_keys=True).encode()
    return nonce + _aead(k, signup_id).encrypt(nonce, plain, signup_id.encode())


def _open(k: Kluis, signup_id: str, blob: bytes) -> dict[str, str | None]:
    nonce, body = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    try:
        plain = _aead(k, signup_id).decrypt(nonce, body, signup_id.encode())
    except InvalidTag:
        raise tokens.TokenInvalid(
            "this sign-up cannot be read any more; please sign up again", reason="used"
        ) from None
    values: dict[str, str | None] = json.loads(plain)
    return values


def _digest(k: Kluis, email: str) -> bytes:
    return k.vault.blind_index("email", contact_rules.email_index_term(email))


def confirm_link(k: Kluis, signup_id: str, language: str) -> str:
    token = tokens.sign(k.vault.signing_key, tokens.LinkToken("confirm", "", ref=signup_id))
    return messaging.link(k, f"/confirm/{token}?lang={language}")


def start(
    k: Kluis,
    signup: Checked,
    now: datetime,
    send: Send,
    *,
    source_ip: str | None,
    user_agent: str | None,
) -> str:
    """Keep the sign-up pending and send the confirmation e-mail; returns the sign-up id.

    The same happens whether or not the address is already known, so the page and the mail
    tell nobody else whether it is. When the mail cannot be sent the sign-up is dropped and the
    failure raised (``SendFailed`` or ``MailNotConfigured``)."""
    purge_signups(k, now)
    signup_id = str(uuid.uuid4())
    sealed = _seal(
        k,
        signup_id,
        {
            "email": signup.email,
            "given_name": signup.given_name,
            "family_name": signup.family_name,
            "source_ip": source_ip,
            "user_agent": user_agent,
        },
    )
    with k.engine.begin() as conn:
        conn.execute(
            insert(Signup).values(
                id=signup_id,
                email_digest=_digest(k, signup.email),
                sealed=sealed,
                language=signup.language,
                topics=list(signup.topics),
                notices=dict(signup.notices),
                created_at=now,
                expires_at=now + timedelta(hours=k.settings.signup_ttl_hours),
            )
        )
    recipient = contacts.Recipient(
        "", signup.language, signup.email, signup.given_name, signup.family_name
    )
    content = messaging.Content(
        template=TEMPLATE,
        params={
            "confirm_url": confirm_link(k, signup_id, signup.language),
            "hours": k.settings.signup_ttl_hours,
        },
    )
    message, _language = messaging.compose(
        k, recipient, MessageKind.TRANSACTIONAL, "", "", content, now
    )
    try:
        send(message)
    except Exception:
        with k.engine.begin() as conn:
            conn.execute(delete(Signup).where(Signup.id == signup_id))
        raise
    return signup_id


def read_token(k: Kluis, token_text: str) -> str:
    """The sign-up id a confirmation link names; TokenInvalid when expired or altered."""
    token = tokens.verify(
        k.vault.signing_key, "confirm", token_text, k.settings.signup_ttl_hours * 3600
    )
    if not token.ref:
        raise tokens.TokenInvalid("this link is not a confirmation link", reason="tampered")
    return token.ref


def pending(k: Kluis, signup_id: str, now: datetime) -> Pending:
    """The pending sign-up (without its sealed details); TokenInvalid when it was confirmed
    already or has expired."""
    with k.engine.connect() as conn:
        row = conn.execute(select(Signup).where(Signup.id == signup_id)).first()
    if row is None:
        raise tokens.TokenInvalid("this sign-up was confirmed already or expired", reason="used")
    if row.expires_at <= now:
        raise tokens.TokenInvalid("this sign-up has expired", reason="expired")
    return Pending(
        row.id,
        row.language,
        tuple(row.topics),
        {str(t): int(n) for t, n in row.notices.items()},
        row.created_at,
        row.expires_at,
    )


@dataclass(frozen=True)
class Confirmed:
    person_id: str
    language: str


def confirm(k: Kluis, signup_id: str, now: datetime) -> Confirmed:
    """Confirm the sign-up once: the person (new, or the one already holding the address) and a
    ``double_opt_in`` grant per chosen topic, citing the notice that topic's box showed and the
    sign-up's IP address and user agent. An expired sign-up is deleted and refused.

    The row is claimed by deleting it first, so two clicks racing cannot both confirm."""
    with k.engine.begin() as conn:
        row = conn.execute(select(Signup).where(Signup.id == signup_id)).first()
        claimed = (
            row is not None
            and conn.execute(delete(Signup).where(Signup.id == signup_id)).rowcount == 1
        )
    if row is None or not claimed:
        raise tokens.TokenInvalid("this sign-up was confirmed already or expired", reason="used")
    if row.expires_at <= now:
        raise tokens.TokenInvalid("this sign-up has expired", reason="expired")
    details = _open(k, signup_id, row.sealed)
    email = details["email"]
    assert email is not None
    person_id = _holder(k, row.email_digest)
    if person_id is None:
        fields = {
            name: details.get(name)
            for name in ("email", "given_name", "family_name")
            if details.get(name)
        }
        item = contacts.NewPerson(
            relationship="prospect",
            purposes=[k.settings.marketing_purpose],
            fields=fields,
            language=row.language,
        )
        try:
            # The person asks themselves, with a double opt-in: their own new consent (Art. 7)
            # overrides the suppression list, and takes their address off it.
            person_id = collect.create_person(
                k, PERSON, item, now, source="signup", allow_suppressed=True
            )
        except Conflict:
            person_id = _holder(k, row.email_digest)
            if person_id is None:
                raise
    for topic in row.topics:
        grant = consent.Grant(
            method="double_opt_in",
            notice_id=int(row.notices[topic]),
            source_ip=details.get("source_ip"),
            user_agent=details.get("user_agent"),
        )
        consent.record(
            k, PERSON, person_id, CHANNEL, topic, "granted", now, grant, captured_by="person"
        )
    return Confirmed(person_id, row.language)


def _holder(k: Kluis, digest: bytes) -> str | None:
    with k.engine.connect() as conn:
        return contacts_repo.owners_of(conn, "email", [digest]).get(digest)


def purge_signups(k: Kluis, now: datetime) -> int:
    """Delete the sign-ups not confirmed in time (``KLUIS_SIGNUP_TTL_HOURS``); they granted
    nothing. Returns how many were deleted."""
    with k.engine.begin() as conn:
        return int(conn.execute(delete(Signup).where(Signup.expires_at <= now)).rowcount)
