"""The person pages through the app: adding a person (only the fields the chosen purposes may
use), rectification under the working purpose, the consent timeline with its wording and
evidence, recording consent, withdrawal, objection and restriction, and erasure behind its
confirmation."""

from __future__ import annotations

import io
import re
import wave

import pytest

from conftest import ADMIN, NOW
from factories import add_notice, add_person
from kluis.actors import SYSTEM
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent
from kluis.contacts import companies
from kluis.contacts import people as contacts
from kluis.errors import PersonErased
from kluis.runtime import Kluis
from staff_helpers import NOTICE_EN, signed_in

BIRTH_DATE = "1990-02-03"


@pytest.fixture
def person(kluis: Kluis) -> str:
    return add_person(
        kluis,
        ADMIN,
        NOW,
        purposes=("email_marketing", "age_verification"),
        phone=None,
        birth_date=BIRTH_DATE,
        interests=["cycling", "tea"],
    )


@pytest.fixture
def notice(kluis: Kluis) -> int:
    return add_notice(kluis, "en", NOTICE_EN, actor=SYSTEM)


def recording(seconds: float = 0.2) -> bytes:
    """A tiny WAV file: silence, 8 kHz mono."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\0\0" * int(8000 * seconds))
    return buffer.getvalue()


def inputs(page: str) -> set[str]:
    return set(re.findall(r'<(?:input|textarea|select)[^>]* name="([a-z_]+)"', page))


def alert(page: str) -> str:
    found = re.search(r'role="alert"[^>]*>([^<]+)<', page)
    assert found, page
    return found.group(1)


# Adding -----------------------------------------------------------------------------------------


def test_adding_asks_first_for_the_purposes_the_role_holds(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "marketing", "email_marketing")
    assert 'href="/app/contacts/new"' in client.get("/app/contacts").text
    page = client.get("/app/contacts/new").text
    offered = set(re.findall(r'name="purpose" value="([a-z_]+)"', page))
    assert offered == {"email_marketing", "existing_customer_marketing"}
    assert 'value="email_marketing" checked' in page
    again = client.get("/app/contacts/new", params={"step": "purposes"})
    assert again.status_code == 422
    assert "Kies minstens één doel" in alert(again.text)
    refused = client.get("/app/contacts/new", params={"purpose": "age_verification"})
    assert refused.status_code == 422


def test_the_form_asks_only_for_what_the_purposes_may_use(kluis: Kluis) -> None:
    client, _csrf = signed_in(kluis, "admin", "customer_service")
    marketing = client.get("/app/contacts/new", params={"purpose": "email_marketing"}).text
    assert {"given_name", "family_name", "email", "interests"} <= inputs(marketing)
    assert not {"birth_date", "phone", "address", "notes"} & inputs(marketing)
    both = client.get(
        "/app/contacts/new", params={"purpose": ["email_marketing", "age_verification"]}
    ).text
    assert "birth_date" in inputs(both)
    assert 'type="date"' in both
    # a purpose covering everyone is no way to collect every field
    everything = client.get("/app/contacts/new", params={"purpose": "privacy_requests"})
    assert everything.status_code == 422


def test_adding_a_person(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    response = client.post(
        "/app/contacts/new",
        data={
            "csrf": csrf,
            "purposes": "email_marketing",
            "given_name": "Anna",
            "family_name": "de Vries",
            "email": "Anna.de.Vries@Example.com",
            "interests": "cycling, tea",
            "birth_date": BIRTH_DATE,  # not on the form: never taken
            "relationship": "prospect",
            "language": "en",
        },
    )
    assert response.status_code == 303, response.text
    person_id = response.headers["location"].rsplit("/", 1)[1]
    shown = client.get(response.headers["location"])
    assert "de Vries" in shown.text
    everything = contacts.read_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    assert everything.fields == {
        "given_name": "Anna",
        "family_name": "de Vries",
        "email": "Anna.de.Vries@example.com",
        "interests": ["cycling", "tea"],
    }
    assert (everything.relationship, everything.language) == ("prospect", "en")
    (created,) = audit.list_entries(kluis.engine, action="person.created")
    assert created.details["source"] == "web"


def test_a_person_is_added_to_a_company(kluis: Kluis) -> None:
    company = companies.create_company(kluis, ADMIN, {"name": "Bakkerij Brouwersma"}, NOW)
    client, csrf = signed_in(kluis, "sales", "sales_follow_up")
    form = client.get("/app/contacts/new", params={"purpose": "sales_follow_up"}).text
    assert f'<option value="{company.id}">Bakkerij Brouwersma</option>' in form
    data = {
        "csrf": csrf,
        "purposes": "sales_follow_up",
        "given_name": "Jan",
        "relationship": "prospect",
        "language": "nl",
    }
    unknown = client.post("/app/contacts/new", data={**data, "company_id": "999"})
    assert unknown.status_code == 422
    assert alert(unknown.text).startswith("Bedrijf: ")
    added = client.post("/app/contacts/new", data={**data, "company_id": str(company.id)})
    assert added.status_code == 303
    assert "Bakkerij Brouwersma" in client.get(added.headers["location"]).text


def test_a_refused_person_keeps_the_form_and_names_the_field(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    form = {
        "csrf": csrf,
        "purposes": "email_marketing",
        "given_name": "Anna",
        "email": "not an address",
        "relationship": "prospect",
        "language": "nl",
    }
    refused = client.post("/app/contacts/new", data=form)
    assert refused.status_code == 422
    assert alert(refused.text).startswith("E-mailadres: ")
    assert re.search(
        r'name="email"[^>]*value="not an address"[^>]*aria-invalid="true"', refused.text
    )
    assert 'value="Anna"' in refused.text
    unknown = client.post("/app/contacts/new", data={**form, "email": "", "relationship": "x"})
    assert unknown.status_code == 422
    assert alert(unknown.text).startswith("Relatie: ")
    assert not audit.list_entries(kluis.engine, action="person.created")


def test_adding_under_another_purpose_switches_to_one_of_the_persons(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin", "customer_service")
    response = client.post(
        "/app/contacts/new",
        data={
            "csrf": csrf,
            "purposes": "age_verification",
            "birth_date": BIRTH_DATE,
            "relationship": "customer",
            "language": "nl",
        },
    )
    assert response.status_code == 303
    page = client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'value="age_verification" selected' in page.text
    assert BIRTH_DATE in page.text


# Editing ----------------------------------------------------------------------------------------


def test_editing_changes_what_changed_under_the_working_purpose(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    form = client.get(f"/app/contacts/{person}/edit").text
    assert 'value="cycling, tea"' in form
    assert "birth_date" not in inputs(form)
    response = client.post(
        f"/app/contacts/{person}/edit",
        data={
            "csrf": csrf,
            "given_name": "Fenna1",
            "family_name": "Brouwersma",
            "email": "fenna.brouwersma1@example.com",
            "interests": "",
            "birth_date": "2001-01-01",  # the purpose may not use it: ignored
            "relationship": "customer",
            "language": "nl",
        },
    )
    assert response.status_code == 303, response.text
    everything = contacts.read_person(kluis, ADMIN, person, "privacy_requests", NOW)
    assert everything.fields["family_name"] == "Brouwersma"
    assert "interests" not in everything.fields
    assert everything.fields["birth_date"] == BIRTH_DATE
    (updated,) = audit.list_entries(kluis.engine, action="person.updated")
    assert updated.details["fields"] == ["family_name", "interests"]


def test_a_refused_edit_names_the_field_and_changes_nothing(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    refused = client.post(
        f"/app/contacts/{person}/edit",
        data={
            "csrf": csrf,
            "given_name": "Fenna1",
            "family_name": "Other",
            "email": "no address",
            "relationship": "customer",
            "language": "nl",
        },
    )
    assert refused.status_code == 422
    assert alert(refused.text).startswith("E-mailadres: ")
    assert 'value="Other"' in refused.text
    unchanged = contacts.read_person(kluis, ADMIN, person, "email_marketing", NOW)
    assert unchanged.fields["family_name"] == "Brouwersma1"


# Consent ----------------------------------------------------------------------------------------


def test_a_phone_consent_with_its_recording_is_on_the_timeline(
    kluis: Kluis, person: str, notice: int
) -> None:
    client, csrf = signed_in(kluis, "privacy_officer", "email_marketing")
    page = client.get(f"/app/contacts/{person}/consent").text
    assert 'enctype="multipart/form-data"' in page
    assert NOTICE_EN[:40] in page
    sound = recording()
    response = client.post(
        f"/app/contacts/{person}/consent",
        data={
            "csrf": csrf,
            "channel": "phone",
            "topic": "offers",
            "method": "phone_recording",
            "notice": str(notice),
        },
        files={"evidence": ("call 14 march.wav", sound, "audio/x-wav")},
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"] == f"/app/contacts/{person}#timeline-h"

    timeline = client.get(f"/app/contacts/{person}").text
    (event,) = consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW).events
    assert (event.channel, event.topic, event.action, event.method) == (
        "phone",
        "offers",
        "granted",
        "phone_recording",
    )
    assert NOTICE_EN in timeline
    assert "opname van telefoongesprek" in timeline
    audio = f'<audio controls preload="none" src="/app/evidence/{event.evidence_id}"'
    assert audio in timeline

    played = client.get(f"/app/evidence/{event.evidence_id}")
    assert played.status_code == 200
    assert played.content == sound
    assert played.headers["content-type"] == "audio/wav"
    disposition = played.headers["content-disposition"]
    assert disposition == f'attachment; filename="evidence-{event.evidence_id}.wav"'
    assert "march" not in disposition  # the uploaded name may be personal data
    assert played.headers["cache-control"] == "no-store"
    assert played.headers["x-content-type-options"] == "nosniff"
    assert audit.list_entries(kluis.engine, action="evidence.read", person_id=person)


def test_a_consent_without_wording_is_refused_and_keeps_no_file(
    kluis: Kluis, person: str, notice: int
) -> None:
    client, csrf = signed_in(kluis, "admin", "email_marketing")
    form = {"csrf": csrf, "channel": "phone", "topic": "offers", "method": "phone_recording"}
    files = {"evidence": ("call.wav", recording(), "audio/wav")}
    refused = client.post(f"/app/contacts/{person}/consent", data=form, files=files)
    assert refused.status_code == 422
    assert alert(refused.text).startswith("Getoonde tekst: ")
    assert 'value="phone_recording" selected' in refused.text
    no_method = client.post(
        f"/app/contacts/{person}/consent",
        data={**form, "method": "", "notice": str(notice)},
        files=files,
    )
    assert no_method.status_code == 422
    assert alert(no_method.text).startswith("Hoe: ")
    fake = client.post(
        f"/app/contacts/{person}/consent",
        data={**form, "notice": str(notice)},
        files={"evidence": ("call.wav", b"not a recording at all", "audio/wav")},
    )
    assert fake.status_code == 422
    assert alert(fake.text).startswith("Bewijs: ")
    found = consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW)
    assert (found.events, found.evidence) == ([], [])


def test_the_grant_form_offers_only_wordings_for_its_channel_and_topic(
    kluis: Kluis, person: str
) -> None:
    """A staff member chooses from the notices asking for the grant's channel and topic, and a
    notice for another pair is refused before the evidence is stored (Art. 7(1))."""
    email = catalogue.add_notice(
        kluis, SYSTEM, "en", "Yes, e-mail me the newsletter.", NOW, covers=[("email", "newsletter")]
    ).id
    phone = catalogue.add_notice(
        kluis, SYSTEM, "nl", "Ja, bel mij over aanbiedingen.", NOW, covers=[("phone", "offers")]
    ).id
    client, csrf = signed_in(kluis, "admin", "email_marketing")
    page = client.get(f"/app/contacts/{person}/consent").text
    assert f'<option value="{email}">{email} (en)' in page
    assert f'<option value="{phone}">{phone} (nl)' not in page
    chosen = client.get(f"/app/contacts/{person}/consent?channel=phone&topic=offers").text
    assert f'<option value="{phone}">{phone} (nl)' in chosen
    assert f'<option value="{email}">{email} (en)' not in chosen

    reads = len(audit.list_entries(kluis.engine, action="person.read", person_id=person))
    fragment = client.get(
        f"/app/contacts/{person}/consent/wordings", params={"channel": "phone", "topic": "offers"}
    )
    assert fragment.status_code == 200
    assert fragment.text.lstrip().startswith(
        '<div id="grant-notice-field" data-for="phone offers">'
    )
    assert f'<option value="{phone}">{phone} (nl)' in fragment.text
    assert f'<option value="{email}">{email} (en)' not in fragment.text
    none = client.get(
        f"/app/contacts/{person}/consent/wordings", params={"channel": "sms", "topic": "offers"}
    ).text
    assert "kluis notices add --channel sms --topic offers" in none
    assert "<select" not in none
    assert len(audit.list_entries(kluis.engine, action="person.read", person_id=person)) == reads

    refused = client.post(
        f"/app/contacts/{person}/consent",
        data={
            "csrf": csrf,
            "channel": "phone",
            "topic": "offers",
            "method": "phone_recording",
            "notice": str(email),
        },
        files={"evidence": ("call.wav", recording(), "audio/wav")},
    )
    assert refused.status_code == 422
    assert alert(refused.text).startswith("Getoonde tekst: ")
    assert f"notice {email} does not cover phone/offers" in alert(refused.text)
    assert f'<option value="{phone}">{phone} (nl)' in refused.text
    found = consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW)
    assert (found.events, found.evidence) == ([], [])


def test_evidence_is_opened_only_by_admins_and_privacy_officers(
    kluis: Kluis, person: str, notice: int
) -> None:
    evidence = consent_evidence.add_evidence(
        kluis, ADMIN, person, "privacy_requests", "audio/wav", recording(), NOW
    )
    consent.record(
        kluis,
        ADMIN,
        person,
        "phone",
        "offers",
        "granted",
        NOW,
        consent.Grant("phone_recording", notice, evidence),
    )
    client, _csrf = signed_in(kluis, "marketing", "email_marketing")
    page = client.get(f"/app/contacts/{person}").text
    assert f"/app/evidence/{evidence}" not in page
    assert "Bewijs is bewaard" in page
    refused = client.get(f"/app/evidence/{evidence}")
    assert refused.status_code == 403
    assert not audit.list_entries(kluis.engine, action="evidence.read")


def test_the_timeline_names_the_topic_and_for_admins_who_captured_it(
    kluis: Kluis, person: str, notice: int
) -> None:
    client, csrf = signed_in(kluis, "privacy_officer", "email_marketing")
    form = {"csrf": csrf, "channel": "email", "topic": "offers", "method": "web_form"}
    recorded = client.post(f"/app/contacts/{person}/consent", data={**form, "notice": str(notice)})
    assert recorded.status_code == 303, recorded.text
    (event,) = consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW).events
    assert event.captured_by.startswith("user:")

    def line(page: str) -> str:
        found = re.search(rf'<li data-event="{event.id}">.*?</span>', page, re.S)
        assert found, "the event is not on the timeline"
        return found.group(0)

    seen = line(client.get(f"/app/contacts/{person}").text)
    assert "Aanbiedingen" in seen
    assert "offers" not in seen
    assert "door privacy_officer@example.com" in seen
    marketer, _csrf = signed_in(kluis, "marketing", "email_marketing")
    hidden = line(marketer.get(f"/app/contacts/{person}").text)
    assert f"door {event.captured_by}" in hidden
    assert "@example.com" not in hidden


def test_a_withdrawal_and_an_objection_are_recorded(kluis: Kluis, person: str, notice: int) -> None:
    consent.record(
        kluis,
        ADMIN,
        person,
        "email",
        "newsletter",
        "granted",
        NOW,
        consent.Grant("web_form", notice),
    )
    client, csrf = signed_in(kluis, "marketing", "email_marketing")
    page = client.get(f"/app/contacts/{person}/consent").text
    assert 'value="restriction"' not in page  # only admins and privacy officers restrict
    withdrawn = client.post(
        f"/app/contacts/{person}/withdrawal",
        data={"csrf": csrf, "channel": "email", "topic": "newsletter", "method": "phone"},
    )
    assert withdrawn.status_code == 303
    objected = client.post(
        f"/app/contacts/{person}/flags",
        data={"csrf": csrf, "flag": "objection", "active": "1", "method": "letter"},
    )
    assert objected.status_code == 303
    found = consent.ledger(kluis, ADMIN, person, "privacy_requests", NOW)
    assert [e.action for e in found.events] == ["granted", "withdrawn"]
    assert [(f.flag, f.active, f.method) for f in found.flags] == [("objection", True, "letter")]
    timeline = client.get(f"/app/contacts/{person}").text
    assert "ingetrokken" in timeline
    assert "bezwaar" in timeline

    restricted = client.post(
        f"/app/contacts/{person}/flags",
        data={"csrf": csrf, "flag": "restriction", "active": "1", "method": "phone"},
    )
    assert restricted.status_code == 403
    assert "privacyfunctionaris" in alert(restricted.text)


# Erasing ----------------------------------------------------------------------------------------


def test_only_admins_and_privacy_officers_see_the_erase_button(kluis: Kluis, person: str) -> None:
    marketer, _csrf = signed_in(kluis, "marketing", "email_marketing")
    assert f"/app/contacts/{person}/erase" not in marketer.get(f"/app/contacts/{person}").text
    assert marketer.get(f"/app/contacts/{person}/erase").status_code == 403
    officer, _csrf = signed_in(kluis, "privacy_officer", "email_marketing")
    assert f"/app/contacts/{person}/erase" in officer.get(f"/app/contacts/{person}").text


def test_erasing_after_the_confirmation(kluis: Kluis, person: str) -> None:
    client, csrf = signed_in(kluis, "admin", "email_marketing")
    confirm = client.get(f"/app/contacts/{person}/erase").text
    assert "Wissen kan niet ongedaan worden gemaakt" in confirm
    assert "back-up" in confirm
    assert f'action="/app/contacts/{person}/erase"' in confirm
    refused = client.post(f"/app/contacts/{person}/erase", data={"csrf": csrf, "reason": "x"})
    assert refused.status_code == 422
    contacts.read_person(kluis, ADMIN, person, "email_marketing", NOW)

    done = client.post(f"/app/contacts/{person}/erase", data={"csrf": csrf, "reason": "request"})
    assert done.status_code == 200
    assert "gewist" in done.text
    with pytest.raises(PersonErased):
        contacts.read_person(kluis, ADMIN, person, "privacy_requests", NOW)
    (erased,) = audit.list_entries(kluis.engine, action="person.erased")
    assert erased.details["reason"] == "request"
    gone = client.get(f"/app/contacts/{person}")
    assert gone.status_code == 410
