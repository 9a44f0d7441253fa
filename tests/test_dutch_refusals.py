"""No English on a Dutch page, for the refusals built from values (issue 15): each is posted on
a Dutch staff page and must read in Dutch, its values (a request's number, its state) filled in
and a state named in words, not as a code. The API and the CLI keep their English ``detail``
(checked at the end). ``test_dutch.py`` holds the pages themselves and the simpler refusals;
this file shares its checker."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from api_helpers import client_for
from conftest import ADMIN, NOW
from factories import EVERY_PAIR, add_person
from kluis.consent import catalogue
from kluis.messaging import campaigns
from kluis.messaging.tables import Campaign
from kluis.retention import service as retention
from kluis.runtime import Kluis
from kluis.transfer import writer
from mailserver import MailServer
from staff_helpers import choose, csrf_of, make_user, sign_in
from test_dutch import NOTICE_NL, SPRING, Seen, client_of

EXPECTED = {
    "verified twice": "Een verzoek met de status geverifieerd kan niet geverifieerd worden.",
    "extension of three months": "Een verlenging is één of twee maanden",
    "extension without a reason": "Geef de reden voor de verlenging",
    "second extension": "Dit verzoek is al verlengd",
    "refusal without a reason": "Geef de reden; de persoon krijgt die te horen",
    "processed before verifying": "Stel eerst de identiteit van de aanvrager vast",
    "rectification without a change": "Zeg wat er verbeterd moet worden",
    "a change outside a rectification": "Alleen een verzoek om rectificatie wijzigt gegevens",
    "lifting an access request": "Alleen een afgerond verzoek om beperking kan worden opgeheven",
    "extending a completed request": "is afgerond.",
    "processing a completed request": "is al afgerond.",
    "erasure under a legal hold": "Een juridische bewaarplicht houdt de gegevens",
    "details too long": "De toelichting is hoogstens 4000 tekens lang.",
    "phone campaign sent": "Een telefooncampagne wordt niet verzonden",
    "post campaign sent": "Een postcampagne wordt niet verzonden",
    "campaign sent twice": "is al verzonden.",
    "campaign without a topic": "Kies het onderwerp van de campagne.",
    "evidence that is not a PDF": "De inhoud van het bestand is niet wat de soort zegt",
    "empty evidence": "Het bewijsbestand is leeg.",
    "evidence of an unknown kind": "Dit soort bestand wordt niet als bewijs aangenomen",
    "no lawful basis": "Kies een van de zes grondslagen van art. 6 lid 1.",
    "no retention anchor": "Kies waarvandaan de bewaartermijn telt",
    "no data category": "schoenmaat is geen sleutel van een fideslang-gegevenscategorie.",
    "no retention period": "De bewaartermijn is geen ISO 8601-duur",
    "import review with rejects": "De waarde past niet bij haar kolom.",
    "import job with rejects": "Import",
}
"""Each refusal by name, and a piece of its Dutch sentence on the page."""


def _requests(kluis: Kluis, client: TestClient, csrf: str, seen: Seen) -> None:
    api = client_for(kluis, "privacy_officer", now=NOW)

    def made(kind: str, person: str, verified: bool = True) -> str:
        answer = api.post("/api/v1/requests", json={"type": kind, "person_id": person})
        assert answer.status_code == 201, answer.text
        number = answer.json()["id"]
        if verified:
            api.post(f"/api/v1/requests/{number}/verify", json={"verified_by": "known_address"})
        return f"/app/requests/{number}"

    def post(name: str, path: str, status: int = 422, **form: str) -> None:
        seen.page(name, client.post(path, data={"csrf": csrf, **form}), status)

    person = add_person(kluis, ADMIN, NOW, 11, language="nl")
    access = made("access", person)
    post("verified twice", f"{access}/verify", verified_by="known_address")
    post("extension of three months", f"{access}/extend", months="3", reason="Veel werk.")
    post("extension without a reason", f"{access}/extend", months="1", reason=" ")
    post("a change outside a rectification", f"{access}/process", field="given_name", value="X")
    post("lifting an access request", f"{access}/lift")
    client.post(f"{access}/extend", data={"csrf": csrf, "months": "1", "reason": "Veel werk."})
    post("second extension", f"{access}/extend", months="1", reason="Nog meer werk.")
    post("refusal without a reason", f"{access}/refuse", reason=" ")
    done = made("access", person)
    assert client.post(f"{done}/process", data={"csrf": csrf}).status_code == 200
    post("extending a completed request", f"{done}/extend", months="1", reason="Laat.")
    post("processing a completed request", f"{done}/process")
    post("processed before verifying", f"{made('access', person, verified=False)}/process")
    post("rectification without a change", f"{made('rectification', person)}/process")
    held = add_person(kluis, ADMIN, NOW, 12, language="nl")
    retention.add_hold(kluis, ADMIN, held, "Zaak 2026-114", NOW + timedelta(days=90), NOW)
    post("erasure under a legal hold", f"{made('erasure', held)}/process")
    post("details too long", "/app/requests", type="access", who=person, details="x" * 4001)


def _campaigns(kluis: Kluis, client: TestClient, csrf: str, seen: Seen) -> None:
    def send(name: str, campaign: int, status: int) -> None:
        sent = client.post(f"/app/campaigns/{campaign}/send", data={"csrf": csrf})
        seen.page(name, sent, status)

    phone = {
        "name": "Bellen",
        "topic": "offers",
        "channel": "phone",
        "body_nl": "Hallo, u spreekt met de bakkerij.",
        "body_en": "Hello, this is the bakery.",
    }
    send("phone campaign sent", campaigns.create_campaign(kluis, ADMIN, phone, NOW).id, 409)
    letter = campaigns.create_campaign(kluis, ADMIN, {**SPRING, "channel": "post"}, NOW).id
    send("post campaign sent", letter, 422)
    spring = campaigns.create_campaign(kluis, ADMIN, SPRING, NOW).id
    with kluis.engine.begin() as conn:
        conn.execute(update(Campaign).where(Campaign.id == spring).values(status="sent"))
    send("campaign sent twice", spring, 409)
    page = client.get("/app/campaigns/new").text
    no_topic = {**SPRING, "topic": "", "csrf": csrf_of(page), "channel": "email"}
    seen.page("campaign without a topic", client.post("/app/campaigns/new", data=no_topic), 422)


def _evidence(kluis: Kluis, client: TestClient, csrf: str, seen: Seen) -> None:
    person = add_person(kluis, ADMIN, NOW, 13, language="nl")
    notice = catalogue.add_notice(kluis, ADMIN, "nl", NOTICE_NL, NOW, covers=EVERY_PAIR).id
    grant = {
        "csrf": csrf,
        "channel": "email",
        "topic": "offers",
        "method": "paper_form",
        "notice": str(notice),
    }
    for name, upload in [
        ("evidence that is not a PDF", ("formulier.pdf", b"geen pdf", "application/pdf")),
        ("empty evidence", ("formulier.pdf", b"", "application/pdf")),
        ("evidence of an unknown kind", ("formulier.xyz", b"iets", "application/x-kluis")),
    ]:
        posted = client.post(
            f"/app/contacts/{person}/consent", data=grant, files={"evidence": upload}
        )
        seen.page(name, posted, 422)


def _purposes(client: TestClient, csrf: str, seen: Seen) -> None:
    path = "/app/compliance/purposes/customer_service"
    form = client.get(path).text
    assert 'name="legitimate_interest_nl"' in form
    for name, change in [
        ("no lawful basis", {"lawful_basis": "omdat"}),
        ("no retention anchor", {"retention_anchor": "ooit"}),
        ("no data category", {"data_categories": "schoenmaat"}),
        ("no retention period", {"retention": "twee jaar"}),
    ]:
        posted = {
            "csrf": csrf,
            "name_nl": "Klantenservice",
            "name_en": "Customer service",
            "lawful_basis": "contract",
            "data_categories": "user.name",
            "data_use": "essential.service.operations.support",
            "retention": "P2Y",
            "retention_anchor": "last_interaction",
            **change,
        }
        seen.page(name, client.post(path, data=posted), 422)


def _imports(client: TestClient, csrf: str, seen: Seen) -> None:
    """A file with a bad address and a line of too many cells: the trial run and the job name
    each reject's reason in Dutch, a bad value's detail too ("Geen geldig e-mailadres.")."""
    upload = client.post(
        "/app/admin/imports",
        data={"csrf": csrf, "purposes": ["customer_service"]},
        files={
            "file": (
                "a.csv",
                b"Voornaam,E-mail\nEva,eva.kok@\nJan,jan.smit@example.com,rood\n"
                b"Noor,noor.bos@example.com\n",
            )
        },
    )
    review = upload.headers["location"]
    page = seen.page("import review with rejects", client.get(review))
    assert "De regel heeft meer cellen dan de kopregel kolommen heeft." in page
    assert "Geen geldig e-mailadres." in page
    job = client.post(f"{review}/run", data={"csrf": csrf}).headers["location"]
    page = seen.page("import job with rejects", client.get(job))
    assert "De regel heeft meer cellen dan de kopregel kolommen heeft." in page


def test_an_import_that_stopped_says_why_in_dutch(
    kluis: Kluis, smtp: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job that failed on no refusal keeps the exception's class name as its English
    ``error`` (the API's) and says on the page that it stopped, in Dutch."""

    def broken(*_args: object) -> list[object]:
        raise OSError("disk full")

    monkeypatch.setattr(writer.BatchWriter, "write", broken)
    seen = Seen(kluis)
    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    upload = client.post(
        "/app/admin/imports",
        data={"csrf": csrf, "purposes": ["customer_service"]},
        files={"file": ("a.csv", b"Voornaam,E-mail\nEva,eva.kok@example.com\n")},
    )
    review = upload.headers["location"]
    job = client.post(f"{review}/run", data={"csrf": csrf}).headers["location"]
    page = seen.page("import job stopped", client.get(job))
    assert "De import is gestopt door een onverwachte fout (OSError)" in page
    api = client_for(kluis, "admin", now=NOW)
    assert api.get(f"/api/v1/imports/{job.rsplit('/', 1)[1]}").json()["error"] == "OSError"
    seen.check()


def test_every_refusal_built_from_values_reads_in_dutch(kluis: Kluis, smtp: MailServer) -> None:
    seen = Seen(kluis)
    client = client_of(kluis, smtp)
    csrf = sign_in(client, make_user(kluis, "admin"))
    choose(client, csrf, "customer_service")
    _requests(kluis, client, csrf, seen)
    _campaigns(kluis, client, csrf, seen)
    _evidence(kluis, client, csrf, seen)
    _purposes(client, csrf, seen)
    _imports(client, csrf, seen)
    assert set(seen.texts) == set(EXPECTED)
    for name, dutch in EXPECTED.items():
        assert dutch in seen.texts[name], (name, seen.texts[name][:600])
    seen.check()


def test_the_api_keeps_the_english_detail(kluis: Kluis) -> None:
    api = client_for(kluis, "privacy_officer", now=NOW)
    person = add_person(kluis, ADMIN, NOW, 14, language="nl")
    number = api.post("/api/v1/requests", json={"type": "access", "person_id": person}).json()
    verify = f"/api/v1/requests/{number['id']}/verify"
    api.post(verify, json={"verified_by": "known_address"})
    answer = api.post(verify, json={"verified_by": "known_address"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "a request that is verified cannot become verified"
