"""The staff app's compliance pages through a TestClient, on SQLite and PostgreSQL: findings with
their fixes, the record of processing in the user's language, the breach register with the
72-hour clock, the purposes catalogue with its validated edit form, the audit log with chain
verification; roles and CSRF."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from conftest import ADMIN, NOW
from kluis.audit import service as audit
from kluis.compliance import service as breaches
from kluis.purposes import service as purposes
from kluis.runtime import Kluis
from staff_helpers import signed_in

BREACH = {
    "detected_at": "2026-03-14T08:00",
    "nature": "A laptop with an export of the mailing list was stolen from a car.",
    "categories": ["user.name.first", "user.contact.email"],
    "approx_people": "120",
    "consequences": "Unwanted e-mail; phishing in our name.",
    "measures_taken": "The laptop's disk is encrypted; its account was locked.",
}


def speak(client: TestClient, csrf: str, language: str) -> None:
    response = client.post("/app/language", data={"csrf": csrf, "language": language})
    assert response.status_code == 303, response.text


def old_breach(kluis: Kluis, hours: int = 80) -> int:
    new = breaches.NewBreach(
        detected_at=NOW - timedelta(hours=hours),
        nature="A mail server sent a newsletter with every address visible.",
        categories=["user.contact.email"],
        consequences="People saw each other's addresses.",
        measures_taken="Asked the recipients to delete the message.",
    )
    return breaches.add_breach(kluis, ADMIN, new, NOW).id


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "nl",
            {
                "/app/compliance": "Bevindingen",
                "/app/compliance/record": "Register van verwerkingsactiviteiten",
                "/app/compliance/breaches": "Een datalek vastleggen",
                "/app/compliance/breaches/1": "72-uursklok",
                "/app/compliance/purposes": "Grondslag",
                "/app/compliance/purposes/email_marketing": "Bewaard gedurende",
                "/app/compliance/audit": "De keten controleren",
            },
        ),
        (
            "en",
            {
                "/app/compliance": "Findings",
                "/app/compliance/record": "Record of processing activities",
                "/app/compliance/breaches": "Record a breach",
                "/app/compliance/breaches/1": "72-hour clock",
                "/app/compliance/purposes": "Lawful basis",
                "/app/compliance/purposes/email_marketing": "Kept for",
                "/app/compliance/audit": "Verify the chain",
            },
        ),
    ],
)
def test_every_compliance_page_renders_in_the_language(
    kluis: Kluis, language: str, words: dict[str, str]
) -> None:
    old_breach(kluis)
    client, csrf = signed_in(kluis, "privacy_officer")
    speak(client, csrf, language)
    for path, word in words.items():
        page = client.get(path)
        assert page.status_code == 200, (path, page.text)
        assert f'<html lang="{language}">' in page.text
        assert word in page.text, path
        assert page.headers["cache-control"] == "no-store"


def test_findings_say_what_to_do_and_link_to_where(kluis: Kluis) -> None:
    breach_id = old_breach(kluis)
    client, csrf = signed_in(kluis, "admin")
    speak(client, csrf, "en")
    page = client.get("/app/compliance").text
    assert 'data-code="breach.overdue"' in page
    assert "A breach was not notified to the authority within 72 hours" in page
    assert f'href="/app/compliance/breaches/{breach_id}"' in page
    assert "Some findings are severe" in page


@pytest.mark.parametrize("role", ["marketing", "sales", "service"])
def test_other_roles_cannot_see_the_audit_log_or_the_breach_register(
    kluis: Kluis, role: str
) -> None:
    breach_id = old_breach(kluis)
    client, csrf = signed_in(kluis, role)
    for path in (
        "/app/compliance",
        "/app/compliance/record",
        "/app/compliance/breaches",
        f"/app/compliance/breaches/{breach_id}",
        "/app/compliance/audit",
        "/app/compliance/purposes/email_marketing",
    ):
        page = client.get(path)
        assert page.status_code == 403, path
        assert "A mail server sent" not in page.text
        assert 'data-seq="' not in page.text
    for path, form in (
        ("/app/compliance/audit/verify", {}),
        ("/app/compliance/breaches", BREACH),
        (f"/app/compliance/breaches/{breach_id}/notify", {"step": "authority"}),
        ("/app/compliance/purposes/email_marketing", {"retention": "P9Y"}),
    ):
        assert client.post(path, data={"csrf": csrf, **form}).status_code == 403, path
    assert len(breaches.list_breaches(kluis, ADMIN, NOW)) == 1
    assert breaches.get_breach(kluis, ADMIN, breach_id, NOW).authority_notified_at is None
    assert purposes.get_purpose(kluis.engine, "email_marketing").retention != "P9Y"
    catalogue = client.get("/app/compliance/purposes")
    assert catalogue.status_code == 200
    assert 'href="/app/compliance/purposes/email_marketing"' not in catalogue.text


def test_forms_without_the_csrf_token_are_refused(kluis: Kluis) -> None:
    breach_id = old_breach(kluis)
    client, _csrf = signed_in(kluis, "admin")
    for path, form in (
        ("/app/compliance/breaches", BREACH),
        (f"/app/compliance/breaches/{breach_id}/notify", {"step": "people"}),
        ("/app/compliance/purposes/email_marketing", {"retention": "P9Y"}),
        ("/app/compliance/audit/verify", {}),
    ):
        assert client.post(path, data=form).status_code == 403, path
    assert len(breaches.list_breaches(kluis, ADMIN, NOW)) == 1
    assert breaches.get_breach(kluis, ADMIN, breach_id, NOW).people_notified_at is None


def test_a_recorded_breach_shows_its_deadline_72_hours_after_detection(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "privacy_officer")
    speak(client, csrf, "en")
    made = client.post("/app/compliance/breaches", data={"csrf": csrf, **BREACH})
    assert made.status_code == 303, made.text
    page = client.get(made.headers["location"]).text
    # 08:00 UTC, said in the organisation's time zone (Amsterdam, CET in March)
    assert '<dd id="deadline">Mar 17, 2026, 09:00</dd>' in page
    assert "70.5 hours left" in page
    stored = breaches.list_breaches(kluis, ADMIN, NOW)[0]
    assert stored.categories[0]["key"] == "user.name.first"
    assert stored.approx_people == 120

    old = old_breach(kluis)
    register = client.get("/app/compliance/breaches").text
    row = re.search(rf'<tr class="overdue" data-breach="{old}">.*?</tr>', register, re.S)
    assert row, "the overdue breach is not highlighted"
    assert "overdue by 8.0 hours" in row.group(0)
    speak(client, csrf, "nl")
    assert "nog 70,5 uur" in client.get(made.headers["location"]).text


def test_a_breach_without_its_nature_names_the_field(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "admin")
    speak(client, csrf, "en")
    refused = client.post("/app/compliance/breaches", data={"csrf": csrf, **BREACH, "nature": "  "})
    assert refused.status_code == 422
    assert "What happened:" in refused.text
    assert 'name="nature" rows="3" required aria-invalid="true"' in refused.text
    assert "Unwanted e-mail; phishing in our name." in refused.text
    assert breaches.list_breaches(kluis, ADMIN, NOW) == []


def test_a_late_notification_needs_its_reasons(kluis: Kluis) -> None:
    breach_id = old_breach(kluis)
    client, csrf = signed_in(kluis, "admin")
    speak(client, csrf, "en")
    url = f"/app/compliance/breaches/{breach_id}/notify"
    refused = client.post(url, data={"csrf": csrf, "step": "authority"})
    assert refused.status_code == 422
    assert "Reasons for the delay:" in refused.text
    notified = client.post(
        url,
        data={"csrf": csrf, "step": "authority", "late_reason": "Found on a Friday night."},
    )
    assert notified.status_code == 303, notified.text
    view = breaches.get_breach(kluis, ADMIN, breach_id, NOW)
    assert view.authority_notified_at == NOW
    assert view.late
    told = client.post(url, data={"csrf": csrf, "step": "people_exempt", "exemption": "mitigated"})
    assert told.status_code == 303, told.text
    page = client.get(f"/app/compliance/breaches/{breach_id}").text
    assert "(late)" in page
    assert "Measures taken since make the high risk unlikely" in page


def test_a_purpose_edit_with_an_invalid_retention_shows_the_field_error(kluis: Kluis) -> None:
    client, csrf = signed_in(kluis, "privacy_officer")
    speak(client, csrf, "en")
    url = "/app/compliance/purposes/email_marketing"
    form = client.get(url).text
    assert 'name="retention" value="P2Y"' in form or 'name="retention" value="' in form
    values = dict(re.findall(r'<input id="(\w+)" name="\w+" value="([^"]*)"', form))
    values["data_categories"] = "user.name\nuser.contact.email\nuser.demographic.profile"
    values["data_subjects"] = "customer, prospect"
    values["description_nl"] = "Nieuwsbrieven."
    values["description_en"] = "Newsletters."
    values["lawful_basis"] = "consent"
    values["retention_anchor"] = "withdrawal"
    refused = client.post(
        url, data={"csrf": csrf, **values, "retention": "two years", "roles": ["marketing"]}
    )
    assert refused.status_code == 422
    assert "Kept for (ISO 8601 duration, such as P2Y or P18M):" in refused.text
    assert "is not an ISO-8601 duration" in refused.text
    assert re.search(
        r'<input id="retention" name="retention" value="two years" required '
        r'aria-invalid="true" aria-describedby="error-retention">',
        refused.text,
    )
    assert '<p class="error field-error" id="error-retention">' in refused.text
    before = purposes.get_purpose(kluis.engine, "email_marketing")
    assert before.retention != "two years"

    saved = client.post(
        url, data={"csrf": csrf, **values, "retention": "P18M", "roles": ["marketing"]}
    )
    assert saved.status_code == 303, saved.text
    after = purposes.get_purpose(kluis.engine, "email_marketing")
    assert after.retention == "P18M"
    assert after.description_en == "Newsletters."
    assert after.data_subjects == ("customer", "prospect")
    assert [e.action for e in audit.list_entries(kluis.engine, action="purpose.changed")]


def test_the_audit_log_pages_by_sequence_and_verifies_the_chain(kluis: Kluis) -> None:
    for n in range(60):
        old_breach(kluis, hours=n)
    client, csrf = signed_in(kluis, "admin")
    speak(client, csrf, "en")
    first = client.get("/app/compliance/audit").text
    assert 'data-seq="1"' in first
    assert 'data-seq="51"' not in first
    assert 'href="/app/compliance/audit?after=50"' in first
    second = client.get("/app/compliance/audit?after=50").text
    assert 'data-seq="51"' in second
    assert 'href="/app/compliance/audit?after=0"' in second
    checked = client.post("/app/compliance/audit/verify", data={"csrf": csrf})
    assert checked.status_code == 200
    assert "The chain holds" in checked.text
    head = audit.verify(kluis.engine).head_hash
    assert head
    assert f'<code class="hash" id="head-hash">{head}</code>' in checked.text
