"""JSON API of tasks; thin: each route calls one service function."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, Path, Query, Response, status
from pydantic import BaseModel

from kluis.api import PROBLEMS, KluisDep, NowDep
from kluis.auth import service as auth
from kluis.auth.deps import ActorDep
from kluis.errors import NotFound
from kluis.runtime import Kluis
from kluis.tasks import reading, service
from kluis.tasks.access import TaskView
from kluis.tasks.schemas import TaskCreate, TaskDone, TaskPublic, TaskUpdate

if TYPE_CHECKING:
    CreateBody = BaseModel
    UpdateBody = BaseModel
    DoneBody = BaseModel
else:
    CreateBody = TaskCreate
    UpdateBody = TaskUpdate
    DoneBody = TaskDone

router = APIRouter(prefix="/tasks", tags=["tasks"], responses=PROBLEMS)
TaskId = Annotated[str, Path(max_length=36, pattern=r"^[0-9a-f-]+$")]
NoNul = r"^[^\x00]*$"


def public(view: TaskView, activity: str | None = None) -> TaskPublic:
    return TaskPublic(
        id=view.id,
        title=view.title,
        notes=view.notes,
        due_on=view.due_on,
        due_time=view.due_time.strftime("%H:%M") if view.due_time else None,
        priority=view.priority,
        assignee=view.assignee,
        bucket=view.bucket.value if view.bucket else None,
        done_at=view.done_at,
        created_at=view.created_at,
        person_id=view.person_id,
        purpose=view.purpose_key,
        company_id=view.company_id,
        activity_id=view.activity_id,
        deal_id=view.deal_id,
        activity_logged=activity,
    )


def _user_id(kluis: Kluis, email: str | None) -> int | None:
    if email is None:
        return None
    try:
        return auth.find_user(kluis.engine, email).id
    except NotFound:
        raise NotFound("there is no staff user with that address", field="assignee") from None


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskPublic)
def create_task(kluis: KluisDep, actor: ActorDep, now: NowDep, body: CreateBody) -> TaskPublic:
    """Add a task; about a person, its title and notes are sealed with the person's key."""
    assert isinstance(body, TaskCreate)
    task_id = service.add(
        kluis,
        actor,
        service.NewTask(
            title=body.title,
            due_on=body.due_on,
            due_time=body.due_time,
            priority=body.priority,
            notes=body.notes,
            assignee_id=_user_id(kluis, body.assignee),
            person_id=body.person_id,
            purpose_key=body.purpose,
            company_id=body.company_id,
            activity_id=body.activity_id,
            deal_id=body.deal_id,
        ),
        now,
    )
    return public(reading.get(kluis, actor, task_id, now))


@router.get("", response_model=list[TaskPublic])
def list_tasks(
    kluis: KluisDep,
    actor: ActorDep,
    now: NowDep,
    person_id: Annotated[str | None, Query(max_length=36, pattern=NoNul)] = None,
    purpose: Annotated[str | None, Query(max_length=60, pattern=NoNul)] = None,
) -> list[TaskPublic]:
    """Your open tasks (and those done in the last day), earliest first; with ``person_id`` and
    ``purpose``: the tasks about that person worked under that purpose."""
    if person_id is not None or purpose is not None:
        views = reading.of_person(kluis, actor, person_id or "", purpose or "", now, via="api")
    else:
        views = reading.mine(kluis, actor, now, via="api")
    return [public(v) for v in views]


@router.get("/{task_id}", response_model=TaskPublic)
def get_task(kluis: KluisDep, actor: ActorDep, now: NowDep, task_id: TaskId) -> TaskPublic:
    return public(reading.get(kluis, actor, task_id, now))


@router.patch("/{task_id}", response_model=TaskPublic)
def update_task(
    kluis: KluisDep, actor: ActorDep, now: NowDep, task_id: TaskId, body: UpdateBody
) -> TaskPublic:
    assert isinstance(body, TaskUpdate)
    changes: dict[str, Any] = body.model_dump(exclude_unset=True)
    if "assignee" in changes:
        changes["assignee_id"] = _user_id(kluis, changes.pop("assignee"))
    service.edit(kluis, actor, task_id, changes, now)
    return public(reading.get(kluis, actor, task_id, now))


@router.post("/{task_id}/done", response_model=TaskPublic)
def complete_task(
    kluis: KluisDep, actor: ActorDep, now: NowDep, task_id: TaskId, body: DoneBody | None = None
) -> TaskPublic:
    """Mark the task done (done twice is done once)."""
    log = body.log_activity if isinstance(body, TaskDone) else None
    text = body.body if isinstance(body, TaskDone) else None
    activity = service.complete(kluis, actor, task_id, now, log_activity=log, body=text)
    return public(reading.get(kluis, actor, task_id, now), activity)


@router.post("/{task_id}/reopen", response_model=TaskPublic)
def reopen_task(kluis: KluisDep, actor: ActorDep, now: NowDep, task_id: TaskId) -> TaskPublic:
    service.reopen(kluis, actor, task_id, now)
    return public(reading.get(kluis, actor, task_id, now))


@router.delete("/{task_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_task(kluis: KluisDep, actor: ActorDep, now: NowDep, task_id: TaskId) -> Response:
    service.delete(kluis, actor, task_id, now)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
