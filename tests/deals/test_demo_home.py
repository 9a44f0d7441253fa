"""The deals part of ``kluis demo`` (a pipeline with deals in every stage) and the home page's
"my open deals"."""

from __future__ import annotations

from conftest import ADMIN, NOW, SALES
from deal_helpers import add_deal, pipeline
from kluis.activities import reads
from kluis.actors import SYSTEM
from kluis.auth import service as auth
from kluis.auth import sessions
from kluis.deals import catalogue, home, service
from kluis.deals.demo import demo_deals
from kluis.runtime import Kluis
from kluis.transfer import demo
from kluis.ui.staff import environment


def test_the_demo_has_deals_in_every_stage(kluis: Kluis) -> None:
    summary = demo.populate(kluis, ADMIN, 30, NOW, parts=[demo_deals])
    assert summary["deals"] == 6 * 4
    assert summary["people on deals"] > 0
    assert summary["activities on deals"] == summary["people on deals"]
    (view,) = catalogue.list_pipelines(kluis.engine)
    board = service.board(kluis, ADMIN, view.pipeline.id)
    assert all(c.count == 4 for c in board.columns)
    linked = [
        reads.of_deal(kluis, ADMIN, card.id, NOW)[0]
        for cards in board.cards.values()
        for card in cards
    ]
    assert sum(len(found) for found in linked) == summary["activities on deals"]


def test_my_open_deals(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    user, _password = auth.create_user(kluis.engine, SYSTEM, "sales@example.com", "sales", NOW)
    mine = add_deal(kluis, NOW, 1, owner_id=user.id)
    add_deal(kluis, NOW, 2, owner_id=user.id, stage="won")
    add_deal(kluis, NOW, 3)
    session = sessions.Session(
        token_digest="x", user_id=user.id, email=user.email, role=SALES.role, csrf="x",
        purpose=None, language="nl", must_change_password=False, totp=False,
    )  # fmt: skip
    section = home.my_open_deals(kluis, session, NOW)
    assert section is not None
    assert section.key == "deals"
    assert [d.id for d in section.values["deals"]] == [mine]
    assert section.values["amounts"] == {mine: "€ 1.250,50"}
    page = environment("nl").get_template(section.template).render(section=section)
    assert "€ 1.250,50" in page
