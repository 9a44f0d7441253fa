"""No English on a Dutch page, continued (issue 15): the pages and mails ``test_dutch.py`` does
not reach, through its checker. Finished privacy requests of every type (their outcome said in
Dutch, what was sent to the person), the request queue's closed list, a staff user's page, a
company's form, a person's consent wordings, the two-factor page, a campaign's results; the
refusal about one person of a selection ("persoon …:"); and the mails a finished request, a
lifted restriction, a final erasure certificate, a connected system's notice and the daily task
reminder send.
The deals pages, call lists and test sends are checked in their own slices' tests."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fastapi.testclient import TestClient

from api_helpers import client_for
from conftest import ADMIN, NOW
from factories import EVERY_PAIR, add_person
from kluis.connected import delivery
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import flags
from kluis.contacts.companies import create_company
from kluis.messaging import campaigns
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.requests import final_certificate
from kluis.runtime import Kluis
from kluis.tasks import reading, reminders
from kluis.tasks import service as tasks
from kluis.tasks.service import NewTask
from mailserver import MailServer
from staff_helpers import choose, make_user, sign_in
from task_helpers import staff
from test_dutch import NOTICE_NL, SPRING, Seen, client_of, visible

REQUESTS = "/api/v1/requests"


def _transport(smtp: MailServer) -> SmtpTransport:
    return SmtpTransport(parse_smtp_url(smtp.url), sleep=lambda _s: None)


def _officer(kluis: Kluis, smtp: MailServer) -> TestClient:
    api = client_for(kluis, "privacy_officer", now=NOW)
    api.app.state.transport_factory = lambda: _transport(smtp)  # type: ignore[attr-defined]
    return api


def _finished(api: TestClient, kind: str, person: str, **body: object) -> int:
    made = api.post(REQUESTS, json={"type": kind, "person_id": person})
    assert made.status_code == 201, made.text
    number = int(made.json()["id"])
    api.post(f"{REQUESTS}/{number}/verify", json={"verified_by": "known_address"})
    done = api.post(f"{REQUESTS}/{number}/process", json=body)
    assert done.status_code == 200, done.text
    return number


def test_finished_requests_and_the_pages_around_them_are_dutch(
    kluis: Kluis, smtp: MailServer
) -> None:
    seen = Seen(kluis)
    api = _officer(kluis, smtp)
    people = [add_person(kluis, ADMIN, NOW, n, language="nl") for n in range(31, 37)]
    kept = add_person(
        kluis, ADMIN, NOW, 37, language="nl", purposes=("customer_service", "invoicing")
    )
    numbers = {
        "access": _finished(api, "access", people[0]),
        "rectification": _finished(
            api, "rectification", people[1], changes={"family_name": "Jansen"}
        ),
        "restriction": _finished(api, "restriction", people[2]),
        "objection": _finished(api, "objection", people[3]),
        "erasure": _finished(api, "erasure", people[4]),
        "erasure, kept by law": _finished(api, "erasure", kept),
    }
    lifted = api.post(f"{REQUESTS}/{numbers['restriction']}/lift", json={})
    assert lifted.status_code == 200, lifted.text
    refused = api.post(REQUESTS, json={"type": "access", "person_id": people[5]}).json()["id"]
    api.post(f"{REQUESTS}/{refused}/refuse", json={"reason": "Geen bewijs van identiteit."})
    numbers["refused"] = refused
    for message in smtp.received:
        seen.mail(str(message["Subject"]), message)

    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    choose(client, csrf, "customer_service")
    queue = seen.page("/app/requests", client.get("/app/requests"))
    assert "Verbeterd: Achternaam (art. 16)." in queue
    for what, number in numbers.items():
        page = seen.page(f"request, {what}", client.get(f"/app/requests/{number}"))
        assert 'id="request-outcome"' in page, what
    restricted = client.get(f"/app/requests/{numbers['restriction']}").text
    assert "Opgeheven op 14 maart 2026." in restricted

    company = create_company(kluis, ADMIN, {"name": "Bakkerij Visser"}, NOW).id
    user = client.get("/app/admin/users").text.split('href="/app/admin/users/')[1].split('"')[0]
    for path in (f"/app/companies/{company}/edit", f"/app/admin/users/{user}", "/app/two-factor"):
        seen.page(path, client.get(path))
    # the grant form's wordings for one pair: a fragment the form fetches, not a whole page
    wordings = client.get(f"/app/contacts/{people[0]}/consent/wordings?channel=email&topic=offers")
    assert wordings.status_code == 200, wordings.text
    seen.texts["consent wordings"] = visible(wordings.text)
    seen.check()


def test_a_refusal_about_one_person_of_a_selection_names_them_in_dutch(
    kluis: Kluis, smtp: MailServer
) -> None:
    """The bulk action refuses the whole selection for one person, said before the refusal:
    "persoon …: Een marketingdoel kan niet worden toegevoegd: …" (the API and the CLI keep
    "person …: email_marketing cannot be added: …")."""
    seen = Seen(kluis)
    fine = add_person(kluis, ADMIN, NOW, 41, language="nl")
    objecting = add_person(kluis, ADMIN, NOW, 42, language="nl")
    flags.set_flag(kluis, ADMIN, objecting, "objection", True, "letter", NOW)
    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    choose(client, csrf, "customer_service")
    refused = client.post(
        "/app/contacts/selection/purpose",
        data={
            "csrf": csrf,
            "person_id": [fine, objecting],
            "add_purpose": "existing_customer_marketing",
        },
    )
    page = seen.page("selection refused", refused, 403)
    assert f"persoon {objecting}: Een marketingdoel kan niet worden toegevoegd" in page
    seen.check()


def test_the_mails_of_a_final_certificate_a_connected_system_and_the_task_reminder_are_dutch(
    kluis: Kluis, smtp: MailServer
) -> None:
    seen = Seen(kluis)
    api = _officer(kluis, smtp)
    for name, reach, extra in (
        ("Boekhouding", "manual", {"instructions": "Verwijder de debiteurkaart."}),
        ("Drukkerij", "email", {"contact_email": "privacy@drukkerij.example.com"}),
    ):
        made = api.post(
            "/api/v1/systems",
            json={
                "name": name,
                "reach": reach,
                "kind": "recipient",
                "purposes": ["customer_service"],
                **extra,
            },
        )
        assert made.status_code == 201, made.text
    person = add_person(kluis, ADMIN, NOW, 51, language="nl", purposes=("customer_service",))
    linked = api.put(f"/api/v1/people/{person}/systems/Drukkerij", json={"external_id": "DR-51"})
    assert linked.status_code == 204, linked.text
    number = _finished(api, "erasure", person)
    sent = delivery.deliver_due(kluis, NOW, transport=lambda: _transport(smtp))
    assert sent.sent == 1
    due = datetime.fromisoformat(api.get(f"{REQUESTS}/{number}").json()["deadline"])
    near = due - timedelta(days=1)
    assert final_certificate.complete_waiting(kluis, near, lambda: _transport(smtp)) == 1
    subjects = [str(m["Subject"]) for m in smtp.received]
    assert len(subjects) >= 4, subjects
    for message in smtp.received:
        seen.mail(f"{message['To']}: {message['Subject']}", message)

    morning = datetime(2026, 3, 16, 7, 30, tzinfo=UTC)
    sales = staff(kluis, "sales")
    reading.set_reminders(kluis, sales, True, morning)
    tasks.add(kluis, sales, NewTask("Folders bestellen", date(2026, 3, 16)), morning)
    tasks.add(kluis, sales, NewTask("Stand betalen", date(2026, 3, 14)), morning)
    before = len(smtp.received)
    assert reminders.send_daily(kluis, morning, lambda: _transport(smtp)).sent == 1
    seen.mail("task reminder", smtp.received[before])
    seen.check()


def test_a_campaigns_results_page_is_dutch(kluis: Kluis, smtp: MailServer) -> None:
    seen = Seen(kluis)
    notice = catalogue.add_notice(kluis, ADMIN, "nl", NOTICE_NL, NOW, covers=EVERY_PAIR).id
    person = add_person(
        kluis, ADMIN, NOW, 61, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    consent.record(
        kluis,
        ADMIN,
        person,
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="web_form", notice_id=notice),
    )
    made = campaigns.create_campaign(kluis, ADMIN, SPRING, NOW)
    campaigns.send_campaign(
        kluis, ADMIN, made.id, lambda: NOW, lambda: _transport(smtp), sleep=lambda _s: None
    )
    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    choose(client, csrf, "email_marketing")
    seen.page("campaign results", client.get(f"/app/campaigns/{made.id}/results"))
    seen.check()
