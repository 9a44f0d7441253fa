"""Staff pages of the sales pipeline that look across deals: the list with its filters (owner,
stage, close month, value range), the forecast (weighted value per month and owner; won and
lost per month with the reasons), the CSV of the list under the working purpose, and the
admins' page to edit a pipeline's stages."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from kluis.api import KluisDep, NowDep
from kluis.auth import colleagues
from kluis.auth.shell import SessionDep, checked_form
from kluis.deals import catalogue, export, rules, service
from kluis.deals.pages import helpers, owner_choices
from kluis.deals.repository import Filters
from kluis.errors import InvalidField, KluisError, PurposeRefused
from kluis.purposes.shell import working_purpose
from kluis.ui import staff
from kluis.ui.staff import PREFIX
from kluis.ui.vocabulary import N_

router = APIRouter(prefix=PREFIX, route_class=staff.StaffRoute, default_response_class=HTMLResponse)

PAGE_SIZE = 50
SERVICE_MESSAGES = (
    N_("a month is written YYYY-MM, such as 2026-03"),
    N_("value is an amount such as 1250 or 1250.50, with at most two decimals"),
    N_("value has at most two decimals"),
    N_("currency is an ISO 4217 code such as EUR, USD or GBP"),
    N_("say why the deal was lost"),
    N_("a deal needs a title of at most 200 characters"),
    N_("expected_close is a date, YYYY-MM-DD"),
    N_("a pipeline needs an English and a Dutch name"),
    N_("a stage needs an English and a Dutch name"),
    N_("a pipeline needs at least one open stage, one won stage and one lost stage"),
    N_("a won stage has probability 100"),
    N_("a lost stage has probability 0"),
    N_("each stage of a pipeline has its own key"),
    N_("probability is a whole percentage from 0 to 100"),
    N_("kind is open, won or lost"),
    N_("key is lower-case letters, digits and _ (at most 40), starting with a letter"),
    N_("an amount such as 1000"),
)
"""What the deals services say when they refuse, listed so the extractor finds it."""
Page = Annotated[int, Query(ge=1, le=100_000)]
Text = Annotated[str, Query(max_length=40)]


def _amount(value: str, name: str) -> Decimal | None:
    if not value:
        return None
    try:
        return rules.parse_amount(value)
    except InvalidField:
        raise InvalidField("an amount such as 1000", field=name) from None


def _filters(pipeline: str, owner: str, stage: str, month: str, low: str, high: str) -> Filters:
    close_from = close_before = None
    if month:
        close_from, close_before = rules.month_bounds(month)
    return Filters(
        pipeline_id=int(pipeline) if pipeline.isdigit() else None,
        owner_id=int(owner) if owner.isdigit() else None,
        stage_id=int(stage) if stage.isdigit() else None,
        close_from=close_from,
        close_before=close_before,
        min_value=_amount(low, "min_value"),
        max_value=_amount(high, "max_value"),
    )


@router.get("/deals/list")
def list_page(
    request: Request,
    k: KluisDep,
    session: SessionDep,
    pipeline: Text = "",
    owner: Text = "",
    stage: Text = "",
    month: Text = "",
    min_value: Text = "",
    max_value: Text = "",
    page: Page = 1,
) -> HTMLResponse:
    asked = {
        "pipeline": pipeline, "owner": owner, "stage": stage, "month": month,
        "min_value": min_value, "max_value": max_value,
    }  # fmt: skip
    error = None
    try:
        filters = _filters(pipeline, owner, stage, month, min_value, max_value)
    except InvalidField as exc:
        filters, error = Filters(), staff.error_text(session.language, exc)
    rows, total = service.list_deals(
        k, session.actor, filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    query = urlencode({n: v for n, v in asked.items() if v})
    return staff.render(
        k,
        request,
        "staff/deals_list.html",
        session,
        staff.gettext(session.language, "Deals"),
        status=422 if error else 200,
        error=error,
        deals=rows,
        total=total,
        asked=asked,
        query=query,
        page=page,
        pages=max(1, -(-total // PAGE_SIZE)),
        stages={s.id: s for p in catalogue.list_pipelines(k.engine) for s in p.stages},
        users=owner_choices(k, session),
        owners=colleagues.names(k.engine, session.role, session.language),
        **helpers(session.language),
    )


@router.get("/deals/export.csv")
def export_csv(
    k: KluisDep,
    now: NowDep,
    session: SessionDep,
    pipeline: Text = "",
    owner: Text = "",
    stage: Text = "",
    month: Text = "",
    min_value: Text = "",
    max_value: Text = "",
) -> Response:
    purpose = working_purpose(k, session)
    if purpose is None:
        raise PurposeRefused("choose the purpose you work under first", field="purpose")
    filters = _filters(pipeline, owner, stage, month, min_value, max_value)
    chunks = list(export.deals_csv(k, session.actor, purpose.key, filters, now, session.language))
    return StreamingResponse(
        iter(chunks),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="deals.csv"'},
    )


@router.get("/deals/forecast")
def forecast_page(
    request: Request, k: KluisDep, session: SessionDep, pipeline: Text = ""
) -> HTMLResponse:
    chosen = int(pipeline) if pipeline.isdigit() else None
    found = service.forecast(k, session.actor, chosen)
    return staff.render(
        k,
        request,
        "staff/deals_forecast.html",
        session,
        staff.gettext(session.language, "Forecast"),
        view=found,
        owners=colleagues.names(k.engine, session.role, session.language),
        pipeline=chosen,
        pipelines=catalogue.list_pipelines(k.engine),
        no_date=rules.NO_DATE,
        **helpers(session.language),
    )


def _pipeline_form(
    k: KluisDep, request: Request, session: Any, pipeline_id: int, error: KluisError | None
) -> HTMLResponse:
    view = catalogue.get_pipeline(k.engine, pipeline_id)
    return staff.render(
        k,
        request,
        "staff/pipeline_form.html",
        session,
        view.pipeline.name(session.language),
        status=error.status if error else 200,
        view=view,
        kinds=[kind.value for kind in rules.StageKind],
        error=staff.error_text(session.language, error) if error else None,
    )


@router.get("/deals/pipelines/{pipeline_id:int}")
def pipeline_form(
    pipeline_id: int, request: Request, k: KluisDep, session: SessionDep
) -> HTMLResponse:
    catalogue.may_manage(session.actor)
    return _pipeline_form(k, request, session, pipeline_id, None)


@router.post("/deals/pipelines/{pipeline_id:int}")
async def pipeline_save(
    pipeline_id: int, request: Request, k: KluisDep, now: NowDep, session: SessionDep
) -> Response:
    form = await checked_form(request, session)
    wanted: list[tuple[int | None, rules.StageSpec]] = []
    try:
        for n in range(int(staff.text(form, "count") or "0") + 1):
            key = staff.text(form, f"key_{n}")
            if not key:
                continue
            stage_id = staff.text(form, f"id_{n}")
            probability = staff.text(form, f"probability_{n}")
            if not probability.isdigit():
                raise InvalidField("probability is a whole percentage from 0 to 100")
            kind = staff.text(form, f"kind_{n}") or "open"
            if kind not in {k.value for k in rules.StageKind}:
                raise InvalidField("kind is open, won or lost", field="kind")
            wanted.append(
                (
                    int(stage_id) if stage_id.isdigit() else None,
                    rules.StageSpec(
                        key,
                        staff.text(form, f"name_en_{n}"),
                        staff.text(form, f"name_nl_{n}"),
                        int(probability),
                        rules.StageKind(kind),
                    ),
                )
            )
        catalogue.change_pipeline(
            k.engine,
            session.actor,
            pipeline_id,
            now,
            name_en=staff.text(form, "name_en"),
            name_nl=staff.text(form, "name_nl"),
            stages=wanted,
        )
    except InvalidField as exc:
        return _pipeline_form(k, request, session, pipeline_id, exc)
    return staff.redirect(f"{PREFIX}/deals/board/{pipeline_id}")
