"""The privacy-requests pages: taking a request in from the queue page."""

from __future__ import annotations

import pytest

from conftest import ADMIN, NOW
from factories import add_person
from kluis.messaging import service as messaging
from kluis.requests import mails
from kluis.requests import service as requests
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
    assert "14 apr 2026" in shown.text  # one calendar month after NOW


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


def test_a_mail_waiting_for_a_mail_server_says_so_on_the_request_page(kluis: Kluis) -> None:
    """Without ``KLUIS_SMTP_URL`` a request is carried out and its copy waits, queued: the page
    says what it waits for."""
    person = add_person(kluis, ADMIN, NOW, 2)
    made = requests.create(kluis, ADMIN, "access", NOW, person_id=person, verified_by="id_document")
    requests.process(kluis, ADMIN, made.id, NOW)
    [mail] = requests.get(kluis, ADMIN, made.id, NOW).mails
    with pytest.raises(messaging.MailNotConfigured):
        mails.send(kluis, mail["id"], NOW, None)
    client, _csrf = signed_in(kluis, "privacy_officer")
    shown = client.get(f"/app/requests/{made.id}")
    assert shown.status_code == 200
    assert "wacht op een mailserver (KLUIS_SMTP_URL)" in shown.text
