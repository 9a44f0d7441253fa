"""Staff pages of tasks: "My tasks" (overdue, today, this week, later; done toggles are plain
forms, so they work without JavaScript), the task form (for oneself or a colleague; about one
person, or one task each for a list's selection posted as repeated ``person_id`` fields), a
task's page to change or delete it, and the user's choice of the daily reminder. Thin: every
action calls ``kluis.tasks.service`` or ``reading``, which check and audit."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth import colleagues
from kluis.auth.shell import SessionDep, checked_form
from kluis.errors import KluisError
from kluis.purposes.shell import working_purpose
from kluis.tasks import reading, rules, service
from kluis.tasks.access import TaskView
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

FIELDS = ("title", "notes", "due_on", "due_time", "priority", "assignee", "deal_id")
WORDS = (
    N_("low"),
    N_("normal"),
    N_("high"),
    N_("title is empty; say what is to be done"),
    N_("priority must be low, normal or high"),
    N_("due date is missing; give a day as YYYY-MM-DD"),
    N_("due date is not a day in the form YYYY-MM-DD"),
    N_("due time is not a time of day in the form HH:MM"),
    N_("a task about a person needs the purpose it is worked under"),
    N_("a purpose is given only with the person it is about"),
    N_("choose at least one person"),
)
"""Words the pages show that are not in a template: priorities and the service's refusals
(a refusal with a value in it stays English)."""
MAX_PEOPLE = 500
"""The most people one form makes tasks for (a list's page of selection)."""


def grouped(views: list[TaskView]) -> dict[str, list[TaskView]]:
    """Open tasks by bucket in page order, then ``done`` (done in the last day)."""
    groups: dict[str, list[TaskView]] = {b.value: [] for b in rules.BUCKETS}
    groups["done"] = []
    for view in views:
        groups[view.bucket.value if view.bucket else "done"].append(view)
    return groups


def _back(value: str, default: str) -> str:
    return value if value.startswith(f"{PREFIX}/") and "//" not in value else default


@router.get("/tasks")
def my_tasks(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> HTMLResponse:
    views = reading.mine(k, session.actor, now)
    return staff.render(
        k,
        request,
        "staff/tasks.html",
        session,
        staff.gettext(session.language, "My tasks"),
        groups=grouped(views),
        reminders=reading.reminders_on(k, session.actor),
        may_log=True,
    )


@router.post("/tasks/reminders")
async def choose_reminders(
    request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    reading.set_reminders(k, session.actor, staff.text(form, "reminders") == "on", now)
    return staff.redirect(f"{PREFIX}/tasks")


def _form(
    k: KluisDep,
    request: Request,
    session: Any,
    *,
    values: dict[str, str],
    people: list[str],
    task: TaskView | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    purpose = working_purpose(k, session) if people or (task and task.person_id) else None
    title = (
        staff.gettext(session.language, "Change task")
        if task is not None
        else staff.gettext(session.language, "New task")
    )
    return staff.render(
        k,
        request,
        "staff/task_form.html",
        session,
        title,
        status=status,
        values=values,
        people=people,
        task=task,
        about_purpose=purpose,
        colleagues=colleagues.colleagues(k.engine, session.role, session.language),
        with_role=colleagues.shows_addresses(session.role),
        priorities=[p.value for p in rules.Priority],
        error=error,
    )


@router.get("/tasks/new")
def new_task_form(
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    person_id: str = "",
    deal_id: str = "",
) -> HTMLResponse:
    values = {"due_on": rules.today(now, k.settings.time_zone).isoformat(), "priority": "normal"}
    values["assignee"] = str(session.user_id)
    values["deal_id"] = deal_id if deal_id.isdigit() else ""
    return _form(k, request, session, values=values, people=[person_id] if person_id else [])


@router.post("/tasks/new")
async def new_task(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    """Without a title (a list's selection posted here): the form for those people; with one:
    one task, or one per person, under the working purpose."""
    form = await checked_form(request, session)
    people = [p for p in (str(v).strip() for v in form.getlist("person_id")) if p][:MAX_PEOPLE]
    values = {name: staff.text(form, name) for name in FIELDS}
    if "title" not in form:
        values.update(
            due_on=rules.today(now, k.settings.time_zone).isoformat(),
            priority="normal",
            assignee=str(session.user_id),
        )
        return _form(k, request, session, values=values, people=people)
    purpose = working_purpose(k, session)
    try:
        new = service.NewTask(
            title=values["title"],
            due_on=values["due_on"],
            due_time=values["due_time"] or None,
            priority=values["priority"] or None,
            notes=values["notes"] or None,
            assignee_id=int(values["assignee"]) if values["assignee"].isdigit() else None,
            purpose_key=purpose.key if people and purpose else None,
            deal_id=int(values["deal_id"]) if values["deal_id"].isdigit() else None,
        )
        if len(people) > 1:
            service.add_for_people(k, session.actor, new, people, now)
        else:
            service.add(
                k,
                session.actor,
                replace(new, person_id=people[0] if people else None),
                now,
            )
    except KluisError as exc:
        if exc.status >= 500:
            raise
        return _form(
            k,
            request,
            session,
            values=values,
            people=people,
            error=staff.error_text(session.language, exc),
            status=exc.status,
        )
    if new.deal_id is not None:  # added from the deal's page: back to it
        return staff.redirect(f"{PREFIX}/deals/{new.deal_id}#deal-work")
    if len(people) == 1:
        return staff.redirect(f"{PREFIX}/contacts/{people[0]}#tasks-h")
    return staff.redirect(f"{PREFIX}/tasks")


@router.get("/tasks/{task_id}")
def task_page(
    task_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    task = reading.get(k, session.actor, task_id, now)
    values = {
        "title": task.title or "",
        "notes": task.notes or "",
        "due_on": task.due_on.isoformat(),
        "due_time": task.due_time.strftime("%H:%M") if task.due_time else "",
        "priority": task.priority,
        "assignee": str(task.assignee_id),
    }
    return _form(k, request, session, values=values, people=[], task=task)


@router.post("/tasks/{task_id}")
async def change_task(
    task_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    values = {name: staff.text(form, name) for name in FIELDS}
    task = reading.get(k, session.actor, task_id, now)
    changes: dict[str, Any] = {
        "due_on": values["due_on"],
        "due_time": values["due_time"] or None,
        "priority": values["priority"],
    }
    if not task.hidden:
        changes.update(title=values["title"], notes=values["notes"] or None)
    if values["assignee"].isdigit() and int(values["assignee"]) != task.assignee_id:
        changes["assignee_id"] = int(values["assignee"])
    try:
        service.edit(k, session.actor, task_id, changes, now)
    except KluisError as exc:
        if exc.status >= 500:
            raise
        return _form(
            k,
            request,
            session,
            values=values,
            people=[],
            task=task,
            error=staff.error_text(session.language, exc),
            status=exc.status,
        )
    return staff.redirect(f"{PREFIX}/tasks")


@router.post("/tasks/{task_id}/done")
async def done(
    task_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    log = staff.text(form, "log_activity") or None
    service.complete(k, session.actor, task_id, now, log_activity=log)
    return staff.redirect(_back(staff.text(form, "back"), f"{PREFIX}/tasks"))


@router.post("/tasks/{task_id}/reopen")
async def reopen(
    task_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    service.reopen(k, session.actor, task_id, now)
    return staff.redirect(_back(staff.text(form, "back"), f"{PREFIX}/tasks"))


@router.post("/tasks/{task_id}/delete")
async def delete(
    task_id: str, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    await checked_form(request, session)
    service.delete(k, session.actor, task_id, now)
    return staff.redirect(f"{PREFIX}/tasks")
