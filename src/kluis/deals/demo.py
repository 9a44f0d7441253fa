"""The pipeline's part of ``kluis demo``: the default pipeline with invented deals in every
stage, some with a company and with prospects on them (linked under ``sales_follow_up``), and
a few won and lost with reasons, so the board and the forecast have something to show; each
prospect on a deal has a meeting logged for it (the deal page's activities)."""

from __future__ import annotations

from datetime import datetime, timedelta

from kluis.activities import rules as activity_rules
from kluis.activities import service as activities
from kluis.actors import Actor
from kluis.deals import catalogue, people, rules, service
from kluis.runtime import Kluis
from kluis.transfer.demo import Population

TITLES = (
    "Nieuwe ovens", "Onderhoudscontract", "Webshop", "Bedrijfsfietsen", "Koffiemachines",
    "Tuinontwerp", "Training", "Licenties", "Verbouwing", "Adviestraject",
)  # fmt: skip
REASONS = ("Te duur", "Gekozen voor een concurrent", "Geen budget dit jaar")
PER_STAGE = 4


def demo_deals(k: Kluis, actor: Actor, population: Population, now: datetime) -> dict[str, int]:
    catalogue.load_default_pipeline(k.engine, now)
    view = catalogue.list_pipelines(k.engine)[0]
    rng = population.rng
    prospects = [p for p, keys in population.people if service.DEFAULT_PURPOSE in keys]
    made = linked = logged = 0
    for stage in view.stages:
        for n in range(PER_STAGE):
            values = {
                "title": f"{rng.choice(TITLES)} {made + 1}",
                "value": f"{rng.randint(5, 400) * 250}",
                "expected_close": (now + timedelta(days=rng.randint(-20, 150))).date(),
                "source": rng.choice(("website", "beurs", "doorverwijzing")),
            }
            if population.company_ids and n % 2 == 0:
                values["company_id"] = rng.choice(list(population.company_ids))
            reason = rng.choice(REASONS) if stage.kind is rules.StageKind.LOST else None
            deal = service.create_deal(
                k, actor, values, now, pipeline_id=view.pipeline.id, stage=stage.key,
                lost_reason=reason, source="demo",
            )  # fmt: skip
            made += 1
            if prospects and n % 2 == 1:
                person = prospects[(made * 7) % len(prospects)]
                people.link_person(k, actor, deal.deal.id, person, "decision_maker", now)
                linked += 1
                draft = activity_rules.Draft(
                    type="meeting",
                    subject=f"Gesprek over {values['title']}",
                    occurred_at=now - timedelta(days=rng.randint(1, 30)),
                    duration_minutes=30,
                    deal_id=deal.deal.id,
                )
                activities.log(k, actor, person, service.DEFAULT_PURPOSE, draft, now)
                logged += 1
    return {"deals": made, "people on deals": linked, "activities on deals": logged}
