"""Plain factories for deals tests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from conftest import SALES
from kluis.actors import Actor
from kluis.deals import catalogue, service
from kluis.runtime import Kluis


def pipeline(kluis: Kluis, now: datetime) -> int:
    catalogue.load_default_pipeline(kluis.engine, now)
    return catalogue.list_pipelines(kluis.engine)[0].pipeline.id


def add_deal(
    kluis: Kluis, now: datetime, n: int = 1, *, actor: Actor = SALES, **values: Any
) -> int:
    fields: dict[str, Any] = {"title": f"Bakery ovens {n}", "value": "1250.50"}
    fields.update(values)
    stage = fields.pop("stage", None)
    reason = fields.pop("lost_reason", None)
    return service.create_deal(kluis, actor, fields, now, stage=stage, lost_reason=reason).deal.id
