"""The person page's timeline and the activity pages, through the staff app on SQLite and
PostgreSQL: one list in time order of activities, consent events and privacy requests, each
under a purpose that may see it; the log form with a recording; refusals naming the field."""

from __future__ import annotations

import re
from datetime import timedelta

from activity_helpers import SUBJECT, WAV, log_call
from conftest import ADMIN, MARKETING, NOW, SALES, SERVICE
from factories import add_notice, add_person, grant_consent
from kluis.activities import reads
from kluis.audit import service as audit
from kluis.contacts import companies
from kluis.requests import service as requests
from kluis.runtime import Kluis
from staff_helpers import signed_in


def timeline(page: str) -> list[str]:
    """The timeline's entries as their kinds and refs, in page order."""
    section = page[page.index('id="person-timeline"') :]
    section = section[: section.index("</ol>")]
    return re.findall(r'data-kind="([^"]+)" data-ref="([^"]+)"', section)


def test_the_timeline_merges_activities_consent_and_requests_in_time_order(kluis: Kluis) -> None:
    person = add_person(
        kluis, ADMIN, NOW - timedelta(days=9), purposes=("customer_service", "email_marketing")
    )
    notice = add_notice(kluis, now=NOW - timedelta(days=9))
    event = grant_consent(
        kluis, person, "email", "offers", notice, at=NOW - timedelta(days=5), actor=MARKETING
    )
    old = log_call(kluis, person, occurred_at=NOW - timedelta(days=7))
    new = log_call(kluis, person, occurred_at=NOW - timedelta(days=1), type="note")
    later = log_call(kluis, person, occurred_at=NOW + timedelta(days=2), type="meeting")
    request = requests.create(kluis, ADMIN, "access", NOW - timedelta(days=3), person_id=person)
    client, _csrf = signed_in(kluis, "service", "customer_service")
    page = client.get(f"/app/contacts/{person}").text
    assert timeline(page) == [
        ("meeting", f"activity:{later}"),
        ("note", f"activity:{new}"),
        ("consent", f"consent:{event}"),
        ("call", f"activity:{old}"),
    ]
    assert SUBJECT in page
    assert "gepland" in page
    admin, _ = signed_in(kluis, "admin", "privacy_requests")
    every = timeline(admin.get(f"/app/contacts/{person}").text)
    assert ("request", f"request:{request.id}") in every
    assert len(every) == 5


def test_a_purpose_sees_only_its_own_activities_on_the_timeline(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    service_call = log_call(kluis, person)
    sales_call = log_call(kluis, person, actor=SALES, purpose="sales_follow_up")
    client, _ = signed_in(kluis, "sales", "sales_follow_up")
    refs = [ref for _kind, ref in timeline(client.get(f"/app/contacts/{person}").text)]
    assert refs == [f"activity:{sales_call}"]
    assert f"activity:{service_call}" not in refs


def test_logging_a_call_with_a_recording_from_the_person_page(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    client, csrf = signed_in(kluis, "service", "customer_service")
    page = client.get(f"/app/contacts/{person}").text
    assert 'id="activity-form"' in page
    posted = client.post(
        f"/app/contacts/{person}/activities",
        data={
            "csrf": csrf,
            "type": "call",
            "subject": SUBJECT,
            "body": "Levering verzet.",
            "occurred_at": "2026-03-14T08:00",
            "duration": "7",
        },
        files={"recording": ("gesprek.wav", WAV, "audio/x-wav")},
    )
    assert posted.status_code == 303, posted.text
    assert posted.headers["location"] == f"/app/contacts/{person}#activities-h"
    [view] = reads.of_person(kluis, SERVICE, person, "customer_service", NOW)
    assert (view.subject, view.duration_minutes) == (SUBJECT, 7)
    assert view.recording_id is not None
    page = client.get(f"/app/contacts/{person}").text
    assert ("call", f"activity:{view.id}") in timeline(page)
    assert "data-recording" in page
    detail = client.get(f"/app/activities/{view.id}")
    assert detail.status_code == 200
    assert "Levering verzet." in detail.text
    logged = audit.list_entries(kluis.engine, action="activity.logged", limit=10)
    assert [e.purpose for e in logged] == ["customer_service"]


def test_the_log_form_links_a_call_to_a_consent_event_of_the_person(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "email_marketing"))
    other = add_person(kluis, ADMIN, NOW, 2, purposes=("customer_service", "email_marketing"))
    notice = add_notice(kluis)
    event = grant_consent(kluis, person, "phone", "offers", notice, at=NOW - timedelta(days=1))
    foreign = grant_consent(kluis, other, "phone", "offers", notice, at=NOW - timedelta(days=1))
    client, csrf = signed_in(kluis, "service", "customer_service")
    for path in (f"/app/contacts/{person}", f"/app/contacts/{person}/activities/new"):
        page = client.get(path).text
        assert f'<option value="{event}">' in page, path
        assert f'<option value="{foreign}">' not in page, path
    form = {"csrf": csrf, "type": "call", "subject": SUBJECT, "occurred_at": "2026-03-14T08:00"}
    refused = client.post(
        f"/app/contacts/{person}/activities", data=form | {"consent": str(foreign)}
    )
    assert refused.status_code == 404
    assert 'id="activity-consent"' in refused.text
    posted = client.post(f"/app/contacts/{person}/activities", data=form | {"consent": str(event)})
    assert posted.status_code == 303, posted.text
    [view] = reads.of_person(kluis, SERVICE, person, "customer_service", NOW)
    assert view.consent_event_id == event


def test_a_refused_form_comes_back_with_its_error_and_values(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    client, csrf = signed_in(kluis, "service", "customer_service")
    refused = client.post(
        f"/app/contacts/{person}/activities",
        data={"csrf": csrf, "type": "note", "subject": "Nabellen", "duration": "99999"},
    )
    assert refused.status_code == 422
    assert 'role="alert"' in refused.text
    assert 'value="Nabellen"' in refused.text
    bad_file = client.post(
        f"/app/contacts/{person}/activities",
        data={"csrf": csrf, "type": "call", "subject": "Nabellen"},
        files={"recording": ("x.wav", b"no sound here", "audio/wav")},
    )
    assert bad_file.status_code == 422
    assert reads.of_person(kluis, SERVICE, person, "customer_service", NOW) == []


def test_no_form_under_a_purpose_the_person_was_not_collected_for(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    client, _ = signed_in(kluis, "admin", "privacy_requests")
    page = client.get(f"/app/contacts/{person}").text
    assert 'id="activity-form"' not in page
    assert 'id="person-timeline"' in page


def test_the_company_page_shows_its_peoples_activities_and_delete_works(kluis: Kluis) -> None:
    company = companies.create_company(kluis, ADMIN, {"name": "Bakkerij Zonnig"}, NOW).id
    person = add_person(kluis, ADMIN, NOW)
    activity = log_call(kluis, person, company_id=company)
    client, csrf = signed_in(kluis, "admin", "customer_service")
    assert f"/app/companies/{company}/activities" in client.get(f"/app/companies/{company}").text
    listed = client.get(f"/app/companies/{company}/activities")
    assert listed.status_code == 200
    assert f"/app/activities/{activity}" in listed.text
    gone = client.post(f"/app/activities/{activity}/delete", data={"csrf": csrf})
    assert gone.status_code == 303
    assert reads.of_person(kluis, ADMIN, person, "customer_service", NOW) == []
