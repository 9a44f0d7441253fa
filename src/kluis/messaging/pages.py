"""Staff web pages of campaigns: the list, composing one (subject and body in Dutch and/or
English, channel and topic), its page with the audience counted now and the people left out by
reason, sending it, and the results, which refresh themselves while it is being sent.

Thin: every step calls ``kluis.messaging.campaigns``, which checks the role (marketing, an admin
or the privacy officer) and decides each message with ``may_contact``. Sending runs after the
answer, as a job (``messaging.jobs``), as the API's does; the results page reads the counts as
they grow.
The mail server is ``messaging.service.smtp_transport`` unless the app carries another transport
factory in ``app.state.transport_factory``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.api import KluisDep, NowDep, get_now
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent import catalogue
from kluis.consent.rules import REASONS, Reason
from kluis.contacts import tags
from kluis.errors import InvalidField, KluisError
from kluis.jobs import web as jobs
from kluis.messaging import campaigns, service, text_pages, text_rules, trial_view
from kluis.messaging import jobs as campaign_jobs
from kluis.messaging.compose import CHANNELS as CAMPAIGN_CHANNELS
from kluis.messaging.compose import SAMPLE
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

PAGE_SIZE = 25
LABELS = {
    "name": N_("Name of the campaign (for you; people do not see it)"),
    "channel": N_("Channel"),
    "topic": N_("Topic"),
    "tag": N_("Only people with this tag"),
    "subject_nl": N_("Subject in Dutch"),
    "body_nl": N_("Text in Dutch"),
    "subject_en": N_("Subject in English"),
    "body_en": N_("Text in English"),
    "rate_per_minute": N_("At most this many messages a minute"),
    "template_name": N_("Approved WhatsApp template"),
    "template_nl": N_("Template id in Dutch (from the provider)"),
    "template_en": N_("Template id in English (from the provider)"),
    "template_params": N_("Template values, one per line"),
}
TEMPLATE_FIELDS = ("template_name", "template_nl", "template_en", "template_params")
SERVICE_MESSAGES = (
    N_("only marketing, an admin or the privacy officer may run campaigns"),
    N_("a campaign goes by e-mail, SMS, WhatsApp, phone (a call list) or post (letters)"),
    N_("give the letter's text in nl or en"),
    N_("a post campaign is not sent: download its CSV, labels or letters"),
    N_("a text message has no subject"),
    N_("give the text in nl or en"),
    N_("name the approved WhatsApp template"),
    N_("name the topic of the campaign"),
    N_("rate_per_minute is between 1 and 100000"),
    N_("give both the subject and the body in nl, or neither"),
    N_("give both the subject and the body in en, or neither"),
    N_("give the subject and body in nl or en"),
    N_("no mail server is configured; set KLUIS_SMTP_URL (e.g. smtp://localhost:25)"),
)
"""What ``campaigns`` says when it refuses, listed so the extractor finds it for translation."""
STATUSES = ("queued", "sending", "sent", "refused", "failed", "interrupted")
"""Message statuses in the order the results list them."""
PLACEHOLDERS = "{{ given_name }}, {{ family_name }}, {{ organisation }}"


def _transport(request: Request) -> service.TransportFactory | None:
    factory: service.TransportFactory | None = getattr(request.app.state, "transport_factory", None)
    return factory


def _clock(request: Request) -> Callable[[], datetime]:
    """The app's clock (``get_now``, or what replaces it), read for every message sent."""
    clock: Callable[[], datetime] = request.app.dependency_overrides.get(get_now, get_now)
    return clock


def _reasons(counts: dict[str, int], language: str) -> list[dict[str, Any]]:
    """Refusals by reason, the largest first, each with the sentence that explains it."""
    rows = []
    for reason, count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        try:
            en, nl = REASONS[Reason(reason)]
        except ValueError:
            en = nl = ""
        rows.append({"reason": reason, "count": count, "why": nl if language == "nl" else en})
    return rows


def _topic_names(k: KluisDep, language: str) -> dict[str, str]:
    return {t.key: t.name_nl if language == "nl" else t.name_en for t in catalogue.list_topics(k)}


@router.get("/campaigns")
def list_page(
    request: Request,
    k: KluisDep,
    session: SessionDep,
    page: Annotated[int, Query(ge=1, le=100_000)] = 1,
) -> HTMLResponse:
    found, total = campaigns.list_campaigns(
        k, session.actor, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    return staff.render(
        k,
        request,
        "staff/campaigns.html",
        session,
        staff.gettext(session.language, "Campaigns"),
        campaigns=found,
        topics=_topic_names(k, session.language),
        total=total,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
    )


def _compose(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    values: dict[str, str],
    error: KluisError | None = None,
    action: str = "/app/campaigns/new",
) -> HTMLResponse:
    return staff.render(
        k,
        request,
        "staff/campaign_new.html",
        session,
        staff.gettext(session.language, "New campaign"),
        status=error.status if error else 200,
        values=values,
        labels=LABELS,
        channels=list(CAMPAIGN_CHANNELS),
        action=action,
        channel_fixed=action != "/app/campaigns/new",
        topics=catalogue.list_topics(k),
        tags=tags.list_tags(k.engine),
        opt_out=text_pages.opt_out_lines(k),
        counter=staff.gettext(session.language, text_pages.COUNTER),
        counted={
            lang: text_pages.counter(staff.gettext(session.language, text_pages.COUNTER), length)
            for lang, length in text_pages.draft_lengths(k, values).items()
        }
        if values.get("channel") == "sms"
        else {},
        sample=SAMPLE,
        gsm7=sorted(map(ord, text_rules.GSM7_BASIC)),
        gsm7_extension=sorted(map(ord, text_rules.GSM7_EXTENSION)),
        placeholders=PLACEHOLDERS,
        error_field=error.field if error else None,
        error_label=staff.gettext(session.language, LABELS[error.field])
        if error and error.field in LABELS
        else None,
        error=staff.error_text(session.language, error) if error else None,
    )


@router.get("/campaigns/new")
def compose_form(
    request: Request,
    k: KluisDep,
    session: SessionDep,
    channel: Annotated[str, Query(pattern="^(email|sms|whatsapp|phone|post)$")] = "email",
) -> HTMLResponse:
    """The compose form of one channel: subject and body (e-mail), a text with its length
    (SMS), or the approved template (WhatsApp)."""
    campaigns.may_send(session.actor)
    return _compose(k, request, session, {"channel": channel})


def _campaign_values(form: FormData) -> dict[str, Any]:
    values: dict[str, Any] = {
        name: staff.text(form, name)
        for name in LABELS
        if name != "rate_per_minute" and name not in TEMPLATE_FIELDS and staff.text(form, name)
    }
    if values.get("channel") == "whatsapp" or staff.text(form, "template_name"):
        values["whatsapp_template"] = {
            "name": staff.text(form, "template_name"),
            "content": {
                lang: staff.text(form, f"template_{lang}")
                for lang in ("nl", "en")
                if staff.text(form, f"template_{lang}")
            },
            "params": [
                line.strip()
                for line in staff.text(form, "template_params").splitlines()
                if line.strip()
            ],
        }
    rate = staff.text(form, "rate_per_minute")
    if rate:
        if not rate.isdigit() or len(rate) > 9:
            raise InvalidField("rate_per_minute is between 1 and 100000", field="rate_per_minute")
        values["rate_per_minute"] = int(rate)
    return values


@router.post("/campaigns/new")
async def compose(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    shown = {name: staff.text(form, name) for name in LABELS}
    try:
        made = campaigns.create_campaign(k, session.actor, _campaign_values(form), now)
    except InvalidField as exc:
        return _compose(k, request, session, shown, exc)
    return staff.redirect(f"{PREFIX}/campaigns/{made.id}")


@router.get("/campaigns/{campaign_id}")
def campaign_page(
    campaign_id: int,
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    person: Annotated[str | None, Query(max_length=300)] = None,
    tested: Annotated[str | None, Query(pattern="^(email|sms|whatsapp)$")] = None,
) -> HTMLResponse:
    """The campaign, its audience now, and its preview for the person given (their id, or the
    address of their page), read under the working purpose; sample values without one."""
    return campaign_view(k, request, session, campaign_id, now, person, tested=tested)


def campaign_view(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    campaign_id: int,
    now: datetime,
    person: str | None,
    *,
    tested: str | None = None,
    error: KluisError | None = None,
) -> HTMLResponse:
    campaigns.may_send(session.actor)
    view = campaigns.get_campaign(k, campaign_id)
    preview = campaigns.preview(k, campaign_id, now) if view.status != "sent" else None
    return staff.render(
        k,
        request,
        "staff/campaign.html",
        session,
        staff.gettext(session.language, "Campaign: %(name)s", name=view.name),
        status=error.status if error else 200,
        c=view,
        topics=_topic_names(k, session.language),
        tag_names=trial_view.tag_names(k, session.language),
        lengths=text_pages.lengths(k, view),
        preview=preview,
        refused=_reasons(preview.refused, session.language) if preview else [],
        refused_total=sum(preview.refused.values()) if preview else 0,
        trial=trial_view.shown(k, session, view, person, now),
        tested=tested,
        test_error=staff.error_text(session.language, error) if error else None,
    )


@router.post("/campaigns/{campaign_id}/send")
async def send(
    campaign_id: int,
    request: Request,
    k: KluisDep,
    session: SessionDep,
) -> Response:
    """Start sending and go to the results at once; the sending goes on after the answer."""
    await checked_form(request, session)
    transport = _transport(request)
    clock = _clock(request)
    _, claimed = campaigns.ready_to_send(k, session.actor, campaign_id, transport, clock())
    jobs.submit(
        request.app.state,
        k,
        campaign_jobs.SEND,
        campaign_jobs.arguments(session.actor, campaign_id, claimed),
        clock=clock,
        transport=transport,
    )
    return staff.redirect(f"{PREFIX}/campaigns/{campaign_id}/results")


@router.get("/campaigns/{campaign_id}/results")
def results_page(
    campaign_id: int, request: Request, k: KluisDep, session: SessionDep
) -> HTMLResponse:
    campaigns.may_send(session.actor)
    view = campaigns.get_campaign(k, campaign_id)
    messages = sum(view.counts.values())
    waiting = view.counts.get("queued", 0) + view.counts.get("sending", 0)
    statuses = [s for s in STATUSES if s in view.counts] + sorted(
        s for s in view.counts if s not in STATUSES
    )
    return staff.render(
        k,
        request,
        "staff/campaign_results.html",
        session,
        staff.gettext(session.language, "Results: %(name)s", name=view.name),
        c=view,
        topics=_topic_names(k, session.language),
        statuses=statuses,
        messages=messages,
        done=messages - waiting,
        percent=round(100 * (messages - waiting) / messages) if messages else 0,
        left_out=_reasons(view.refused, session.language),
        left_out_total=sum(view.refused.values()),
        refused_later=_reasons(campaigns.refused_when_sending(k, campaign_id), session.language),
        outcome=text_pages.outcome(k, session.actor, campaign_id),
        refresh=view.status == "sending",
    )
