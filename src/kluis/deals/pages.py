"""Staff pages of the sales pipeline: the board of a pipeline (a column per stage with its
count and total value; each card moves with a small form, so the board works without
JavaScript), a deal's page (its people read under the deal's purpose, its stage history) and
adding a deal. Thin: everything goes through ``deals.service`` and ``deals.people``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from kluis.api import KluisDep, NowDep
from kluis.auth import colleagues, sessions
from kluis.auth.shell import SessionDep, checked_form
from kluis.contacts import business_fields, business_forms, companies
from kluis.deals import catalogue, formats, people, service, work
from kluis.errors import InvalidField, KluisError, NotFound
from kluis.purposes.service import list_purposes
from kluis.ui import staff
from kluis.ui.staff import PREFIX

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)


def helpers(language: str) -> dict[str, Any]:
    """What the deals templates use: amounts in the reader's language, role names."""
    return {**formats.helpers(language), "role_labels": people.ROLE_LABELS}


def owner_choices(k: KluisDep, session: sessions.Session) -> list[tuple[int, str]]:
    """The active staff users a deal may be given to, named for the viewer's role
    (``auth.colleagues``: addresses for admins only)."""
    return [(c.id, c.name) for c in colleagues.colleagues(k.engine, session.role, session.language)]


@router.get("/deals")
def deals_home(k: KluisDep, session: SessionDep) -> Response:
    service.may_read(session.actor)
    found = catalogue.list_pipelines(k.engine)
    if not found:
        raise NotFound("there is no pipeline yet; an admin runs `kluis init`")
    return staff.redirect(f"{PREFIX}/deals/board/{found[0].pipeline.id}")


@router.get("/deals/board/{pipeline_id:int}")
def board_page(
    pipeline_id: int, request: Request, k: KluisDep, session: SessionDep
) -> HTMLResponse:
    board = service.board(k, session.actor, pipeline_id)
    return staff.render(
        k,
        request,
        "staff/deals_board.html",
        session,
        board.pipeline.name(session.language),
        board=board,
        pipelines=catalogue.list_pipelines(k.engine),
        may_write=session.role in service.WRITE_ROLES,
        **helpers(session.language),
    )


@router.post("/deals/{deal_id:int}/move")
async def move(
    deal_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    stage = staff.text(form, "stage")
    view = service.move_deal(
        k,
        session.actor,
        deal_id,
        int(stage) if stage.isdigit() else stage,
        now,
        lost_reason=staff.text(form, "lost_reason") or None,
    )
    if staff.text(form, "back") == "deal":
        return staff.redirect(f"{PREFIX}/deals/{deal_id}")
    return staff.redirect(f"{PREFIX}/deals/board/{view.deal.pipeline_id}#deal-{deal_id}")


def _form(
    k: KluisDep,
    request: Request,
    session: sessions.Session,
    values: dict[str, str],
    error: KluisError | None = None,
) -> HTMLResponse:
    found, _ = companies.list_companies(k, limit=500, offset=0)
    return staff.render(
        k,
        request,
        "staff/deal_form.html",
        session,
        staff.gettext(session.language, "New deal"),
        status=error.status if error else 200,
        values=values,
        pipelines=catalogue.list_pipelines(k.engine),
        companies=found,
        users=owner_choices(k, session),
        plain_fields=business_fields.fields(k, "deal"),
        error_field=error.field if error else None,
        error=staff.error_text(session.language, error) if error else None,
    )


@router.get("/deals/new")
def new_form(request: Request, k: KluisDep, session: SessionDep) -> HTMLResponse:
    service.may_write(session.actor)
    return _form(k, request, session, {"currency": "EUR", "owner_id": str(session.user_id)})


FORM_FIELDS = ("title", "company_id", "value", "currency", "expected_close", "owner_id", "source")


@router.post("/deals/new")
async def create(request: Request, k: KluisDep, now: NowDep, session: SessionDep) -> Response:
    form = await checked_form(request, session)
    values = {name: staff.text(form, name) for name in (*FORM_FIELDS, "pipeline_id")}
    given: dict[str, Any] = {n: values[n] or None for n in FORM_FIELDS}
    custom = business_forms.posted_custom(form, business_fields.fields(k, "deal"))
    given["custom"] = custom
    try:
        for name in ("company_id", "owner_id"):
            if given[name] is not None:
                given[name] = int(given[name]) if given[name].isdigit() else -1
        pipeline = values["pipeline_id"]
        made = service.create_deal(
            k,
            session.actor,
            given,
            now,
            pipeline_id=int(pipeline) if pipeline.isdigit() else None,
            source="web",
        )
    except KluisError as exc:
        return _form(k, request, session, {**values, **business_forms.as_form(custom)}, exc)
    return staff.redirect(f"{PREFIX}/deals/{made.deal.id}")


@router.get("/deals/{deal_id:int}")
def deal_page(
    deal_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> HTMLResponse:
    return _deal_page(deal_id, request, k, now, session)


def _deal_page(
    deal_id: int,
    request: Request,
    k: KluisDep,
    now: NowDep,
    session: sessions.Session,
    posted: dict[str, Any] | None = None,
    error: KluisError | None = None,
) -> HTMLResponse:
    view = service.get_deal(k, session.actor, deal_id)
    return staff.render(
        k,
        request,
        "staff/deal.html",
        session,
        view.deal.title,
        status=error.status if error else 200,
        view=view,
        plain_fields=business_fields.fields(k, "deal"),
        plain_values=view.custom,
        values=business_forms.as_form(view.custom) if posted is None else posted,
        error_field=error.field if error else None,
        error=staff.error_text(session.language, error) if error else None,
        stages=catalogue.get_pipeline(k.engine, view.deal.pipeline_id).stages,
        on_deal=people.people_of_deal(k, session.actor, deal_id, now),
        purpose_names={
            p.key: p.name_nl if session.language == "nl" else p.name_en
            for p in list_purposes(k.engine)
        },
        history=service.history(k, session.actor, deal_id),
        owners=colleagues.names(k.engine, session.role, session.language),
        may_write=session.role in service.WRITE_ROLES,
        roles=people.ROLES,
        **work.panels(k, request, session, deal_id, now),
        **helpers(session.language),
    )


@router.post("/deals/{deal_id:int}/fields")
async def fields(
    deal_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    """The deal's plain custom fields, as the form on its page fills them in."""
    form = await checked_form(request, session)
    custom = business_forms.posted_custom(form, business_fields.fields(k, "deal"))
    try:
        service.update_deal(k, session.actor, deal_id, {"custom": custom}, now)
    except InvalidField as exc:
        shown = business_forms.as_form(custom)
        return _deal_page(deal_id, request, k, now, session, shown, exc)
    return staff.redirect(f"{PREFIX}/deals/{deal_id}")


@router.post("/deals/{deal_id:int}/people")
async def link(
    deal_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    people.link_person(
        k,
        session.actor,
        deal_id,
        staff.text(form, "person_id"),
        staff.text(form, "role") or "contact",
        now,
    )
    return staff.redirect(f"{PREFIX}/deals/{deal_id}")
