"""A campaign's messages, a page at a time: decided again when their turn comes, read, claimed
and audited in one transaction; ``handover`` then builds, sends and marks them.

Each person is decided again just before their message goes (a person may have unsubscribed
or objected since the campaign was queued, Art. 7(3), 21(3)); ``campaigns`` keeps a page to
about one second of sending at the campaign's rate, so nobody is decided longer ago than that.
For the page, one transaction renews the sender's claim on the campaign, claims the still
queued rows (``queued`` to ``sending``), decides them with ``may_contact``
(``consent.page_decisions``), reads the addresses of those allowed under the purpose their
decision names, stores each decision on its row and records every decision and read in one
audit write (DESIGN.md invariants 3, 4). Only then is the mail server spoken to.

An e-mail's Message-ID is fixed, and stored on its row, the first time the row is claimed to
go, before anything is handed over; a row given back to the queue keeps it. So a message a
crash may have cut off mid-hand-over is sent again on resume as the same message (RFC 5322
3.6.4), which the recipient's mail system shows once (``handover``, docs/operations.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from urllib.parse import urlsplit

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import DecisionMade
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import PersonRead
from kluis.consent import page_decisions
from kluis.consent.rules import Decision, MessageKind
from kluis.contacts import people as contacts
from kluis.errors import InvalidField
from kluis.locale.catalogues import messages
from kluis.messaging import outgoing, render, repository, rules, sender, texts, tokens
from kluis.messaging.texting import TemplateMessage, TextMessage
from kluis.runtime import Kluis

READ = ("email", "given_name", "family_name")
"""What an e-mail campaign reads of a person (``contacts.Recipient``)."""

READS = {
    "email": READ,
    "sms": ("phone", "given_name", "family_name"),
    "whatsapp": ("phone", "given_name", "family_name"),
}
"""What a campaign on each channel reads: the address it goes to and the names it may use."""

NO_ADDRESS = {"email": rules.NO_ADDRESS, "sms": texts.NO_NUMBER, "whatsapp": texts.NO_NUMBER}

HIDDEN = {"restricted": "restricted", "purpose": "not_collected", "missing": "erased"}
"""Why a person allowed by the decision could not be read, as the refusal's reason."""


@dataclass(frozen=True)
class Plan:
    """What every message of one campaign shares, prepared once before the first page: the
    texts compiled per language, the fixed headers encoded, the footer's words."""

    actor: Actor
    campaign_id: int
    channel: str
    topic: str
    rate_per_minute: int
    languages: tuple[str, ...]
    written: Mapping[str, render.Written]
    skeletons: Mapping[str, outgoing.Skeleton]
    words: Mapping[str, Mapping[str, str]]
    topic_names: Mapping[str, str]
    from_header: str
    host: str
    base_url: str
    organisation: str
    mailto: str | None
    list_id: str
    signing_key: bytes
    text: texts.TextPlan | None = None
    """A text campaign's plan (SMS, WhatsApp); None for e-mail."""


def prepare(
    k: Kluis,
    actor: Actor,
    view: Any,
    topic_names: Mapping[str, str],
) -> Plan:
    """The plan of ``view`` (a ``campaigns.CampaignView``)."""
    if view.channel in texts.TEXT_CHANNELS:
        return _text_plan(k, actor, view, topic_names)
    languages = tuple(
        lang for lang in rules.LANGUAGES if view.subject.get(lang) and view.body.get(lang)
    )
    if not languages:
        raise InvalidField("give the subject and body in nl or en", field="subject")
    s = k.settings
    host = urlsplit(s.base_url).hostname or "localhost"
    from_header = f"{s.organisation_name} <{s.mail_from_commercial}>"
    list_id = rules.list_id(view.topic, host)
    return Plan(
        actor=actor,
        campaign_id=view.id,
        channel=view.channel,
        topic=view.topic,
        rate_per_minute=view.rate_per_minute,
        languages=languages,
        written={
            lang: render.compile_strings(view.subject[lang], view.body[lang], lang)
            for lang in languages
        },
        skeletons={
            lang: outgoing.skeleton(from_header, s.mail_from_commercial, list_id, lang)
            for lang in languages
        },
        words={lang: messages("common", lang) for lang in languages},
        topic_names=dict(topic_names),
        from_header=from_header,
        host=host,
        base_url=s.base_url.rstrip("/"),
        organisation=s.organisation_name,
        mailto=s.unsubscribe_mailto,
        list_id=list_id,
        signing_key=k.vault.signing_key,
    )


def _text_plan(k: Kluis, actor: Actor, view: Any, topic_names: Mapping[str, str]) -> Plan:
    text = texts.prepare(k, view)
    s = k.settings
    return Plan(
        actor=actor,
        campaign_id=view.id,
        channel=view.channel,
        topic=view.topic,
        rate_per_minute=view.rate_per_minute,
        languages=text.languages,
        written={},
        skeletons={},
        words={},
        topic_names=dict(topic_names),
        from_header="",
        host="",
        base_url=s.base_url.rstrip("/"),
        organisation=s.organisation_name,
        mailto=None,
        list_id="",
        signing_key=b"",
        text=text,
    )


@dataclass(frozen=True)
class Ready:
    """A claimed message allowed to go: its row, the person and what the message needs."""

    row_id: int
    recipient: contacts.Recipient
    language: str
    message_id: str
    address: str = ""
    """Where the message goes: the e-mail address, or the phone number of a text."""


@dataclass
class Page:
    """A claimed page: its rows in order (for progress) and those to send."""

    rows: list[int]
    ready: dict[int, Ready] = field(default_factory=dict)


def _decided(row_id: int, decision: Decision, **values: Any) -> dict[str, Any]:
    return {
        "row_id": row_id,
        "status": "refused",
        "allowed": decision.allowed,
        "basis": decision.basis.value,
        "reason": decision.reason.value,
        "evidence_event_id": decision.evidence_event_id,
        "language": "-",
        "message_id": None,
        "error": None,
    } | values


def claim_page(
    k: Kluis, plan: Plan, holder: str, queued: list[tuple[int, str]], at: datetime
) -> Page | None:
    """Claim, decide, read and audit ``queued`` (message id, person id) in one transaction;
    None when this sender no longer holds the campaign and must stop."""
    with k.engine.begin() as conn:
        if not sender.renew_in(conn, plan.campaign_id, holder, plan.rate_per_minute, at):
            return None
        claimed = repository.claim(conn, [row_id for row_id, _ in queued])
        mine = [(row_id, person_id) for row_id, person_id in queued if row_id in claimed]
        decisions = page_decisions.decide_page(
            k,
            conn,
            [person_id for _, person_id in mine],
            plan.channel,
            MessageKind.COMMERCIAL.value,
            plan.topic,
            at,
        )
        by_purpose: dict[str, list[str]] = {}
        for person_id, decision in decisions.items():
            if decision.allowed:
                assert decision.purpose is not None  # every allowed decision names its purpose
                by_purpose.setdefault(decision.purpose, []).append(person_id)
        views: dict[str, contacts.PersonView] = {}
        hidden: dict[str, str] = {}
        for key, ids in by_purpose.items():
            purpose = contacts.purpose_for(conn, plan.actor, key)
            seen, why = contacts.views_of(k, conn, purpose, ids)
            views.update((view.id, view) for view in seen)
            hidden.update(why)
        page = Page([row_id for row_id, _ in queued])
        rows: list[dict[str, Any]] = []
        events: list[AuditEvent] = []
        for row_id, person_id in mine:
            decision = decisions[person_id]
            events.append(_made(person_id, plan, decision))
            view = views.get(person_id)
            if not decision.allowed:
                rows.append(_decided(row_id, decision))
            elif view is None:
                # Restricted, erased or taken off the purpose since: refused, as the rule says.
                reason = HIDDEN[hidden.get(person_id, "missing")]
                rows.append(_decided(row_id, decision, allowed=False, basis="none", reason=reason))
            else:
                read = READS[plan.channel]
                wanted = {n: v for n, v in view.fields.items() if n in read}
                events.append(PersonRead(person_id, view.purpose, tuple(sorted(wanted)), "message"))
                recipient = contacts.Recipient(
                    person_id,
                    view.language,
                    *(v if isinstance(v := wanted.get(n), str) else None for n in READ),
                )
                address = wanted.get(texts.ADDRESS[plan.channel])
                if not isinstance(address, str) or not address:
                    error = NO_ADDRESS[plan.channel]
                    rows.append(_decided(row_id, decision, status="failed", error=error))
                    continue
                language = rules.pick_language(recipient.language, plan.languages)
                message_id = (
                    "" if plan.text is not None else claimed[row_id] or make_msgid(domain=plan.host)
                )
                ready = Ready(row_id, recipient, language, message_id, address)
                page.ready[row_id] = ready
                rows.append(
                    _decided(
                        row_id,
                        decision,
                        status="sending",
                        language=language,
                        message_id=ready.message_id or None,
                    )
                )
        repository.set_many(conn, rows)
        audit.record(conn, plan.actor.ref, at, events)
    return page


def _made(person_id: str, plan: Plan, decision: Decision) -> DecisionMade:
    return DecisionMade(
        person_id,
        plan.channel,
        MessageKind.COMMERCIAL.value,
        plan.topic,
        decision.allowed,
        decision.basis.value,
        decision.reason.value,
        decision.evidence_event_id,
    )


def build(
    plan: Plan, ready: Ready, at: datetime
) -> outgoing.Outgoing | EmailMessage | TextMessage | TemplateMessage:
    """The message of ``ready``, dated ``at``: rendered from the compiled text, with the
    footer and List-Unsubscribe headers (RFC 2369, RFC 8058) carrying signed links; or the
    text message of a text campaign (``texts.build``)."""
    person = ready.recipient
    if plan.text is not None:
        return texts.build(
            plan.text,
            ready.row_id,
            ready.address,
            ready.language,
            person.given_name,
            person.family_name,
        )
    language = ready.language
    words = plan.words[language]
    unsubscribe = tokens.sign(
        plan.signing_key, tokens.LinkToken("unsubscribe", person.person_id, "email", plan.topic)
    )
    preferences = tokens.sign(plan.signing_key, tokens.LinkToken("preferences", person.person_id))
    footer = render.Footer(
        text=words["footer_text"].format(
            organisation=plan.organisation,
            topic=plan.topic_names["en" if person.language == "en" else "nl"],
        ),
        unsubscribe_label=words["footer_unsubscribe"],
        unsubscribe_url=f"{plan.base_url}/unsubscribe/{unsubscribe}",
        preferences_label=words["footer_preferences"],
        preferences_url=f"{plan.base_url}/preferences/{preferences}",
    )
    context = {
        "given_name": person.given_name,
        "family_name": person.family_name,
        "organisation": plan.organisation,
    }
    rendered = render.render_written(plan.written[language], context, footer)
    date = format_datetime(at)
    links = rules.unsubscribe_links(footer.unsubscribe_url, plan.mailto)
    to = person.email or ""
    built = outgoing.build(plan.skeletons[language], to, rendered, date, ready.message_id, links)
    if built is not None:
        return built
    return outgoing.email_message(
        plan.from_header,
        to,
        rendered,
        date,
        ready.message_id,
        rules.list_headers(footer.unsubscribe_url, plan.mailto, plan.list_id),
        language,
    )
