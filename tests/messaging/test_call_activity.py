"""A call in which the person was spoken to (reached, not interested, opt out) logs a ``call``
activity: under the purpose the call decided, with the campaign and the outcome as its subject,
sealed and audited like any activity, shown on the person's timeline, gone with the person.
A call without an answer logs none. Both backends."""

from __future__ import annotations

from sqlalchemy import select

from call_helpers import PHONE, phone_kluis
from conftest import ADMIN, MARKETING, NOW
from kluis.activities import reads
from kluis.activities.tables import Activity
from kluis.audit import service as audit
from kluis.contacts import erasure
from kluis.messaging import calls, campaigns
from kluis.runtime import Kluis
from staff_helpers import signed_in
from text_helpers import population


def test_a_reached_call_is_on_the_timeline_and_a_missed_one_is_not(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people = population(k, "phone")
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    listed = {i.person_id: i for i in calls.make_list(k, MARKETING, draft.id, NOW).items}
    reached, missed = listed[people["consenting"]], listed[people["consenting_nl"]]
    calls.open_call(k, MARKETING, reached.id, NOW)
    calls.open_call(k, MARKETING, missed.id, NOW)
    calls.log_outcome(k, MARKETING, missed.id, "no_answer", NOW)
    assert reads.of_person(k, MARKETING, people["consenting_nl"], "email_marketing", NOW) == []

    calls.log_outcome(k, MARKETING, reached.id, "reached", NOW)

    (activity,) = reads.of_person(k, MARKETING, people["consenting"], "email_marketing", NOW)
    assert activity.type == "call"
    assert activity.subject == "Spring calls: bereikt / reached"
    assert activity.occurred_at == NOW
    logged = audit.list_entries(
        k.engine, person_id=people["consenting"], action="activity.logged", limit=10
    )
    assert [e.purpose for e in logged] == ["email_marketing"]
    assert "Spring" not in str(logged[0].details)
    with k.engine.connect() as conn:
        (row,) = conn.execute(select(Activity).where(Activity.id == activity.id)).all()
    assert b"Spring calls" not in bytes(row.subject)  # sealed with the person's key

    client, _csrf = signed_in(k, "marketing", "email_marketing")
    page = client.get(f"/app/contacts/{people['consenting']}").text
    timeline = page[page.index('id="person-timeline"') :]
    assert "Spring calls: bereikt / reached" in timeline[: timeline.index("</ol>")]

    erasure.erase_people(k, ADMIN, [people["consenting"]], NOW)
    with k.engine.connect() as conn:
        assert conn.execute(select(Activity).where(Activity.id == activity.id)).all() == []


def test_an_opt_out_is_a_contact_moment_too(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people = population(k, "phone")
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    listed = {i.person_id: i for i in calls.make_list(k, MARKETING, draft.id, NOW).items}
    leaving = listed[people["consenting_nl"]]
    calls.open_call(k, MARKETING, leaving.id, NOW)
    calls.log_outcome(k, MARKETING, leaving.id, "opt_out", NOW)
    (activity,) = reads.of_person(k, MARKETING, people["consenting_nl"], "email_marketing", NOW)
    assert activity.subject == "Spring calls: afgemeld / opted out"
