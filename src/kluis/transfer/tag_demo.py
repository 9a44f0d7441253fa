"""Tags' part of ``kluis demo``: three invented tags (two business labels and one the admin
marks personal) put on some of the people through the service, under a purpose each person was
collected for, so every link is audited like a real one; and a business label on a few
companies."""

from __future__ import annotations

from datetime import datetime

from kluis.actors import Actor
from kluis.contacts import tags
from kluis.runtime import Kluis
from kluis.transfer.demo import Population

DEMO_TAGS = (
    ("trade-fair", "Beurs 2026", "Trade fair 2026", False, "#2f7d5b"),
    ("reseller", "Wederverkoper", "Reseller", False, "#5b6b7a"),
    ("cycling", "Fietst graag", "Likes cycling", True, "#b5552b"),
)
"""(key, Dutch name, English name, personal, colour): ``cycling`` says something about the
person, so it is personal data and read only under a purpose."""


def demo_tags(k: Kluis, actor: Actor, population: Population, now: datetime) -> dict[str, int]:
    known = {t.key for t in tags.list_tags(k.engine)}
    added = 0
    for key, label_nl, label_en, personal, colour in DEMO_TAGS:
        if key not in known:
            tags.create_tag(
                k, actor, key, label_nl, label_en, now, personal=personal, colour=colour
            )
            added += 1
    rng = population.rng
    tagged = 0
    for person_id, purposes in population.people:
        if not purposes or rng.random() >= 0.3:
            continue
        key = rng.choice(DEMO_TAGS)[0]
        tagged += tags.tag_people(k, actor, [person_id], key, purposes[0], now, via="demo")
    companies = 0
    for company_id in population.company_ids[::3]:
        companies += tags.tag_company(k, actor, company_id, "reseller", now)
    return {"tags": added, "tagged people": tagged, "tagged companies": companies}
