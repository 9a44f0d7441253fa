"""The tasks part of ``kluis demo`` (``kluis.transfer.demo.DemoPart``): a handful of tasks for
every active staff user, some overdue, some today, this week and later, some about nobody and
some about an invented person under a purpose the user's role holds, so "My tasks" and the home
page have something to show on first start; a sales user's tasks about nobody are for the
first deals, when the pipeline's demo made some (the deal page's tasks). Added through the
service: sealed and audited."""

from __future__ import annotations

from datetime import datetime, timedelta

from kluis.actors import Actor, Role, holds_purpose
from kluis.purposes.service import list_purposes
from kluis.runtime import Kluis
from kluis.tasks import reading, repository, rules, service
from kluis.transfer.demo import Population

ABOUT_NOBODY = (
    "Order new brochures for the fair",
    "Renew the stand booking",
    "Prepare the quarterly figures",
    "Check the price list before Monday",
)
ABOUT_SOMEONE = (
    "Call back about the last order",
    "Send the offer we discussed",
    "Ask how the delivery went",
    "Confirm the appointment",
)
DAYS = (-2, 0, 0, 2, 9)
"""Due days relative to today: overdue, today (twice), this week or next, later."""


def demo_part(k: Kluis, actor: Actor, population: Population, now: datetime) -> dict[str, int]:
    rng = population.rng
    today = rules.today(now, k.settings.time_zone)
    roles = {p.key: p.roles for p in list_purposes(k.engine)}
    added = 0
    with k.engine.connect() as conn:
        deals = repository.some_deals(conn, 6)
    for user_id, _email, role in reading.colleagues(k):
        held = [
            (person, key)
            for person, keys in population.people
            for key in keys
            if holds_purpose(Role(role), roles.get(key, ()))
        ]
        for n, days in enumerate(DAYS):
            about = rng.choice(held) if held and n % 2 == 1 else None
            title = rng.choice(ABOUT_SOMEONE if about else ABOUT_NOBODY)
            service.add(
                k,
                actor,
                service.NewTask(
                    title=title,
                    due_on=today + timedelta(days=days),
                    priority=rng.choice(("low", "normal", "normal", "high")),
                    assignee_id=user_id,
                    person_id=about[0] if about else None,
                    purpose_key=about[1] if about else None,
                    deal_id=deals.pop() if deals and about is None and role == "sales" else None,
                ),
                now,
            )
            added += 1
    return {"tasks": added}
