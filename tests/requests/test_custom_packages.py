"""Custom values in the person's packages and requests: the access package's HTML view shows
them with labels in the person's language and special categories marked (Art. 15, Art. 9); a
portable package replays the values whose field exists here with the same key and type and
reports the others (Art. 20(2)); a rectification request corrects a custom value (Art. 16), and
its mail names the field by its label in the person's language, not by ``custom.KEY``."""

from __future__ import annotations

from email.message import EmailMessage

import pytest

from api_helpers import client_for
from conftest import ADMIN, NOW, PRIVACY
from factories import add_person
from kluis.contacts import custom_fields
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.requests import export, service
from kluis.requests.portable_custom import Skipped
from kluis.runtime import Kluis
from mailserver import MailServer

SIZE = CustomField(
    "shoe_size", "Shoe size", "Schoenmaat", CustomKind.NUMBER, "user.demographic.profile", True
)
TIER = CustomField(
    "tier",
    "Tier",
    "Niveau",
    CustomKind.CHOICE,
    "user.contact.address",
    choices=(Choice("gold", "Gold", "Goud"), Choice("silver", "Silver", "Zilver")),
)
DIET = CustomField(
    "diet",
    "Dietary need",
    "Dieetwens",
    CustomKind.TEXT,
    "user.health_and_medical",
    art9_condition="a",
)
PURPOSES = ("customer_service", "sales_follow_up")


def _person(kluis: Kluis, fields: tuple[CustomField, ...] = (SIZE, TIER, DIET)) -> str:
    for f in fields:
        custom_fields.declare(kluis, ADMIN, f, NOW)
    person = add_person(kluis, ADMIN, NOW, purposes=PURPOSES)
    values = {"shoe_size": "42", "tier": "gold", "diet": "geen noten"}
    custom_fields.set_values(
        kluis, PRIVACY, person, "privacy_requests", {f.key: values[f.key] for f in fields}, NOW
    )
    return person


def test_the_html_view_shows_custom_values_in_the_persons_language(kluis: Kluis) -> None:
    person = _person(kluis)
    package = export.access_package(kluis, PRIVACY, person, NOW)
    dutch = export.package_html(package, "nl")
    english = export.package_html(package, "en")
    assert "Eigen velden" in dutch
    assert "Schoenmaat" in dutch
    assert "Shoe size" not in dutch
    assert "Dieetwens <strong>(bijzonder persoonsgegeven (AVG art. 9))</strong>" in dutch
    assert "geen noten" in dutch
    assert "Shoe size" in english
    assert "Dietary need <strong>(special category" in english


def test_a_portable_package_replays_the_custom_values_a_field_here_takes(
    kluis: Kluis, target: Kluis
) -> None:
    person = _person(kluis)
    package = export.access_package(kluis, ADMIN, person, NOW, portable=True)
    custom_fields.declare(target, ADMIN, SIZE, NOW)
    custom_fields.declare(
        target,
        ADMIN,
        CustomField("tier", "Tier", "Niveau", CustomKind.TEXT, "user.contact.address"),
        NOW,
    )
    done = export.import_person(target, ADMIN, package, NOW)
    assert done.skipped == (
        Skipped("tier", "the field here is a text, the package's a choice"),
        Skipped("diet", "no custom field with this key here"),
    )
    assert custom_fields.read_values(target, PRIVACY, done.person_id, "privacy_requests", NOW) == {
        "shoe_size": "42"
    }


def test_a_value_no_kept_purpose_covers_is_skipped(kluis: Kluis, target: Kluis) -> None:
    person = _person(kluis, (SIZE,))
    package = export.access_package(kluis, ADMIN, person, NOW, portable=True)
    custom_fields.declare(target, ADMIN, SIZE, NOW)
    done = export.import_person(target, ADMIN, package, NOW, purposes=["customer_service"])
    assert [s.key for s in done.skipped] == ["shoe_size"]
    assert "Art. 5(1)(c)" in done.skipped[0].reason
    assert custom_fields.read_values(target, PRIVACY, done.person_id, "privacy_requests", NOW) == {}


def test_a_rectification_request_corrects_a_custom_value(kluis: Kluis) -> None:
    person = _person(kluis, (SIZE,))
    request = service.create(
        kluis, PRIVACY, "rectification", NOW, person_id=person, verified_by="in_person"
    )
    service.process(kluis, PRIVACY, request.id, NOW, changes={"custom.shoe_size": "43"}, mail=False)
    assert custom_fields.read_values(kluis, PRIVACY, person, "privacy_requests", NOW) == {
        "shoe_size": "43"
    }


@pytest.mark.parametrize(("language", "label"), [("nl", "Schoenmaat"), ("en", "Shoe size")])
def test_the_rectification_mail_names_a_custom_field_by_its_label(
    kluis: Kluis, smtp: MailServer, language: str, label: str
) -> None:
    custom_fields.declare(kluis, ADMIN, SIZE, NOW)
    person = add_person(kluis, ADMIN, NOW, purposes=PURPOSES, language=language)
    client = client_for(kluis, "privacy_officer", now=NOW)
    url = smtp.url
    client.app.state.transport_factory = lambda: SmtpTransport(  # type: ignore[attr-defined]
        parse_smtp_url(url), sleep=lambda _s: None
    )
    made = client.post("/api/v1/requests", json={"type": "rectification", "person_id": person})
    assert made.status_code == 201, made.text
    number = made.json()["id"]
    client.post(f"/api/v1/requests/{number}/verify", json={"verified_by": "known_address"})
    done = client.post(
        f"/api/v1/requests/{number}/process",
        json={"changes": {"custom.shoe_size": "43", "family_name": "Jansen"}},
    )
    assert done.status_code == 200, done.text
    [mail] = smtp.received
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    text = str(part.get_content())
    assert label in text
    assert "custom.shoe_size" not in text
    assert ("Achternaam" if language == "nl" else "Family name") in text
