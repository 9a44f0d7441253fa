"""The staff pages of connected systems, on SQLite and PostgreSQL: the register with its add
form (a webhook's secret shown once) and a new secret, for admins and the privacy officer only;
a privacy request's page lists each system's notice, and a manual step is ticked there."""

from __future__ import annotations

from conftest import ADMIN, NOW
from factories import add_person
from kluis.connected import service, tracking
from kluis.contacts import flags
from kluis.requests import service as requests
from kluis.runtime import Kluis
from staff_helpers import csrf_of, signed_in


def test_the_register_page_adds_a_system_and_shows_its_secret_once(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "privacy_officer")
    page = client.get("/app/compliance/systems")
    assert page.status_code == 200
    assert "Nog geen gekoppelde systemen." in page.text
    added = client.post(
        "/app/compliance/systems",
        data={
            "csrf": csrf,
            "name": "Webshop",
            "kind": "processor",
            "reach": "webhook",
            "webhook_url": "https://shop.example.com/kluis",
            "purposes": "customer_service",
        },
    )
    assert added.status_code == 200
    assert "whsec_" in added.text
    again = client.get("/app/compliance/systems")
    assert "Webshop" in again.text
    assert "whsec_" not in again.text
    [system] = service.systems(kluis, ADMIN, NOW)
    rotated = client.post(f"/app/compliance/systems/{system.id}/rotate", data={"csrf": csrf})
    assert "whsec_" in rotated.text
    bad = client.post(
        "/app/compliance/systems",
        data={"csrf": csrf, "name": "Mailer", "kind": "processor", "reach": "email"},
    )
    assert bad.status_code == 422
    assert "heeft het adres van zijn privacycontact nodig" in bad.text
    twice = client.post(
        "/app/compliance/systems",
        data={"csrf": csrf, "name": "Webshop", "kind": "processor", "reach": "manual"},
    )
    assert twice.status_code == 409
    assert "Er is al een systeem met de naam Webshop." in twice.text
    without_csrf = client.post("/app/compliance/systems", data={"name": "X", "reach": "manual"})
    assert without_csrf.status_code in (400, 403)


def test_marketing_may_not_see_the_register(kluis: Kluis) -> None:
    client, _ = signed_in(kluis, "marketing")
    assert client.get("/app/compliance/systems").status_code == 403


def test_the_request_page_lists_the_notices_and_ticks_a_manual_step(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 1)
    service.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Archive cabinet",
        kind="recipient",
        reach="manual",
        purposes=["customer_service"],
        instructions="Take the card out of drawer 3.",
    )
    request = requests.create(kluis, ADMIN, "restriction", NOW, person_id=person)
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "privacy_request", NOW)
    client, _ = signed_in(kluis, "privacy_officer")
    page = client.get(f"/app/requests/{request.id}")
    assert "Archive cabinet" in page.text
    assert "Take the card out of drawer 3." in page.text
    [notice] = tracking.for_request(kluis, person)
    ticked = client.post(
        f"/app/connected/notices/{notice.id}/tick",
        data={"csrf": csrf_of(page.text), "back": f"/app/requests/{request.id}"},
        follow_redirects=False,
    )
    assert ticked.status_code == 303
    assert ticked.headers["location"] == f"/app/requests/{request.id}"
    [done] = tracking.for_request(kluis, person)
    assert done.state == "confirmed"
    assert done.confirmed_by == "staff"
