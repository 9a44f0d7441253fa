"""Staff web pages of compliance: the findings with what to do about each, the record of
processing (Art. 30) in the user's language, and the breach register with the 72-hour clock of
Art. 33(1), where a breach and its notifications are recorded. The purposes catalogue and the
audit log have their own slices' pages under the same heading.

Thin: each page calls ``kluis.compliance`` (findings, ropa, service), which checks the role; a
role it refuses gets its refusal as a 403 page that still offers the other compliance pages.
Times on these pages are UTC, as the breach clock counts them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.compliance import (
    connected_findings,
    deployment,
    finding_words,
    findings,
    job_forecast,
    request_mail_findings,
    ropa,
    rules,
    service,
)
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField, KluisError, NotFound, PermissionDenied
from kluis.locale.formats import say_date
from kluis.ui import staff
from kluis.ui.staff import PREFIX, refused
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

BASE = f"{PREFIX}/compliance"
FINDINGS = {
    "purpose.no_lawful_basis": (
        N_("A purpose has no valid lawful basis"),
        N_("Give the purpose one of the six lawful bases in the purposes catalogue."),
    ),
    "purpose.no_legitimate_interest": (
        N_("A purpose on legitimate interest does not state the interest"),
        N_("State the interest in the purposes catalogue; people are told it (Art. 13(1)(d))."),
    ),
    "purpose.no_legitimate_interest_nl": (
        N_("A purpose states its legitimate interest in English only"),
        N_("Write the interest in Dutch in the purposes catalogue; Dutch readers are told it."),
    ),
    "purpose.no_retention": (
        N_("A purpose has no valid retention period"),
        N_("Set how long the data is kept, such as P2Y, in the purposes catalogue."),
    ),
    "consent.past_reconfirmation": (
        N_("Consents past their re-confirmation date are still kept as granted"),
        N_("Run the re-confirmation sweep, or ask the people to confirm again."),
    ),
    "notice.box_not_offered": (
        N_("Some consent boxes are not offered: no wording asks for them"),
        N_("Add a notice in that language naming the channel and topic it asks for."),
    ),
    "notice.covers_nothing": (
        N_("Some notices name no channel or topic and cannot be cited"),
        N_("Add the wording again with the channels and topics it asks for."),
    ),
    "request.overdue": (
        N_("A privacy request is overdue"),
        N_("Answer it without further delay and tell the person why it was late."),
    ),
    "request.due_soon": (
        N_("A privacy request is due within a week"),
        N_("Answer it now, or extend it once by up to two months and tell the person why."),
    ),
    "breach.overdue": (
        N_("A breach was not notified to the authority within 72 hours"),
        N_("Notify the authority and record it with the reasons for the delay."),
    ),
    "breach.due_soon": (
        N_("A breach must be notified to the authority within a day"),
        N_("Notify the authority and record it, or record why it is unlikely to be a risk."),
    ),
    "audit.chain_broken": (
        N_("The audit log was altered"),
        N_("Treat it as a possible breach: find who could write the database and record it."),
    ),
    "user.idle_broad_role": (
        N_("An unused account can read everyone"),
        N_("Deactivate the user or give them a narrower role."),
    ),
    "person.no_live_purpose": (
        N_("People are kept without a purpose whose retention still runs"),
        N_("Run the retention sweep (the server runs it daily)."),
    ),
    "person.fields_past_retention": (
        N_("People hold details whose retention ran out"),
        N_("Run the retention sweep (the server runs it daily)."),
    ),
    "backup.keyring_too_old": (
        N_("Keyring backups are older than their window"),
        N_("Prune the backups daily; old keyrings still hold the keys of people erased since."),
    ),
    **deployment.STAFF_WORDING,
    **job_forecast.STAFF_WORDING,
    **connected_findings.STAFF_WORDING,
    **request_mail_findings.STAFF_WORDING,
}
"""Each finding's title and fix in words for the web (translated); the finding's own detail
is said with them (``finding_words``), its command lines shown as code."""

TEXTS = ("nature", "consequences", "measures_taken", "measures_proposed")
LABELS = {
    "detected_at": N_("Found at (UTC)"),
    "nature": N_("What happened"),
    "categories": N_("Personal data concerned"),
    "approx_people": N_("About how many people"),
    "approx_records": N_("About how many records"),
    "consequences": N_("Likely consequences"),
    "measures_taken": N_("Measures taken"),
    "measures_proposed": N_("Measures proposed"),
    "at": N_("When (UTC; empty is now)"),
    "late_reason": N_("Reasons for the delay"),
    "not_required": N_("Why it is unlikely to result in a risk"),
    "exemption": N_("Why the people need not be told"),
}
EXEMPTIONS = {
    rules.PeopleExemption.UNINTELLIGIBLE.value: N_(
        "The data was unintelligible to others, such as encrypted (Art. 34(3)(a))"
    ),
    rules.PeopleExemption.MITIGATED.value: N_(
        "Measures taken since make the high risk unlikely (Art. 34(3)(b))"
    ),
    rules.PeopleExemption.DISPROPORTIONATE.value: N_(
        "Telling each would take disproportionate effort; a public notice was made (Art. 34(3)(c))"
    ),
}

SERVICE_MESSAGES = (
    N_("only an admin or the privacy officer may run the compliance check"),
    N_("only an admin or the privacy officer may read the record of processing"),
    N_("only an admin or the privacy officer may keep the breach register"),
    N_("only an admin or the privacy officer may read the audit log"),
    N_("only an admin or the privacy officer may change the purposes catalogue"),
    N_("nature is required: describe it for the authority"),
    N_("consequences is required: describe it for the authority"),
    N_("measures_taken is required: describe it for the authority"),
    N_("not_required is required: describe it for the authority"),
    N_("name at least one fideslang data category concerned (Art. 33(3)(a))"),
    N_("detected_at lies in the future; give the moment it was found"),
    N_("give the moment the breach was found"),
    N_("the notification time lies in the future"),
    N_("the notification cannot come before the breach was detected"),
    N_("the people cannot be told before the breach was detected"),
)
"""What the compliance, audit and purposes services say when they refuse, listed so the
extractor finds it for translation (a message with values in it stays English)."""


def _finding(f: rules.Finding, language: str, zone: str) -> dict[str, Any]:
    title, fix = FINDINGS.get(f.code, (f.code, f.fix))
    said = finding_words.detail(f, staff.translations(language).gettext, language, zone)
    link = None
    kind, _, ref = (f.subject or "").partition(":")
    if f.code.startswith("purpose."):
        link = f"{BASE}/purposes/{f.subject}"
    elif kind == "request" and ref.isdigit():
        link = f"{PREFIX}/requests/{ref}"
    elif kind == "breach" and ref.isdigit():
        link = f"{BASE}/breaches/{ref}"
    elif kind == "audit":
        link = f"{BASE}/audit"
    elif f.code == "user.no_second_factor":
        link = f"{PREFIX}/two-factor"
    return {
        "f": f,
        "title": title,
        "fix": fix,
        "link": link,
        "detail": said,
        "commands": finding_words.commands(f),
    }


@router.get("/compliance")
def findings_page(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    try:
        found = findings.findings(k, session.actor, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    return staff.render(
        k,
        request,
        "staff/compliance_findings.html",
        session,
        staff.gettext(session.language, "Compliance"),
        findings=[_finding(f, session.language, k.settings.time_zone) for f in found],
        high=rules.has_high(found),
    )


@router.get("/compliance/record")
def record_page(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    try:
        ropa.may_read(session.actor)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    record = ropa.build(k, session.language, now)
    return staff.render(
        k,
        request,
        "staff/compliance_record.html",
        session,
        record.labels["ropa_title"],
        r=record,
        t=record.labels,
        when=say_date(record.generated_at, session.language),
        controller_lines=ropa.controller_lines(record.controller, record.labels),
        basis_text=ropa.basis_text,
    )


# Breaches ---------------------------------------------------------------------------------------


def _categories(language: str) -> list[dict[str, str]]:
    """The data categories Kluis holds, each named by the fields under it."""
    found: dict[str, list[str]] = {}
    for f in PERSONAL_FIELDS:
        found.setdefault(f.category, []).append(f.label_nl if language == "nl" else f.label_en)
    return [{"key": key, "fields": ", ".join(names)} for key, names in found.items()]


def _time(form: FormData, name: str) -> datetime | None:
    """A ``datetime-local`` input, read as UTC (the clock of the register)."""
    value = staff.text(form, name)
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidField(
            f"{name} is a date and time such as 2026-03-14T09:30",
            field=name,
            msgid=N_("Give a date and time, such as 2026-03-14T09:30."),
        ) from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


def _count(form: FormData, name: str) -> int | None:
    value = staff.text(form, name)
    if not value:
        return None
    if not value.isdigit() or len(value) > 10:
        raise InvalidField(f"{name} must be a count from 0", field=name)
    return int(value)


def _register(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    now: datetime,
    *,
    values: dict[str, Any] | None = None,
    error: KluisError | None = None,
) -> Response:
    try:
        breaches = service.list_breaches(k, session.actor, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    return staff.render(
        k,
        request,
        "staff/compliance_breaches.html",
        session,
        staff.gettext(session.language, "Breach register"),
        status=error.status if error else 200,
        breaches=list(reversed(breaches)),
        categories=_categories(session.language),
        labels=LABELS,
        values=values or {"categories": []},
        now=now,
        **_error(session.language, error),
    )


def _error(language: str, error: KluisError | None) -> dict[str, Any]:
    if error is None:
        return {"error": None, "error_field": None, "error_label": None}
    label = LABELS.get(error.field or "")
    return {
        "error": staff.error_text(language, error),
        "error_field": error.field,
        "error_label": staff.gettext(language, label) if label else None,
    }


@router.get("/compliance/breaches")
def breaches_page(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    return _register(k, request, session, now)


@router.post("/compliance/breaches")
async def record_breach(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    values: dict[str, Any] = {name: staff.text(form, name) for name in LABELS}
    values["categories"] = [c for c in form.getlist("categories") if isinstance(c, str)]
    try:
        detected = _time(form, "detected_at")
        if detected is None:
            raise InvalidField("give the moment the breach was found", field="detected_at")
        new = service.NewBreach(
            detected_at=detected,
            categories=values["categories"],
            approx_people=_count(form, "approx_people"),
            approx_records=_count(form, "approx_records"),
            **{name: values[name] for name in TEXTS},
        )
        made = service.add_breach(k, session.actor, new, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    except InvalidField as exc:
        return _register(k, request, session, now, values=values, error=exc)
    return staff.redirect(f"{BASE}/breaches/{made.id}")


def _breach(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    now: datetime,
    breach_id: int,
    *,
    values: dict[str, str] | None = None,
    error: KluisError | None = None,
) -> Response:
    try:
        b = service.get_breach(k, session.actor, breach_id, now)
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    return staff.render(
        k,
        request,
        "staff/compliance_breach.html",
        session,
        staff.gettext(session.language, "Breach %(id)d", id=breach_id),
        status=error.status if error else 200,
        b=b,
        labels=LABELS,
        exemptions=EXEMPTIONS,
        values=values or {},
        **_error(session.language, error),
    )


@router.get("/compliance/breaches/{breach_id}")
def breach_page(
    breach_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    return _breach(k, request, session, now, breach_id)


@router.post("/compliance/breaches/{breach_id}/notify")
async def notify(
    breach_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """Record that the authority or the people were told, or why they need not be."""
    form = await checked_form(request, session)
    step = staff.text(form, "step")
    values = {name: staff.text(form, name) for name in LABELS}
    try:
        if step == "authority":
            service.notify_authority(
                k,
                session.actor,
                breach_id,
                now,
                at=_time(form, "at"),
                late_reason=values["late_reason"] or None,
            )
        elif step == "authority_not_required":
            service.notify_authority(
                k, session.actor, breach_id, now, not_required=values["not_required"]
            )
        elif step == "people":
            service.notify_people(k, session.actor, breach_id, now, at=_time(form, "at"))
        elif step == "people_exempt":
            service.notify_people(k, session.actor, breach_id, now, exemption=values["exemption"])
        else:
            raise InvalidField(f"there is no step {step!r}", field="step")
    except PermissionDenied as exc:
        return refused(k, request, session, exc)
    except KluisError as exc:
        if exc.status >= 500 or isinstance(exc, NotFound):
            raise
        return _breach(k, request, session, now, breach_id, values=values, error=exc)
    return staff.redirect(f"{BASE}/breaches/{breach_id}")
