"""Tags' part of ``kluis demo``: three tags (one personal), on some people under a purpose
they were collected for (audited) and on some companies; a second run adds no tags."""

from __future__ import annotations

from conftest import ADMIN, NOW
from kluis.audit import service as audit
from kluis.contacts import tags
from kluis.runtime import Kluis
from kluis.transfer import demo
from kluis.transfer.tag_demo import demo_tags


def test_the_demo_adds_tags_and_puts_them_on_people_and_companies(kluis: Kluis) -> None:
    summary = demo.populate(kluis, ADMIN, 30, NOW, parts=[demo_tags])
    assert summary["tags"] == 3
    assert summary["tagged people"] > 0
    assert summary["tagged companies"] > 0
    declared = {t.key: t.personal for t in tags.list_tags(kluis.engine)}
    assert declared == {"cycling": True, "reseller": False, "trade-fair": False}
    tagged = audit.list_entries(kluis.engine, action="person.tagged")
    assert len(tagged) == summary["tagged people"]
    assert {e.details["via"] for e in tagged} == {"demo"}
    again = demo.populate(kluis, ADMIN, 5, NOW, parts=[demo_tags])
    assert again["tags"] == 0
