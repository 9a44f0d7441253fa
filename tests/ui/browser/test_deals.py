"""The deals board in a real browser: a deal moved with the card's own form (the POST that works
without JavaScript) and dragged onto another column (the small script submits the same form),
and the forecast following each move; in Dutch and in English."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from browser_helpers import Site, sign_in, work_for
from conftest import NOW
from kluis.actors import Actor, Role
from kluis.deals import catalogue, service


def _deal(site: Site) -> int:
    catalogue.load_default_pipeline(site.kluis.engine, NOW)
    sales = Actor(ref="user:1", role=Role.ADMIN, user_id=1)
    values = {"title": "Nieuwe ovens", "value": "1000", "expected_close": "2026-04-15"}
    return service.create_deal(site.kluis, sales, values, NOW).deal.id


def drag(page: Page, source: str, target: str) -> None:
    """Drag ``source`` onto ``target`` as the browser's drag and drop reports it to the page
    (dragstart, dragover, drop with one DataTransfer): headless Chromium does not start a
    native drag from synthetic mouse moves."""
    moved = page.evaluate_handle("() => new DataTransfer()")
    page.locator(source).dispatch_event("dragstart", {"dataTransfer": moved})
    page.locator(target).dispatch_event("dragover", {"dataTransfer": moved})
    page.locator(target).dispatch_event("drop", {"dataTransfer": moved})


def test_move_a_deal_with_the_form_and_by_dragging(page: Page, site: Site) -> None:
    deal_id = _deal(site)
    sign_in(page)
    work_for(page, "Opvolging verkoop")
    page.goto("/app/deals/forecast")
    expect(page.locator("#forecast tr.month .weighted")).to_have_text("€ 100,00")

    page.goto("/app/deals")
    card = page.locator(f"#deal-{deal_id}")
    expect(page.locator("#column-lead .count")).to_have_text("1 deal")
    card.get_by_label("Verplaatsen naar").select_option(label="Onderhandeling")
    card.get_by_role("button", name="Verplaatsen").click()
    expect(page.locator("#column-negotiation .count")).to_have_text("1 deal")
    expect(page.locator("#column-lead .count")).to_have_text("0 deals")
    page.goto("/app/deals/forecast")
    expect(page.locator("#forecast tr.month .weighted")).to_have_text("€ 750,00")

    page.goto("/app/deals")
    drag(page, f"#deal-{deal_id}", "#column-won h2")
    expect(page.locator("#column-won .count")).to_have_text("1 deal")
    page.goto("/app/deals/forecast")
    expect(page.locator("#forecast-total")).to_contain_text("0 open deals")
    expect(page.locator("#outcomes .won")).to_contain_text("€ 1.000,00")

    page.get_by_role("button", name="English").click()
    expect(page.locator("#outcomes .won")).to_contain_text("€1,000.00")
    expect(page.get_by_role("heading", name="Won and lost per month")).to_be_visible()
