"""The privacy-requests pages: taking a request in from the queue page."""

from __future__ import annotations

from conftest import ADMIN, NOW
from factories import add_person
from kluis.runtime import Kluis
from staff_helpers import signed_in


def test_a_request_taken_in_on_the_queue_page_opens_its_page(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW, 1, email="jorien.ploeg@example.com")
    client, csrf = signed_in(kluis, "privacy_officer")
    assert client.get("/app/requests").status_code == 200
    made = client.post(
        "/app/requests",
        data={
            "csrf": csrf,
            "type": "access",
            "who": "jorien.ploeg@example.com",
            "verified_by": "id_document",
        },
    )
    assert made.status_code == 303
    assert "jorien" not in made.headers["location"]
    shown = client.get(made.headers["location"])
    assert shown.status_code == 200
    assert "2026-04-14" in shown.text  # one calendar month after NOW


def test_an_unknown_address_is_named_as_the_problem_on_the_page(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "privacy_officer")
    refused = client.post(
        "/app/requests", data={"csrf": csrf, "type": "erasure", "who": "nobody@example.com"}
    )
    assert refused.status_code == 404
    assert "Art. 15(1)" in refused.text


def test_the_form_needs_the_session_token(kluis: Kluis) -> None:
    client, _ = signed_in(kluis, "privacy_officer")
    refused = client.post("/app/requests", data={"type": "access", "who": "x@example.com"})
    assert refused.status_code == 403
