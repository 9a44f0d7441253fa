"""Privacy requests end to end through the JSON API, on SQLite and PostgreSQL, with a real token
per role and a real SMTP server (aiosmtpd): each type from receipt to completion, and what
arrived at the mail server, parsed and checked. The app's clock is the ``now`` of each client.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select, text

from api_helpers import TestClient, assert_problem, client_for
from conftest import ADMIN, MARKETING, NOW
from factories import add_person
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.consent.grant_rules import every
from kluis.contacts import repository
from kluis.db import DataBase, KeyringBase
from kluis.messaging.transport import SendFailed, SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

REQUESTS = "/api/v1/requests"
CHANNELS = ("email", "sms", "phone", "whatsapp", "post")


def staff(
    kluis: Kluis, smtp: MailServer | None, role: str = "privacy_officer", now: datetime = NOW
) -> TestClient:
    """A client of ``role`` whose app sends through ``smtp`` and whose clock reads ``now``."""
    made = client_for(kluis, role, now=now)
    if smtp is not None:
        url = smtp.url
        made.app.state.transport_factory = lambda: SmtpTransport(  # type: ignore[attr-defined]
            parse_smtp_url(url), sleep=lambda _s: None
        )
    return made


def created(client: TestClient, **body: Any) -> dict[str, Any]:
    response = client.post(REQUESTS, json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def post(client: TestClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post(path, json=body or {})
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def verified(client: TestClient, type: str, person_id: str, **extra: Any) -> dict[str, Any]:
    """A request of ``type`` for the person, taken in and verified."""
    request = created(client, type=type, person_id=person_id, **extra)
    if request["status"] == "received":
        request = post(
            client, f"{REQUESTS}/{request['id']}/verify", {"verified_by": "known_address"}
        )
    assert request["status"] == "verified"
    return request


def process(client: TestClient, request_id: int, **body: Any) -> dict[str, Any]:
    done = post(client, f"{REQUESTS}/{request_id}/process", body)
    assert done["request"]["status"] == "completed", done
    return done


def plain(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def attachments(mail: EmailMessage) -> dict[str, bytes]:
    found = {}
    for part in mail.iter_attachments():
        assert isinstance(part, EmailMessage)
        content = part.get_content()
        name = part.get_filename()
        assert name is not None
        found[name] = content.encode() if isinstance(content, str) else content
    return found


def decision(client: TestClient, person_id: str, channel: str, kind: str) -> dict[str, Any]:
    response = client.get(
        "/api/v1/decisions",
        params={"contact": person_id, "channel": channel, "kind": kind, "topic": "offers"},
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def actions(kluis: Kluis, person_id: str) -> list[tuple[str, dict[str, Any]]]:
    entries = audit.list_entries(kluis.engine, person_id=person_id, limit=1000)
    return [(e.action, e.details) for e in entries]


def customer(kluis: Kluis, n: int = 1, **extra: Any) -> str:
    extra.setdefault("language", "en")
    return add_person(kluis, ADMIN, NOW, n, **extra)


# Taking requests in -----------------------------------------------------------------------------


def test_a_request_is_received_due_in_a_calendar_month_and_audited(kluis: Kluis) -> None:
    person = customer(kluis)
    client = staff(kluis, None)
    request = created(client, type="access", person_id=person, details="Everything, please.")
    assert request["status"] == "received"
    assert request["verified_by"] is None
    assert request["channel"] == "staff"
    assert request["language"] == "en"
    assert request["type"] == "access"
    assert request["person_id"] == person
    assert datetime.fromisoformat(request["received_at"]) == NOW
    assert datetime.fromisoformat(request["due_at"]) == datetime(2026, 4, 14, 9, 30, tzinfo=UTC)
    assert request["deadline"] == request["due_at"]
    assert (request["days_left"], request["overdue"], request["near"]) == (31, False, False)
    assert request["sent"] == []
    assert request["created_by"].startswith("user:")
    shown = client.get(f"{REQUESTS}/{request['id']}").json()
    assert shown["details"] == "Everything, please."
    [entry] = [d for a, d in actions(kluis, person) if a == "request.created"]
    assert entry == {
        "request_id": request["id"],
        "type": "access",
        "channel": "staff",
        "verified_by": None,
    }


def test_a_request_received_on_31_january_is_due_on_the_last_day_of_february(
    kluis: Kluis,
) -> None:
    person = customer(kluis)
    for received, due in (
        (datetime(2026, 1, 31, 12, tzinfo=UTC), "2026-02-28"),
        (datetime(2028, 1, 31, 12, tzinfo=UTC), "2028-02-29"),
    ):
        request = created(staff(kluis, None, now=received), type="erasure", person_id=person)
        assert request["due_at"].startswith(due)


def test_a_request_is_found_by_the_address_it_came_from(kluis: Kluis) -> None:
    person = customer(kluis, 7)
    client = staff(kluis, None)
    request = created(
        client, type="access", email="fenna.brouwersma7@example.com", verified_by="known_address"
    )
    assert request["person_id"] == person
    assert request["status"] == "verified"
    assert request["verified_by"] == "known_address"


def test_an_unknown_address_is_told_that_no_data_is_held(kluis: Kluis) -> None:
    customer(kluis)
    response = staff(kluis, None).post(
        REQUESTS, json={"type": "access", "email": "nobody@example.com"}
    )
    body = assert_problem(response, 404, "urn:kluis:problem:not-found", "email")
    assert "no personal data" in body["detail"]
    assert "nobody@example.com" not in body["detail"]


def test_a_request_names_the_person_once(kluis: Kluis) -> None:
    person = customer(kluis)
    client = staff(kluis, None)
    both = client.post(
        REQUESTS,
        json={"type": "access", "person_id": person, "email": "fenna.brouwersma1@example.com"},
    )
    assert_problem(both, 422, "urn:kluis:problem:invalid-field", "person_id")
    neither = client.post(REQUESTS, json={"type": "access"})
    assert_problem(neither, 422, "urn:kluis:problem:invalid-field", "person_id")
    unknown = client.post(REQUESTS, json={"type": "access", "person_id": "not-a-person"})
    assert_problem(unknown, 404, "urn:kluis:problem:not-found", "person_id")
    bad_type = client.post(REQUESTS, json={"type": "delete", "person_id": person})
    assert_problem(bad_type, 422)


def test_a_request_is_carried_out_only_after_the_requester_was_verified(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis)
    client = staff(kluis, smtp)
    request = created(client, type="access", person_id=person)
    refused = client.post(f"{REQUESTS}/{request['id']}/process", json={})
    body = assert_problem(refused, 422, "urn:kluis:problem:invalid-field", "status")
    assert "verify" in body["detail"]
    assert smtp.received == []
    assert client.get(f"{REQUESTS}/{request['id']}").json()["status"] == "received"
    again = post(client, f"{REQUESTS}/{request['id']}/verify", {"verified_by": "id_document"})
    assert (again["status"], again["verified_by"]) == ("verified", "id_document")
    twice = client.post(f"{REQUESTS}/{request['id']}/verify", json={"verified_by": "in_person"})
    assert_problem(twice, 422, "urn:kluis:problem:invalid-field", "status")


# Access and portability -------------------------------------------------------------------------


def test_access_sends_the_person_a_copy_as_json_html_and_csv(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis, purposes=("customer_service", "email_marketing"))
    client = staff(kluis, smtp)
    request = verified(client, "access", person)
    done = process(client, request["id"])
    assert done["files"] == {}
    finished = done["request"]
    assert "sent by e-mail" in finished["outcome"]
    assert finished["completed_at"] is not None
    assert finished["recipients_to_notify"] == []
    assert [s["what"] for s in finished["sent"]] == ["request_access"]
    stem = f"request-{request['id']}"
    assert finished["sent"][0]["attachments"] == [f"{stem}.json", f"{stem}.html", f"{stem}.csv"]
    assert "fenna.brouwersma1@example.com" not in json.dumps(finished)
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma1@example.com"
    assert str(request["id"]) in mail["Subject"]
    assert mail["Message-ID"] == finished["sent"][0]["message_id"]
    assert "Art. 15" in plain(mail)
    assert "Fenna1" in plain(mail)
    files = attachments(mail)
    assert sorted(files) == sorted([f"{stem}.json", f"{stem}.html", f"{stem}.csv"])
    package = json.loads(files[f"{stem}.json"])
    assert package["request_id"] == request["id"]
    assert package["person"]["id"] == person
    values = {f["name"]: f["value"] for f in package["person"]["fields"]}
    assert values["given_name"] == "Fenna1"
    assert values["email"] == "fenna.brouwersma1@example.com"
    assert {p["key"] for p in package["purposes"]} == {"customer_service", "email_marketing"}
    assert b"Fenna1" in files[f"{stem}.html"]
    assert b"fenna.brouwersma1@example.com" in files[f"{stem}.csv"]
    done_actions = [a for a, _ in actions(kluis, person)]
    assert "person.exported" in done_actions
    assert "request.answer_sent" in done_actions
    statuses = [d["status"] for a, d in actions(kluis, person) if a == "request.status"]
    assert statuses == ["verified", "in_progress", "completed"]


def test_portability_adds_a_vcard(kluis: Kluis, smtp: MailServer) -> None:
    person = customer(kluis, 2)
    client = staff(kluis, smtp)
    request = verified(client, "portability", person)
    done = process(client, request["id"])
    assert "Art. 20" in done["request"]["outcome"]
    [mail] = smtp.received
    stem = f"request-{request['id']}"
    files = attachments(mail)
    assert sorted(files) == sorted(f"{stem}.{ext}" for ext in ("json", "html", "csv", "vcf"))
    assert "Art. 20" in plain(mail)
    card = files[f"{stem}.vcf"].decode()
    assert "BEGIN:VCARD" in card
    assert "VERSION:4.0" in card
    assert "fenna.brouwersma2@example.com" in card
    assert json.loads(files[f"{stem}.json"])["portable"] is True


def test_with_mail_off_the_copy_is_returned_as_files_to_hand_over(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis)
    client = staff(kluis, smtp)
    request = verified(client, "portability", person)
    done = process(client, request["id"], mail=False)
    stem = f"request-{request['id']}"
    assert sorted(done["files"]) == sorted(f"{stem}.{e}" for e in ("json", "html", "csv", "vcf"))
    assert json.loads(done["files"][f"{stem}.json"])["person"]["id"] == person
    assert "BEGIN:VCARD" in done["files"][f"{stem}.vcf"]
    assert "handed over" in done["request"]["outcome"]
    assert done["request"]["sent"] == []
    assert smtp.received == []


def test_a_person_without_an_address_gets_files_to_hand_over(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis, email=None)
    client = staff(kluis, smtp)
    request = verified(client, "access", person)
    done = process(client, request["id"])
    assert sorted(done["files"]) == [
        f"request-{request['id']}.{e}" for e in ("csv", "html", "json")
    ]
    assert smtp.received == []


# Rectification ----------------------------------------------------------------------------------


def test_rectification_changes_the_field_and_lists_who_must_be_told(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis, purposes=("customer_service", "invoicing"))
    client = staff(kluis, smtp)
    request = verified(client, "rectification", person)
    missing = client.post(f"{REQUESTS}/{request['id']}/process", json={})
    assert_problem(missing, 422, "urn:kluis:problem:invalid-field", "changes")
    done = process(client, request["id"], changes={"family_name": "Jansen", "phone": None})
    assert done["request"]["recipients_to_notify"] == [
        "Accountant",
        "IT service provider (processor)",
        "Tax authority",
    ]
    assert "family_name" in done["request"]["outcome"]
    shown = client.get(f"/api/v1/contacts/{person}", params={"purpose": "customer_service"})
    assert shown.json()["fields"]["family_name"] == "Jansen"
    assert "phone" not in shown.json()["fields"]
    [mail] = smtp.received
    assert "Family name" in plain(mail)
    assert "Art. 16" in plain(mail)
    assert "Art. 19" in plain(mail)
    assert "Jansen" not in json.dumps(done["request"])


def test_changes_belong_to_a_rectification_only(kluis: Kluis, smtp: MailServer) -> None:
    person = customer(kluis)
    client = staff(kluis, smtp)
    request = verified(client, "access", person)
    wrong = client.post(
        f"{REQUESTS}/{request['id']}/process", json={"changes": {"family_name": "Jansen"}}
    )
    assert_problem(wrong, 422, "urn:kluis:problem:invalid-field", "changes")
    assert client.get(f"{REQUESTS}/{request['id']}").json()["status"] == "verified"


# Restriction ------------------------------------------------------------------------------------


def test_restriction_stops_every_message_until_it_is_lifted_telling_the_person_first(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(
        kluis, purposes=("customer_service", "invoicing", "existing_customer_marketing")
    )
    client = staff(kluis, smtp)
    assert decision(client, person, "email", "commercial")["allowed"] is True
    request = verified(client, "restriction", person)
    done = process(client, request["id"])
    assert "Art. 18" in done["request"]["outcome"]
    assert "Accountant" in done["request"]["recipients_to_notify"]
    for channel in CHANNELS:
        for kind in ("commercial", "transactional"):
            refused = decision(client, person, channel, kind)
            assert (refused["allowed"], refused["reason"]) == (False, "restricted")
    read = client.get(f"/api/v1/contacts/{person}", params={"purpose": "customer_service"})
    assert_problem(read, 409, "urn:kluis:problem:restricted")
    [told] = smtp.received
    assert "Art. 18" in plain(told)
    lifted = post(client, f"{REQUESTS}/{request['id']}/lift")
    assert "lifted 2026-03-14" in lifted["outcome"]
    assert [s["what"] for s in lifted["sent"]] == ["request_done", "restriction_lifted"]
    assert len(smtp.received) == 2
    assert "Art. 18(3)" in plain(smtp.received[1])
    assert decision(client, person, "email", "transactional")["allowed"] is True
    assert client.get(
        f"/api/v1/contacts/{person}", params={"purpose": "customer_service"}
    ).is_success
    entries = actions(kluis, person)
    told_at = max(i for i, (a, d) in enumerate(entries) if a == "request.answer_sent")
    lifted_at = [
        i
        for i, (a, d) in enumerate(entries)
        if a == "person.flag_changed" and d["flag"] == "restriction" and d["active"] is False
    ]
    assert len(lifted_at) == 1
    assert told_at < lifted_at[0]
    twice = client.post(f"{REQUESTS}/{request['id']}/lift", json={})
    assert_problem(twice, 422, "urn:kluis:problem:invalid-field", "request_id")
    assert len(smtp.received) == 2


def test_only_a_completed_restriction_can_be_lifted(kluis: Kluis, smtp: MailServer) -> None:
    person = customer(kluis)
    client = staff(kluis, smtp)
    restriction = verified(client, "restriction", person)
    early = client.post(f"{REQUESTS}/{restriction['id']}/lift", json={})
    assert_problem(early, 422, "urn:kluis:problem:invalid-field", "request_id")
    access = verified(client, "access", person)
    process(client, access["id"], mail=False)
    wrong = client.post(f"{REQUESTS}/{access['id']}/lift", json={})
    assert_problem(wrong, 422, "urn:kluis:problem:invalid-field", "request_id")


def test_a_restricted_person_still_gets_the_answer_to_their_own_request(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis)
    client = staff(kluis, smtp)
    process(client, verified(client, "restriction", person)["id"])
    access = verified(client, "access", person)
    process(client, access["id"])
    assert len(smtp.received) == 2
    assert len(attachments(smtp.received[1])) == 3


# Objection --------------------------------------------------------------------------------------


def test_objection_stops_direct_marketing_on_every_channel_but_not_service_mail(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(
        kluis,
        relationship="prospect",
        purposes=("customer_service", "email_marketing"),
    )
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers.", NOW, covers=every(["email", "sms"], ["offers"])
    ).id
    for channel in ("email", "sms"):
        consent.record(
            kluis,
            MARKETING,
            person,
            channel,
            "offers",
            "granted",
            NOW,
            consent.Grant(method="double_opt_in", notice_id=notice),
        )
    client = staff(kluis, smtp)
    assert decision(client, person, "email", "commercial")["allowed"] is True
    assert decision(client, person, "sms", "commercial")["allowed"] is True
    request = verified(client, "objection", person)
    done = process(client, request["id"])
    assert "Art. 21(3)" in done["request"]["outcome"]
    assert done["request"]["recipients_to_notify"] == []
    for channel in CHANNELS:
        refused = decision(client, person, channel, "commercial")
        assert (refused["allowed"], refused["reason"]) == (False, "objected")
    allowed = decision(client, person, "email", "transactional")
    assert (allowed["allowed"], allowed["reason"]) == (True, "transactional")
    [mail] = smtp.received
    assert "Art. 21(3)" in plain(mail)


# Erasure ----------------------------------------------------------------------------------------


def test_erasure_sends_a_copy_first_then_erases_then_sends_the_certificate(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis, 3)
    client = staff(kluis, smtp)
    request = verified(client, "erasure", person, details="Please forget me.")
    done = process(client, request["id"])
    finished = done["request"]
    assert done["files"] == {}
    assert finished["status"] == "completed"
    assert "erasure register" in finished["outcome"]
    assert finished["recipients_to_notify"] == ["IT service provider (processor)"]
    assert [s["what"] for s in finished["sent"]] == ["request_access", "erasure_certificate"]
    copy, certificate = smtp.received
    assert copy["To"] == certificate["To"] == "fenna.brouwersma3@example.com"
    assert "before" in copy["Subject"]
    package = json.loads(attachments(copy)[f"request-{request['id']}.json"])
    assert {f["name"]: f["value"] for f in package["person"]["fields"]}["given_name"] == "Fenna3"
    text = plain(certificate)
    assert str(request["id"]) in certificate["Subject"]
    assert "14 March 2026, 10:30" in text  # 09:30 UTC, said in the organisation's time zone
    assert person in text
    for said in ("Given name", "e-mail address", "phone number", "first name"):
        assert said in text
    [(name, content)] = attachments(certificate).items()
    assert name == f"erasure-certificate-{request['id']}.json"
    proof = json.loads(content)
    assert proof["request_id"] == request["id"]
    assert proof["person_id"] == person
    assert proof["erased_at"] == "2026-03-14T09:30:00+00:00"
    assert proof["kept"] == []
    assert sorted(proof["fields"]) == ["email", "family_name", "given_name", "phone"]
    assert "user.contact.email" in proof["categories"]
    # gone: reads answer 410, the id is in the erasure register
    for purpose in ("customer_service", "privacy_requests"):
        gone = client.get(f"/api/v1/contacts/{person}", params={"purpose": purpose})
        assert_problem(gone, 410, "urn:kluis:problem:person-erased")
    assert kluis.vault.erased([person]) == {person}
    # the request survives as the proof of having answered; what the person wrote does not
    kept = client.get(f"{REQUESTS}/{request['id']}")
    assert kept.status_code == 200
    assert kept.json()["status"] == "completed"
    assert kept.json()["details"] is None
    assert [v["id"] for v in client.get(REQUESTS, params={"person_id": person}).json()] == [
        request["id"]
    ]
    again = client.post(REQUESTS, json={"type": "access", "person_id": person})
    assert_problem(again, 410, "urn:kluis:problem:person-erased")


DISTINCT = {
    "given_name": "Zyxwvuta",
    "family_name": "Qoppaxiph",
    "email": "zyxwvuta@example.com",
    "phone": "+31 6 55501234",
    "address": "Kwikstaartlaan 77",
    "notes": "Prefers Vlwxqzp cheese",
}
SEARCHED = [*DISTINCT.values(), "+31655501234", "Vlwxqzp"]


def _stored(kluis: Kluis) -> dict[str, list[str]]:
    """Every row of every data and keyring table, as text, by table name."""
    found: dict[str, list[str]] = {}
    for engine, metadata in (
        (kluis.engine, DataBase.metadata),
        (kluis.vault.engine, KeyringBase.metadata),
    ):
        with engine.connect() as conn:
            for table in metadata.sorted_tables:
                found[table.name] = [repr(tuple(r)) for r in conn.execute(select(table))]
    return found


def _dump(kluis: Kluis, backend: str, request: pytest.FixtureRequest) -> bytes:
    """The bytes an attacker with the files (SQLite) or a ``pg_dump`` (PostgreSQL) would get."""
    if backend == "sqlite":
        return b"".join(
            path.read_bytes()
            for path in sorted(kluis.settings.data_dir.rglob("*"))
            if path.is_file()
        )
    pg = request.getfixturevalue("pg")
    return pg.pg_dump("kluis_test") + pg.pg_dump("kluis_test_keyring")


def test_after_an_erasure_no_value_of_the_person_is_in_the_files_or_a_dump(
    kluis: Kluis, smtp: MailServer, backend: str, request: pytest.FixtureRequest
) -> None:
    person = add_person(
        kluis, ADMIN, NOW, 1, language="en", purposes=("customer_service",), **DISTINCT
    )
    other = customer(kluis, 2)
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers.", NOW, covers=[("email", "offers")]
    ).id
    consent.record(
        kluis,
        MARKETING,
        person,
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="web_form", notice_id=notice, source_ip="192.0.2.7"),
    )
    client = staff(kluis, smtp)
    request_id = verified(client, "erasure", person, details="Zyxwvuta asks to be forgotten")["id"]
    with kluis.engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT email, given_name FROM people WHERE id = :id"), {"id": person}
        ).one()
    ciphertexts = [bytes(c) for c in sealed]
    before = _stored(kluis)
    assert any(person in row for row in before["people"])
    assert any(person in row for row in before["consent_events"])
    found = _dump(kluis, backend, request)  # the search finds the rows while they are there
    assert all(c in found or c.hex().encode() in found for c in ciphertexts)

    process(client, request_id)

    # the copy and the certificate went out; the values were really there to find
    assert "Zyxwvuta" in plain(smtp.received[0])
    assert smtp.received[1]["To"] == "zyxwvuta@example.com"
    blob = _dump(kluis, backend, request)
    assert blob
    for value in SEARCHED:
        for encoding in ("utf-8", "utf-16-le", "utf-16-be"):
            assert value.encode(encoding) not in blob, (value, encoding)
    if backend == "sqlite":
        # the data store's log holds the erasure's frames until the deferred checkpoint (see
        # the test below), driven here rather than waited for; then secure_delete has
        # overwritten the freed pages
        assert kluis.data_checkpoint.flush()
        blob = _dump(kluis, backend, request)
    for ciphertext in ciphertexts:
        assert ciphertext not in blob
        assert ciphertext.hex().encode() not in blob
    # no row anywhere names the person, except the request and the audit log (and the
    # register, which records that they were erased)
    after = _stored(kluis)
    naming = {name for name, rows in after.items() if any(person in row for row in rows)}
    assert naming == {"privacy_requests", "audit_log", "erasure_register"}
    assert any(other in row for row in after["people"])
    assert client.get(f"{REQUESTS}/{request_id}").json()["status"] == "completed"


def _store_files(kluis: Kluis, name: str) -> bytes:
    """A SQLite store's database file and write-ahead log, as one attacker with them reads."""
    files = [kluis.settings.data_dir / f"{name}{suffix}" for suffix in ("", "-wal")]
    return b"".join(path.read_bytes() for path in files if path.exists())


def test_the_keyring_is_checkpointed_at_once_and_the_data_store_by_the_deferred_checkpoint(
    kluis: Kluis, smtp: MailServer, backend: str
) -> None:
    """The erasure's promise on SQLite (``kluis.wal``): when it returns, the keyring's files
    hold no wrapped key of the person; once the deferred checkpoint ran (within 2 s; driven
    here with ``flush``), the data store's files hold none of their ciphertext or blind-index
    digests either."""
    if backend != "sqlite":
        pytest.skip("SQLite only: PostgreSQL keeps no write-ahead log beside the store")
    person = add_person(kluis, ADMIN, NOW, 1, language="en", **DISTINCT | {"notes": None})
    with kluis.engine.connect() as conn:
        sealed = conn.execute(
            text("SELECT email, given_name, family_name FROM people WHERE id = :id"),
            {"id": person},
        ).one()
        digests = [d for _, d in repository.index_lists(conn, [person])[person]]
    with kluis.vault.engine.connect() as conn:
        key = conn.execute(
            text("SELECT wrapped_key FROM person_keys WHERE person_id = :id"), {"id": person}
        ).scalar_one()
    secrets = [bytes(c) for c in sealed if c is not None]
    assert len(secrets) == 3
    assert len(digests) >= 3
    data = _store_files(kluis, "kluis.db")
    assert all(s in data for s in secrets + digests)  # the scan sees them while they are there
    assert bytes(key) in _store_files(kluis, "keyring.db")

    client = staff(kluis, smtp)
    process(client, verified(client, "erasure", person)["id"], mail=False)

    assert bytes(key) not in _store_files(kluis, "keyring.db")
    assert kluis.data_checkpoint.flush()
    assert not kluis.data_checkpoint.due
    data = _store_files(kluis, "kluis.db")
    for secret in secrets + digests:
        assert secret not in data


def test_erasure_asked_in_person_hands_the_copy_over_and_mails_the_certificate(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis, 4)
    client = staff(kluis, smtp)
    request = created(client, type="erasure", person_id=person, verified_by="in_person")
    done = process(client, request["id"])
    stem = f"request-{request['id']}"
    assert sorted(done["files"]) == [f"{stem}.csv", f"{stem}.html", f"{stem}.json"]
    [certificate] = smtp.received
    assert "erasure-certificate" in next(iter(attachments(certificate)))
    assert kluis.vault.erased([person]) == {person}


def test_erasure_with_mail_off_hands_over_the_copy_and_the_certificate(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis, 5)
    client = staff(kluis, smtp)
    request = verified(client, "erasure", person)
    done = process(client, request["id"], mail=False)
    name = f"erasure-certificate-{request['id']}.json"
    assert name in done["files"]
    assert json.loads(done["files"][name])["person_id"] == person
    assert f"request-{request['id']}.json" in done["files"]
    assert smtp.received == []
    assert done["request"]["sent"] == []


def test_a_certificate_the_mail_server_refuses_waits_to_be_retried(
    kluis: Kluis, smtp: MailServer
) -> None:
    """The erasure cannot be undone and the address went with it, so a certificate that does
    not go out stays queued, to the address captured under the request's own key, and the
    job tries again (``requests.mails``); the request is completed."""

    class NoCertificates(SmtpTransport):
        def send(self, message: EmailMessage) -> None:
            if any("certificate" in str(p.get_filename()) for p in message.iter_attachments()):
                raise SendFailed("550 mailbox unavailable", permanent=True, code=550)
            super().send(message)

    person = customer(kluis, 9)
    client = staff(kluis, smtp)
    url = smtp.url
    client.app.state.transport_factory = lambda: NoCertificates(  # type: ignore[attr-defined]
        parse_smtp_url(url), sleep=lambda _s: None
    )
    request = verified(client, "erasure", person)
    done = process(client, request["id"])
    assert done["files"] == {}
    assert [s["what"] for s in done["request"]["sent"]] == ["request_access"]
    assert len(smtp.received) == 1
    assert kluis.vault.erased([person]) == {person}
    copy, mail = client.get(f"{REQUESTS}/{request['id']}").json()["mails"]
    assert (copy["what"], copy["state"]) == ("request_access", "sent")
    assert (mail["what"], mail["state"], mail["reason"]) == (
        "erasure_certificate",
        "failed",
        "SendFailed",
    )


def test_an_erased_address_is_not_added_to_marketing_again(kluis: Kluis, smtp: MailServer) -> None:
    person = customer(kluis, 6, purposes=("customer_service", "email_marketing"))
    client = staff(kluis, smtp)
    process(client, verified(client, "erasure", person)["id"], mail=False)
    again = {
        "relationship": "prospect",
        "purposes": ["email_marketing"],
        "given_name": "Fenna6",
        "email": "fenna.brouwersma6@example.com",
    }
    refused = client.post("/api/v1/contacts", json=again)
    assert_problem(refused, 409, "urn:kluis:problem:suppressed", "email")
    service = client.post("/api/v1/contacts", json=again | {"purposes": ["customer_service"]})
    assert service.status_code == 201, service.text


def test_partial_erasure_keeps_what_invoicing_needs_and_says_so(
    kluis: Kluis, smtp: MailServer
) -> None:
    """A customer collected two months ago for service, invoicing, marketing and an age check:
    invoicing (a legal obligation, 7 years after the contract ends) keeps name, e-mail and
    address; the age check's month has passed, so the birth date goes with the rest."""
    collected = NOW - timedelta(days=60)
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers.", collected, covers=[("email", "offers")]
    ).id
    person = add_person(
        kluis,
        ADMIN,
        collected,
        8,
        purposes=("customer_service", "invoicing", "email_marketing", "age_verification"),
        language="en",
        address="Dorpsstraat 8\n9999 XX Ergens",
        birth_date="1990-05-17",
        interests=["cheese"],
    )
    consent.record(
        kluis,
        MARKETING,
        person,
        "email",
        "offers",
        "granted",
        collected,
        consent.Grant(method="double_opt_in", notice_id=notice),
    )
    client = staff(kluis, smtp)
    request = verified(client, "erasure", person)
    done = process(client, request["id"])
    finished = done["request"]
    assert "invoicing" in finished["outcome"]
    assert "Art. 17(3)(b)" in finished["outcome"]
    assert finished["recipients_to_notify"] == [
        "Accountant",
        "E-mail delivery service (processor)",
        "IT service provider (processor)",
        "Tax authority",
    ]
    # kept under invoicing only, restricted and objected, ledger gone, key and register untouched
    shown = client.get(f"/api/v1/contacts/{person}", params={"purpose": "privacy_requests"})
    assert shown.status_code == 200, shown.text
    assert shown.json()["purposes"] == ["invoicing"]
    assert sorted(shown.json()["fields"]) == ["address", "email", "family_name", "given_name"]
    invoicing = client.get(f"/api/v1/contacts/{person}", params={"purpose": "invoicing"})
    assert invoicing.json()["fields"]["address"] == "Dorpsstraat 8\n9999 XX Ergens"
    for purpose in ("customer_service", "email_marketing", "age_verification"):
        refused = client.get(f"/api/v1/contacts/{person}", params={"purpose": purpose})
        assert_problem(refused, 403, "urn:kluis:problem:purpose-refused")
    assert kluis.vault.erased([person]) == set()
    ledger = client.get(
        f"/api/v1/contacts/{person}/consents", params={"purpose": "invoicing"}
    ).json()
    assert ledger["events"] == []
    assert ledger["evidence"] == []
    flags = {f["flag"]: f["active"] for f in ledger["flags"]}
    assert flags == {"objection": True, "restriction": True}
    for channel in CHANNELS:
        assert decision(client, person, channel, "commercial")["allowed"] is False
    assert decision(client, person, "email", "transactional")["reason"] == "restricted"
    minimised = [d for a, d in actions(kluis, person) if a == "person.minimised"]
    assert len(minimised) == 1
    assert minimised[0]["kept_purposes"] == ["invoicing"]
    # the certificate: what went, what was kept, why and until when
    copy, certificate = smtp.received
    assert "before" in copy["Subject"]
    proof = json.loads(next(iter(attachments(certificate).values())))
    assert proof["request_id"] == request["id"]
    assert sorted(proof["fields"]) == ["birth_date", "interests", "phone"]
    assert "user.demographic.date_of_birth" in proof["categories"]
    assert "user.contact.email" not in proof["categories"]
    [kept] = proof["kept"]
    assert kept["purpose"] == "invoicing"
    assert kept["until"] is None
    assert kept["lawful_basis"] == "legal_obligation"
    assert kept["retention"] == "P7Y"
    assert kept["anchor"] == "end_of_contract"
    assert kept["fields"] == ["given_name", "family_name", "email", "address"]
    text = plain(certificate)
    assert "Art. 17(3)(b)" in text
    assert "Invoicing and bookkeeping" in text
    # the erased phone number cannot be added to marketing again
    again = client.post(
        "/api/v1/contacts",
        json={
            "relationship": "prospect",
            "purposes": ["customer_service", "email_marketing"],
            "given_name": "Someone",
            "email": "someone@example.com",
            "phone": "+31 6 10000008",
        },
    )
    assert_problem(again, 409, "urn:kluis:problem:suppressed", "phone")


# Deadlines: list, extend, refuse ----------------------------------------------------------------


def test_the_list_shows_what_is_due_and_what_is_late(kluis: Kluis, smtp: MailServer) -> None:
    people = [customer(kluis, n) for n in range(1, 5)]
    late = created(
        staff(kluis, None, now=NOW - timedelta(days=40)), type="access", person_id=people[0]
    )
    near = created(
        staff(kluis, None, now=NOW - timedelta(days=25)), type="erasure", person_id=people[1]
    )
    fresh = created(staff(kluis, None), type="objection", person_id=people[2])
    done = verified(staff(kluis, None, now=NOW - timedelta(days=30)), "access", people[3])
    process(staff(kluis, None, now=NOW - timedelta(days=30)), done["id"], mail=False)

    def ids(now: datetime, **params: Any) -> list[int]:
        response = staff(kluis, None, now=now).get(REQUESTS, params=params)
        assert response.status_code == 200, response.text
        return [r["id"] for r in response.json()]

    assert ids(NOW) == [late["id"], done["id"], near["id"], fresh["id"]]
    assert ids(NOW, open="true") == [late["id"], near["id"], fresh["id"]]
    assert ids(NOW, overdue="true") == [late["id"]]
    assert ids(NOW, due_within=7) == [late["id"], near["id"]]
    assert ids(NOW, due_within=0) == [late["id"]]
    assert ids(NOW, due_within=31) == [late["id"], near["id"], fresh["id"]]
    assert ids(NOW, status="completed") == [done["id"]]
    assert ids(NOW, person_id=people[1]) == [near["id"]]
    assert ids(NOW - timedelta(days=20), overdue="true") == []
    assert ids(NOW + timedelta(days=40), overdue="true") == [late["id"], near["id"], fresh["id"]]
    listed = {r["id"]: r for r in staff(kluis, None).get(REQUESTS).json()}
    assert (listed[late["id"]]["overdue"], listed[late["id"]]["days_left"]) == (True, -12)
    assert (listed[near["id"]]["near"], listed[near["id"]]["days_left"]) == (True, 3)
    assert (listed[fresh["id"]]["near"], listed[fresh["id"]]["days_left"]) == (False, 31)
    assert listed[done["id"]]["overdue"] is False
    bad = staff(kluis, None).get(REQUESTS, params={"status": "done"})
    assert_problem(bad, 422)


def test_an_extension_within_the_first_month_is_told_to_the_person(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis)
    request = created(staff(kluis, smtp), type="access", person_id=person)
    later = staff(kluis, smtp, now=NOW + timedelta(days=5))
    reason = "We received many requests this month."
    extended = post(later, f"{REQUESTS}/{request['id']}/extend", {"months": 2, "reason": reason})
    assert datetime.fromisoformat(extended["extended_to"]) == datetime(
        2026, 6, 14, 9, 30, tzinfo=UTC
    )
    assert extended["deadline"] == extended["extended_to"]
    assert extended["due_at"] == request["due_at"]
    assert extended["extension_reason"] == reason
    assert extended["days_left"] == 87
    assert [s["what"] for s in extended["sent"]] == ["request_extended"]
    [mail] = smtp.received
    assert "14 June 2026" in plain(mail)
    assert reason in plain(mail)
    assert str(request["id"]) in mail["Subject"]
    again = later.post(f"{REQUESTS}/{request['id']}/extend", json={"months": 1, "reason": "more"})
    body = assert_problem(again, 422, "urn:kluis:problem:invalid-field", "months")
    assert "extended already" in body["detail"]
    assert len(smtp.received) == 1
    entries = [d for a, d in actions(kluis, person) if a == "request.extended"]
    assert entries == [
        {"request_id": request["id"], "months": 2, "extended_to": "2026-06-14T09:30:00+00:00"}
    ]


def test_an_extension_after_the_first_month_or_beyond_two_months_is_refused(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis)
    request = created(staff(kluis, smtp), type="access", person_id=person)
    path = f"{REQUESTS}/{request['id']}/extend"
    too_long = staff(kluis, smtp).post(path, json={"months": 3, "reason": "complex"})
    assert_problem(too_long, 422, "urn:kluis:problem:invalid-field", "months")
    no_reason = staff(kluis, smtp).post(path, json={"months": 1, "reason": ""})
    assert_problem(no_reason, 422, "urn:kluis:problem:invalid-field", "reason")
    late = staff(kluis, smtp, now=NOW + timedelta(days=31))
    body = assert_problem(
        late.post(path, json={"months": 1, "reason": "complex"}),
        422,
        "urn:kluis:problem:invalid-field",
        "months",
    )
    assert "first month" in body["detail"]
    assert smtp.received == []
    assert staff(kluis, None).get(f"{REQUESTS}/{request['id']}").json()["extended_to"] is None


def test_a_refusal_tells_the_person_why_and_where_to_complain(
    kluis: Kluis, smtp: MailServer
) -> None:
    person = customer(kluis)
    client = staff(kluis, smtp)
    request = created(client, type="erasure", person_id=person)
    reason = "We could not confirm that the request came from you."
    refused = post(client, f"{REQUESTS}/{request['id']}/refuse", {"reason": reason})
    assert refused["status"] == "refused"
    assert refused["outcome"] == reason
    assert refused["completed_at"] is not None
    assert [s["what"] for s in refused["sent"]] == ["request_refused"]
    [mail] = smtp.received
    assert reason in plain(mail)
    assert "supervisory authority" in plain(mail)
    after = client.post(f"{REQUESTS}/{request['id']}/process", json={})
    assert_problem(after, 422, "urn:kluis:problem:invalid-field", "status")
    twice = client.post(f"{REQUESTS}/{request['id']}/refuse", json={"reason": reason})
    assert_problem(twice, 422, "urn:kluis:problem:invalid-field", "status")
    assert kluis.vault.erased([person]) == set()
    overdue = staff(kluis, None, now=NOW + timedelta(days=90)).get(
        REQUESTS, params={"overdue": True}
    )
    assert overdue.json() == []


# Who may -----------------------------------------------------------------------------------------


def test_a_role_without_rights_may_not_handle_requests(kluis: Kluis, smtp: MailServer) -> None:
    person = customer(kluis)
    request = created(staff(kluis, smtp), type="restriction", person_id=person)
    marketing = staff(kluis, smtp, role="marketing")
    path = f"{REQUESTS}/{request['id']}"
    for response in (
        marketing.get(REQUESTS),
        marketing.get(path),
        marketing.post(f"{path}/verify", json={"verified_by": "known_address"}),
        marketing.post(f"{path}/extend", json={"months": 1, "reason": "complex"}),
        marketing.post(f"{path}/refuse", json={"reason": "no"}),
        marketing.post(f"{path}/process", json={}),
        marketing.post(f"{path}/lift", json={}),
    ):
        assert_problem(response, 403, "urn:kluis:problem:permission-denied")
    assert staff(kluis, None).get(path).json()["status"] == "received"
    assert smtp.received == []
    admin = staff(kluis, smtp, role="admin")
    assert admin.get(path).status_code == 200
    nobody = staff(kluis, None)
    nobody.headers.pop("Authorization")
    assert_problem(nobody.get(REQUESTS), 401, "urn:kluis:problem:unauthenticated")


def test_an_unknown_request_is_not_found(kluis: Kluis, smtp: MailServer) -> None:
    client = staff(kluis, smtp)
    for response in (
        client.get(f"{REQUESTS}/999"),
        client.post(f"{REQUESTS}/999/verify", json={"verified_by": "in_person"}),
        client.post(f"{REQUESTS}/999/process", json={}),
    ):
        assert_problem(response, 404, "urn:kluis:problem:not-found", "request_id")
