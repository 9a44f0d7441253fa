"""The task commands: ``kluis tasks add|list|done|reopen``. Listed in ``kluis.slices``; they
call the services, never SQL. The operator acts as an admin, who has no tasks of their own, so
``add`` and ``list`` name the staff user (``--for``)."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kluis import console
from kluis.auth import service as auth
from kluis.errors import InvalidField, NotFound
from kluis.runtime import Kluis
from kluis.tasks import reading, service
from kluis.tasks.access import TaskView

tasks_app = console.Commands()

ForOption = Annotated[str, typer.Option("--for", help="The staff user's e-mail address.")]


def _user(kluis: Kluis, email: str) -> int:
    try:
        return auth.find_user(kluis.engine, email).id
    except NotFound:
        raise NotFound("there is no staff user with that address", field="for") from None


def _plain(view: TaskView) -> dict[str, Any]:
    return {
        "id": view.id,
        "title": view.title,
        "due_on": view.due_on.isoformat(),
        "due_time": view.due_time.strftime("%H:%M") if view.due_time else None,
        "priority": view.priority,
        "assignee": view.assignee,
        "bucket": view.bucket.value if view.bucket else None,
        "done_at": view.done_at,
        "person_id": view.person_id,
        "purpose": view.purpose_key,
        "company_id": view.company_id,
        "deal_id": view.deal_id,
    }


def _line(view: TaskView) -> str:
    when = view.due_on.isoformat() + (f" {view.due_time:%H:%M}" if view.due_time else "")
    state = "done" if view.done_at else (view.bucket.value if view.bucket else "")
    title = view.title if view.title is not None else "(about a person, another purpose)"
    about = f"  person {view.person_id} ({view.purpose_key})" if view.person_id else ""
    return f"{view.id}  {when}  {state}  {view.priority}  {title}{about}"


@tasks_app.command("add")
def add(
    title: str,
    due: Annotated[str, typer.Option("--due", help="The day it is due: YYYY-MM-DD.")],
    for_: ForOption,
    time_: Annotated[str | None, typer.Option("--time", help="A time of day: HH:MM.")] = None,
    priority: Annotated[str, typer.Option("--priority", help="low, normal or high.")] = "normal",
    notes: Annotated[str | None, typer.Option("--notes")] = None,
    person: Annotated[str | None, typer.Option("--person", help="The person it is about.")] = None,
    purpose: Annotated[
        str | None,
        typer.Option("--purpose", help="The purpose it is worked under (with --person)."),
    ] = None,
    company: Annotated[
        int | None, typer.Option("--company", help="The company it is about.")
    ] = None,
    deal: Annotated[int | None, typer.Option("--deal", help="The deal it is for.")] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Add a task for a staff user; about a person (--person and --purpose) its title and notes
    are sealed with the person's key."""
    at = console.moment(None)
    with console.opened() as kluis:
        task_id = service.add(
            kluis,
            console.actor(),
            service.NewTask(
                title=title,
                due_on=due,
                due_time=time_,
                priority=priority,
                notes=notes,
                assignee_id=_user(kluis, for_),
                person_id=person,
                purpose_key=purpose,
                company_id=company,
                deal_id=deal,
            ),
            at,
        )
        view = reading.get(kluis, console.actor(), task_id, at)
    if as_json:
        console.print_json(_plain(view))
        return
    console.out.print(f"Added task {task_id} for {view.assignee}.", markup=False)


@tasks_app.command("list")
def list_(
    for_: Annotated[
        str | None, typer.Option("--for", help="The staff user's e-mail address.")
    ] = None,
    person: Annotated[str | None, typer.Option("--person")] = None,
    purpose: Annotated[str | None, typer.Option("--purpose")] = None,
    as_json: console.JsonOption = False,
) -> None:
    """A staff user's open tasks (--for), earliest first, or a person's under a purpose
    (--person and --purpose)."""
    at = console.moment(None)
    with console.opened() as kluis:
        if person is not None or purpose is not None:
            views = reading.of_person(
                kluis, console.actor(), person or "", purpose or "", at, via="cli"
            )
        elif for_ is not None:
            views = reading.assigned(kluis, console.actor(), _user(kluis, for_), at, via="cli")
        else:
            raise InvalidField(
                "say whose tasks: --for EMAIL, or --person ID --purpose KEY", field="for"
            )
    if as_json:
        console.print_json([_plain(v) for v in views])
        return
    for view in views:
        console.out.print(_line(view), markup=False)
    if not views:
        console.out.print("No open tasks.", markup=False)


@tasks_app.command("done")
def done(task_id: str, as_json: console.JsonOption = False) -> None:
    """Mark a task done (done twice is done once)."""
    at = console.moment(None)
    with console.opened() as kluis:
        service.complete(kluis, console.actor(), task_id, at)
        view = reading.get(kluis, console.actor(), task_id, at)
    if as_json:
        console.print_json(_plain(view))
        return
    console.out.print(f"Task {task_id} is done.", markup=False)


@tasks_app.command("reopen")
def reopen(task_id: str, as_json: console.JsonOption = False) -> None:
    """Open a done task again."""
    at = console.moment(None)
    with console.opened() as kluis:
        service.reopen(kluis, console.actor(), task_id, at)
        view = reading.get(kluis, console.actor(), task_id, at)
    if as_json:
        console.print_json(_plain(view))
        return
    console.out.print(f"Task {task_id} is open again.", markup=False)
