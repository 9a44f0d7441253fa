"""JSON API of activities; thin: each route calls one service function. Every route that
touches a person's activities names its purpose (``?purpose=``), as other person reads do."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, File, Path, Query, Response, UploadFile, status
from pydantic import BaseModel

from kluis.activities import reads, rules, service
from kluis.activities.schemas import (
    ActivityCreate,
    ActivityCreated,
    ActivityList,
    ActivityPublic,
    ActivityUpdate,
    MyActivities,
    QuietCount,
    RecordingCreated,
)
from kluis.actors import ALL_PURPOSES_ROLES
from kluis.api import MAX_ID, PROBLEMS, KluisDep, NowDep, PurposeQuery
from kluis.auth.deps import ActorDep
from kluis.consent.evidence import Recording
from kluis.consent.grant_rules import EVIDENCE_TYPES
from kluis.errors import InvalidField, PermissionDenied

if TYPE_CHECKING:
    CreateBody = BaseModel
    UpdateBody = BaseModel
else:
    CreateBody = ActivityCreate
    UpdateBody = ActivityUpdate

router = APIRouter(tags=["activities"], responses=PROBLEMS)

ActivityId = Annotated[str, Path(max_length=36)]


def public(view: reads.ActivityView) -> ActivityPublic:
    values = view.public()
    values["occurred_at"] = view.occurred_at
    return ActivityPublic(**values)


@router.post(
    "/contacts/{person_id}/activities",
    status_code=status.HTTP_201_CREATED,
    response_model=ActivityCreated,
)
def log_activity(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    response: Response,
    person_id: str,
    purpose: PurposeQuery,
    body: CreateBody,
) -> ActivityCreated:
    """Log a call, meeting, e-mail (in or out), note or visit about the person under `purpose`:
    one the role holds and the person was collected for (Art. 5(1)(b)). A past activity moves
    the person's last interaction (the retention anchor of purposes counted from it); one in
    the future is scheduled and does not. Attach a call's recording with
    `POST /activities/{id}/recording`."""
    data = body.model_dump()
    activity_id = service.log(
        kluis,
        actor,
        person_id,
        purpose,
        rules.Draft(**{**data, "type": str(data["type"])}),
        now,
    )
    response.headers["Location"] = f"/api/v1/activities/{activity_id}"
    return ActivityCreated(id=activity_id)


@router.get("/contacts/{person_id}/activities", response_model=ActivityList)
def list_activities(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    person_id: str,
    purpose: PurposeQuery,
    limit: Annotated[int, Query(ge=1, le=reads.LIST_LIMIT)] = 50,
) -> ActivityList:
    """The person's activities logged under `purpose` (all of them under a purpose covering
    everyone, such as `privacy_requests`), newest first; the read is audited."""
    found = reads.of_person(kluis, actor, person_id, purpose, now, via="api", limit=limit)
    return ActivityList(items=[public(v) for v in found])


@router.get("/activities", response_model=ActivityList)
def company_activities(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    purpose: PurposeQuery,
    company_id: Annotated[int, Query(ge=1, le=MAX_ID)],
    limit: Annotated[int, Query(ge=1, le=reads.LIST_LIMIT)] = 50,
) -> ActivityList:
    """The activities of a company's people under `purpose`: only of people visible under it;
    each person's read is audited."""
    found = reads.of_company(kluis, actor, company_id, purpose, now, limit)
    return ActivityList(items=[public(v) for v in found])


@router.get("/activities/mine", response_model=MyActivities)
def my_activities(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    days: Annotated[int, Query(ge=1, le=90)] = 7,
) -> MyActivities:
    """The caller's own activities of the last and next `days` days, each under its purpose."""
    recent, upcoming = reads.by_author(kluis, actor, now, days=days)
    return MyActivities(recent=[public(v) for v in recent], upcoming=[public(v) for v in upcoming])


@router.get("/activities/quiet", response_model=QuietCount)
def quiet_people(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    days: Annotated[int, Query(ge=0, le=3650)] = 90,
) -> QuietCount:
    """How many people had no activity in the last `days` days (admins and the privacy
    officer: it counts everyone, whatever the purpose)."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may count everyone")
    return QuietCount(days=days, people=reads.count_quiet(kluis, now, days))


@router.get("/activities/{activity_id}", response_model=ActivityPublic)
def show_activity(
    kluis: KluisDep, actor: ActorDep, now: NowDep, activity_id: ActivityId, purpose: PurposeQuery
) -> ActivityPublic:
    """One activity, under its own purpose (or one covering everyone); audited."""
    return public(reads.show(kluis, actor, activity_id, purpose, now))


@router.patch("/activities/{activity_id}", response_model=ActivityPublic)
def change_activity(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    activity_id: ActivityId,
    purpose: PurposeQuery,
    body: UpdateBody,
) -> ActivityPublic:
    """Change an activity (its author, an admin or the privacy officer); audited with the names
    of the fields changed, never their values."""
    changes = {
        k: (str(v) if k == "type" else v) for k, v in body.model_dump(exclude_unset=True).items()
    }
    service.change(kluis, actor, activity_id, purpose, changes, now)
    return public(reads.show(kluis, actor, activity_id, purpose, now))


@router.delete("/activities/{activity_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_activity(
    kluis: KluisDep, actor: ActorDep, now: NowDep, activity_id: ActivityId, purpose: PurposeQuery
) -> Response:
    """Delete an activity (its author, an admin or the privacy officer); audited."""
    service.delete(kluis, actor, activity_id, purpose, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/activities/{activity_id}/recording",
    status_code=status.HTTP_201_CREATED,
    response_model=RecordingCreated,
)
def attach_recording(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    activity_id: ActivityId,
    purpose: PurposeQuery,
    file: Annotated[
        UploadFile,
        File(description="The recording, with its content type: " + ", ".join(EVIDENCE_TYPES)),
    ],
) -> RecordingCreated:
    """Attach a call's recording: kept as consent evidence is (Art. 7(1)), under the same
    content and size rules, sealed with the person's key so that erasure makes it unreadable;
    fetched by admins and the privacy officer at `GET /evidence/{evidence_id}`."""
    limit = kluis.settings.evidence_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise InvalidField(f"the recording is over {limit} bytes, the most accepted", field="file")
    recording = Recording(file.content_type or "", data, file.filename)
    evidence_id = service.attach_recording(kluis, actor, activity_id, purpose, recording, now)
    return RecordingCreated(evidence_id=evidence_id)
