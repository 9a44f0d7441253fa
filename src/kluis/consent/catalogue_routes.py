"""API routes of the consent catalogue: the notices (the exact wordings consent is asked with) and
the topics people choose. Thin: each route calls one ``consent.catalogue`` function."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

from fastapi import APIRouter, Path, Response, status

from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep
from kluis.auth.deps import ActorDep
from kluis.consent import catalogue, grant_rules
from kluis.consent.rules import Channel
from kluis.consent.schemas import (
    NoticeCover,
    NoticeCreate,
    NoticePublic,
    TopicCreate,
    TopicUpdate,
)
from kluis.errors import KluisError

notices = APIRouter(prefix="/notices", tags=["notices"], responses=PROBLEMS)
topics = APIRouter(prefix="/topics", tags=["topics"], responses=PROBLEMS)

NoticeId = Annotated[int, Path(ge=1, le=MAX_ID)]


@contextmanager
def renamed_fields(**renamed: str) -> Iterator[None]:
    """The service names inputs as the CLI does (``notice``); the problem names the request's
    field (``notice_id``) so a client can point at it."""
    try:
        yield
    except KluisError as exc:
        if exc.field in renamed:
            exc.field = renamed[exc.field]
        raise


def _notice(view: catalogue.NoticeView) -> NoticePublic:
    return NoticePublic(
        id=view.id,
        language=view.language,
        text=view.text,
        content_hash=view.content_hash,
        created_at=view.created_at,
        covers=[NoticeCover(channel=Channel(c), topic=t) for c, t in view.covers],
    )


@notices.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=NoticePublic,
    responses={200: {"model": NoticePublic, "description": "The same wording exists already."}},
)
def add_notice(
    kluis: KluisDep, actor: ActorDep, now: NowDep, response: Response, body: NoticeCreate
) -> NoticePublic:
    """Add a version of the wording shown when consent is asked (consent must be informed and
    specific, GDPR Art. 4(11), 7(2)), naming the channels and topics it asks for: 201 with the
    new version, or 200 with the existing one when the same text in the same language asking
    for the same channels and topics exists. A notice is never changed or deleted: a new
    wording, or the same one asking for more, is a new version, and every grant keeps pointing
    at the one the person saw. A grant citing a notice for a channel or topic it does not name
    is refused with a `consent-refused` problem on `notice_id`."""
    known = {n.id for n in catalogue.list_notices(kluis)}
    view = catalogue.add_notice(
        kluis,
        actor,
        body.language,
        body.text,
        now,
        covers=grant_rules.every((c.value for c in body.channels), body.topics),
    )
    if view.id in known:
        response.status_code = status.HTTP_200_OK
    response.headers["Location"] = f"/api/v1/notices/{view.id}"
    return _notice(view)


@notices.get("", response_model=list[NoticePublic])
def list_notices(kluis: KluisDep, actor: ActorDep) -> list[NoticePublic]:
    """Every notice version, oldest first."""
    return [_notice(n) for n in catalogue.list_notices(kluis)]


@notices.get("/{notice_id}", response_model=NoticePublic)
def get_notice(kluis: KluisDep, actor: ActorDep, notice_id: NoticeId) -> NoticePublic:
    """One notice version: the exact wording a grant citing it was given to."""
    with renamed_fields(notice="notice_id"):
        return _notice(catalogue.get_notice(kluis, notice_id))


# Topics -----------------------------------------------------------------------------------------


@topics.get("", response_model=list[catalogue.TopicView])
def list_topics(kluis: KluisDep, actor: ActorDep) -> list[catalogue.TopicView]:
    """The kinds of content people choose to receive, with English and Dutch names and how
    long a consent lasts before it must be re-confirmed."""
    return catalogue.list_topics(kluis)


@topics.post("", status_code=status.HTTP_201_CREATED, response_model=catalogue.TopicView)
def create_topic(
    kluis: KluisDep, actor: ActorDep, now: NowDep, body: TopicCreate
) -> catalogue.TopicView:
    """Add a topic (admin or privacy officer): consent is given per topic, so it stays specific
    (GDPR Art. 4(11), 6(1)(a))."""
    return catalogue.create_topic(
        kluis, actor, body.key, body.name_en, body.name_nl, now, body.reconfirm_months
    )


@topics.patch("/{key}", response_model=catalogue.TopicView)
def change_topic(
    kluis: KluisDep, actor: ActorDep, now: NowDep, key: str, body: TopicUpdate
) -> catalogue.TopicView:
    """Rename a topic or change its re-confirmation period (admin or privacy officer); the audit
    log names the fields changed. Consents already given keep their re-confirm-by date."""
    return catalogue.change_topic(kluis, actor, key, body.model_dump(exclude_unset=True), now)
