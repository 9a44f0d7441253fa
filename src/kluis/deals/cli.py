"""``kluis deals add|list|move|won|lost``: deals from the command line, through the services
(audited as the operator, ``cli:<user>``). Listed in ``kluis.slices``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from kluis import console
from kluis.db import utcnow
from kluis.deals import catalogue, rules, service
from kluis.deals.repository import Filters
from kluis.deals.service import DealView

deals_app = console.Commands()

Id = Annotated[int, typer.Argument(help="The deal's id.", min=1)]


def _public(view: DealView) -> dict[str, Any]:
    d = view.deal
    return {
        "id": d.id,
        "title": d.title,
        "pipeline": view.pipeline.key,
        "stage": view.stage.key,
        "kind": view.stage.kind.value,
        "value": f"{d.value:.2f}",
        "currency": d.currency,
        "probability": d.probability,
        "weighted_value": f"{d.weighted:.2f}",
        "expected_close": d.expected_close.isoformat() if d.expected_close else None,
        "owner_id": d.owner_id,
        "company_id": d.company_id,
        "source": d.source,
        "lost_reason": d.lost_reason,
        "purpose": d.purpose_key,
    }


def _show(view: DealView, as_json: bool) -> None:
    if as_json:
        console.print_json(_public(view))
        return
    d = view.deal
    console.out.print(
        f"deal {d.id}: {d.title} · {view.stage.key} · {d.currency} {d.value:.2f} "
        f"({d.probability}%)",
        markup=False,
    )


@deals_app.command("add")
def add(
    title: Annotated[str, typer.Argument(help="What the deal is about.")],
    value: Annotated[str, typer.Option(help="The amount, such as 1250.50.")] = "0",
    currency: Annotated[str, typer.Option(help="ISO 4217 code.")] = "EUR",
    company: Annotated[int | None, typer.Option(help="The company's id.")] = None,
    close: Annotated[str | None, typer.Option(help="Expected close date, YYYY-MM-DD.")] = None,
    owner: Annotated[int | None, typer.Option(help="The owning staff user's id.")] = None,
    source: Annotated[str | None, typer.Option(help="Where the deal came from.")] = None,
    pipeline: Annotated[int | None, typer.Option(help="The pipeline's id (the first).")] = None,
    stage: Annotated[str | None, typer.Option(help="A stage key (the first open one).")] = None,
    purpose: Annotated[
        str, typer.Option(help="The purpose the deal's people are linked under.")
    ] = service.DEFAULT_PURPOSE,
    as_json: console.JsonOption = False,
) -> None:
    """Add a deal to a pipeline."""
    values: dict[str, Any] = {"title": title, "value": value, "currency": currency}
    optional = {"company_id": company, "expected_close": close, "owner_id": owner, "source": source}
    values.update({n: v for n, v in optional.items() if v is not None})
    with console.opened() as kluis:
        view = service.create_deal(
            kluis,
            console.actor(),
            values,
            utcnow(),
            pipeline_id=pipeline,
            stage=stage,
            purpose=purpose,
            source="cli",
        )
    _show(view, as_json)


@deals_app.command("list")
def list_deals(
    pipeline: Annotated[int | None, typer.Option(help="Only this pipeline's deals.")] = None,
    owner: Annotated[int | None, typer.Option(help="Only this staff user's deals.")] = None,
    month: Annotated[str | None, typer.Option(help="Expected close in YYYY-MM.")] = None,
    open_only: Annotated[bool, typer.Option("--open", help="Only open deals.")] = False,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many.")] = 100,
    as_json: console.JsonOption = False,
) -> None:
    """List deals, soonest expected close first."""
    bounds = rules.month_bounds(month) if month else (None, None)
    filters = Filters(
        pipeline_id=pipeline,
        owner_id=owner,
        close_from=bounds[0],
        close_before=bounds[1],
        open_only=open_only,
    )
    with console.opened() as kluis:
        rows, total = service.list_deals(kluis, console.actor(), filters, limit=limit)
        stages = {s.id: s for p in catalogue.list_pipelines(kluis.engine) for s in p.stages}
    if as_json:
        console.print_json(
            {
                "total": total,
                "items": [
                    {
                        "id": d.id,
                        "title": d.title,
                        "stage": stages[d.stage_id].key,
                        "value": f"{d.value:.2f}",
                        "currency": d.currency,
                        "probability": d.probability,
                        "expected_close": d.expected_close.isoformat()
                        if d.expected_close
                        else None,
                        "owner_id": d.owner_id,
                    }
                    for d in rows
                ],
            }
        )
        return
    for d in rows:
        close = d.expected_close.isoformat() if d.expected_close else "-"
        console.out.print(
            f"{d.id}\t{stages[d.stage_id].key}\t{d.currency} {d.value:.2f}\t{close}\t{d.title}",
            markup=False,
        )
    console.out.print(f"{total} deals.", markup=False)


@deals_app.command("move")
def move(
    deal_id: Id,
    stage: Annotated[str, typer.Argument(help="The key of a stage of the deal's pipeline.")],
    reason: Annotated[str | None, typer.Option(help="Why it was lost (for a lost stage).")] = None,
    as_json: console.JsonOption = False,
) -> None:
    """Move a deal to another stage of its pipeline."""
    with console.opened() as kluis:
        view = service.move_deal(
            kluis, console.actor(), deal_id, stage, utcnow(), lost_reason=reason
        )
    _show(view, as_json)


@deals_app.command("won")
def won(deal_id: Id, as_json: console.JsonOption = False) -> None:
    """Mark a deal won."""
    with console.opened() as kluis:
        view = service.close_deal(kluis, console.actor(), deal_id, rules.StageKind.WON, utcnow())
    _show(view, as_json)


@deals_app.command("lost")
def lost(
    deal_id: Id,
    reason: Annotated[str, typer.Option(help="Why the deal was lost.")],
    as_json: console.JsonOption = False,
) -> None:
    """Mark a deal lost, with the reason."""
    with console.opened() as kluis:
        view = service.close_deal(
            kluis, console.actor(), deal_id, rules.StageKind.LOST, utcnow(), lost_reason=reason
        )
    _show(view, as_json)
