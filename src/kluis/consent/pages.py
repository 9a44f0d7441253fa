"""Staff web pages of a person's consent: recording a grant with the notice shown and evidence
(a call recording, a scanned form), a withdrawal, an objection to direct marketing or a
restriction, and opening the evidence. Thin: each calls the consent services (ledger, evidence,
decisions) or ``contacts.flags``.

A grant needs its method and the exact wording the person agreed to (Art. 7(1): the controller
must be able to show consent was given); the evidence is stored only once the rest of the form
is known to be acceptable, so a refused form leaves no file behind. Withdrawing is as easy as
granting (Art. 7(3)): one short form. Evidence is served as an attachment, never cached, and
every opening is audited by the service; ``<audio>`` elements load it only when played.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from kluis.actors import ALL_PURPOSES_ROLES
from kluis.api import KluisDep, NowDep
from kluis.auth import sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.consent import catalogue, ledger
from kluis.consent import evidence as consent_evidence
from kluis.consent.rules import Channel, Method
from kluis.contacts import flags
from kluis.contacts import people as contacts
from kluis.contacts.page_parts import FormError, display_name, form_error, needs_purpose
from kluis.errors import InvalidField, KluisError, NotFound
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import HEADERS, PREFIX
from kluis.ui.uploads import AUDIO_ALIASES, read_upload
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

LABELS = {
    "channel": N_("Channel"),
    "topic": N_("Topic"),
    "method": N_("How"),
    "notice": N_("Wording shown"),
    "notice_id": N_("Wording shown"),
    "evidence": N_("Evidence"),
    "file": N_("Evidence"),
    "flag": N_("What"),
    "action": N_("What"),
}
CONTENT_TYPES = {
    **AUDIO_ALIASES,
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
}
"""Names browsers give some evidence types, mapped to the one the evidence check knows."""
EXTENSIONS = {
    "audio/wav": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
    "audio/webm": ".webm",
    "audio/mp4": ".m4a",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "message/rfc822": ".eml",
    "text/plain": ".txt",
}
WORDS = (N_("letter"),)
"""Ways a withdrawal or flag may reach us that the shared vocabulary does not list."""
TOO_LARGE = N_("the evidence file is larger than the most accepted")
REFUSALS = (
    N_("only an admin or the privacy officer may open consent evidence"),
    N_("only an admin or the privacy officer may restrict or lift it"),
    N_("only an admin or the privacy officer may lift an objection"),
)
"""Refusals of the consent service these pages show, listed so that they are translated."""


def _page(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person: contacts.PersonView,
    *,
    error: FormError | None = None,
    status: int = 200,
    posted: dict[str, str] | None = None,
) -> HTMLResponse:
    posted = posted or {}
    topics = catalogue.list_topics(k)
    channel = posted.get("channel") or Channel.EMAIL.value
    topic = posted.get("topic") or (topics[0].key if topics else "")
    return staff.render(
        k,
        request,
        "staff/consent.html",
        session,
        staff.gettext(
            session.language,
            "Consent of %(name)s",
            name=display_name(person, session.language),
        ),
        status=status,
        person=person,
        channels=[c.value for c in Channel],
        topics=topics,
        methods=[m.value for m in Method],
        withdrawal_methods=ledger.WITHDRAWAL_METHODS,
        flag_methods=flags.FLAG_METHODS,
        notices=catalogue.notices_covering(k, channel, topic),
        notice_for=(channel, topic),
        may_restrict=session.role in ALL_PURPOSES_ROLES,
        max_mib=k.settings.evidence_max_bytes // (1024 * 1024),
        error=error,
        posted=posted,
    )


def _person(
    k: KluisDep, session: sessions.Session, person_id: str, now: NowDep
) -> contacts.PersonView | None:
    purpose = working_purpose(k, session)
    if purpose is None:
        return None
    return contacts.read_person(k, session.actor, person_id, purpose.key, now)


@router.get("/contacts/{person_id}/consent")
def consent_page(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    """The consent forms. ``?channel=&topic=`` choose the pair the grant form offers wordings
    for (the form asks for them again as its channel and topic change): only notices asking
    for that channel and topic are listed, since a grant may cite no other (Art. 7(1))."""
    person = _person(k, session, person_id, now)
    if person is None:
        return needs_purpose(k, request, session)
    chosen = {
        name: value[:40]
        for name in ("channel", "topic")
        if (value := request.query_params.get(name))
    }
    return _page(k, request, session, person, posted=chosen)


@router.get("/contacts/{person_id}/consent/wordings")
def grant_wordings(
    person_id: str, request: Request, k: KluisDep, session: SessionDep
) -> HTMLResponse:
    """The grant form's notice choice for ``?channel=&topic=``, swapped in as those change:
    only the wordings asking for that pair (the person is not read, so nothing is audited)."""
    channel = request.query_params.get("channel", "")
    topic = request.query_params.get("topic", "")
    if channel not in {c.value for c in Channel} or topic not in {
        t.key for t in catalogue.list_topics(k)
    }:
        raise InvalidField(N_("choose a topic from the list"), field="topic")
    return staff.render(
        k,
        request,
        "staff/_grant_notice.html",
        session,
        "",
        notices=catalogue.notices_covering(k, channel, topic),
        notice_for=(channel, topic),
        error=None,
        posted={},
    )


def _fields(form: FormData, *names: str) -> dict[str, str]:
    return {name: staff.text(form, name) for name in names}


def _refused(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person_id: str,
    now: NowDep,
    exc: KluisError,
    posted: dict[str, str],
) -> HTMLResponse:
    person = _person(k, session, person_id, now)
    if person is None:
        return needs_purpose(k, request, session)
    return _page(
        k,
        request,
        session,
        person,
        error=form_error(session.language, exc, LABELS),
        status=exc.status,
        posted=posted,
    )


@router.post("/contacts/{person_id}/consent")
async def record_grant(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """A grant with its method, notice and (optionally) evidence."""
    form = await checked_form(request, session)
    try:
        return await _grant(k, request, session, person_id, now, form)
    finally:
        await form.close()  # the uploaded file's temporary copy


async def _grant(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    person_id: str,
    now: NowDep,
    form: FormData,
) -> Response:
    posted = _fields(form, "channel", "topic", "method", "notice")
    working = working_purpose(k, session)
    if working is None:
        return needs_purpose(k, request, session)
    try:
        catalogue.parse_channel(posted["channel"])
        if posted["topic"] not in {t.key for t in catalogue.list_topics(k)}:
            raise InvalidField(N_("choose a topic from the list"), field="topic")
        if not posted["method"]:
            raise InvalidField(N_("say how the person gave consent"), field="method")
        notice = _notice(k, posted["notice"])
        catalogue.check_cited(k, notice, posted["channel"], posted["topic"])
        evidence_id = None
        upload = await read_upload(
            form, "evidence", k.settings.evidence_max_bytes, TOO_LARGE, CONTENT_TYPES
        )
        if upload is not None:
            evidence_id = consent_evidence.add_evidence(
                k,
                session.actor,
                person_id,
                working.key,
                upload.content_type,
                upload.data,
                now,
                filename=upload.filename,
            )
        ledger.record(
            k,
            session.actor,
            person_id,
            posted["channel"],
            posted["topic"],
            "granted",
            now,
            ledger.Grant(method=posted["method"], notice_id=notice, evidence_id=evidence_id),
        )
    except KluisError as exc:
        return _refused(k, request, session, person_id, now, exc, posted)
    return staff.redirect(f"{PREFIX}/contacts/{person_id}#timeline-h")


def _notice(k: KluisDep, value: str) -> int:
    if not value:
        raise InvalidField(
            N_("choose the wording the person agreed to; without it there is no valid consent"),
            field="notice",
        )
    if not value.isdigit() or len(value) > 10:
        raise InvalidField(N_("choose the wording from the list"), field="notice")
    try:
        return catalogue.get_notice(k, int(value)).id
    except NotFound:
        raise InvalidField(N_("choose the wording from the list"), field="notice") from None


@router.post("/contacts/{person_id}/withdrawal")
async def record_withdrawal(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    posted = _fields(form, "channel", "topic", "method")
    try:
        ledger.record(
            k,
            session.actor,
            person_id,
            posted["channel"],
            posted["topic"],
            "withdrawn",
            now,
            ledger.Grant(method=posted["method"] or None, notice_id=None),
        )
    except KluisError as exc:
        return _refused(k, request, session, person_id, now, exc, posted)
    return staff.redirect(f"{PREFIX}/contacts/{person_id}#timeline-h")


@router.post("/contacts/{person_id}/flags")
async def record_flag(
    person_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """An objection to direct marketing (Art. 21(3)) or a restriction (Art. 18), or lifting one."""
    form = await checked_form(request, session)
    posted = _fields(form, "flag", "active", "method")
    try:
        flags.set_flag(
            k,
            session.actor,
            person_id,
            posted["flag"],
            posted["active"] != "0",
            posted["method"],
            now,
        )
    except KluisError as exc:
        return _refused(k, request, session, person_id, now, exc, posted)
    return staff.redirect(f"{PREFIX}/contacts/{person_id}#timeline-h")


@router.get("/evidence/{evidence_id}")
def evidence(
    evidence_id: Annotated[int, Path(ge=1, le=2**31 - 1)],
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
) -> Response:
    """The evidence file as an attachment (an ``<audio>`` element plays it all the same), for
    admins and privacy officers; the service audits every opening. Named by its id only: the
    uploaded file name may itself be personal data."""
    found = consent_evidence.get_evidence(k, session.actor, evidence_id, now)
    extension = EXTENSIONS.get(found.content_type, ".bin")
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            **HEADERS,
            "Content-Disposition": f'attachment; filename="evidence-{found.id}{extension}"',
        },
    )
