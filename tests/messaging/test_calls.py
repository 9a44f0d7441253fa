"""Phone call lists on both backends: the list is who ``may_contact`` allows on the phone, a
call opened decides again (restriction, objection, withdrawal since the list was drawn), an
opt-out is a withdrawal in the ledger that a later list respects, outcomes are stored and
audited, a recording is kept as evidence, and an erasure takes the person's calls."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from call_helpers import PHONE, WAV, phone_kluis
from conftest import ADMIN, MARKETING, NOW, SALES
from kluis.audit import service as audit
from kluis.consent import repository as consent_repo
from kluis.consent.evidence import Recording
from kluis.consent.tables import ConsentEvent
from kluis.contacts import erasure, flags, tags
from kluis.errors import Conflict, InvalidField, PermissionDenied
from kluis.messaging import calls, campaigns
from kluis.messaging.call_tables import CallRow
from kluis.runtime import Kluis
from text_helpers import phone_of, population

LATER = NOW + timedelta(hours=1)


def drawn(k: Kluis) -> tuple[dict[str, str], calls.CallList]:
    people = population(k, "phone")
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    return people, calls.make_list(k, MARKETING, draft.id, NOW)


def by_person(found: calls.CallList) -> dict[str, calls.CallItem]:
    return {i.person_id: i for i in found.items}


def test_the_list_is_who_may_be_called(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people, found = drawn(k)
    listed = by_person(found)
    assert people["consenting"] in listed
    assert people["consenting_nl"] in listed
    for left_out in ("silent", "withdrawn", "objector"):
        assert people[left_out] not in listed
    assert listed[people["consenting"]].reason == "consent"
    assert found.results["people"] == len(listed)
    assert found.results["refused_when_drawn"]
    # drawing again adds nobody twice
    again = calls.make_list(k, MARKETING, found.campaign.id, NOW)
    assert len(again.items) == len(found.items)


def test_a_tagged_phone_campaign_lists_only_the_tagged_people(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people = population(k, "phone")
    tags.create_tag(k, ADMIN, "beurs", "Beurs", "Fair", NOW)
    tags.tag_people(k, ADMIN, [people["consenting"]], "beurs", "email_marketing", NOW)
    draft = campaigns.create_campaign(k, MARKETING, {**PHONE, "tag": "beurs"}, NOW)
    found = calls.make_list(k, MARKETING, draft.id, NOW)
    assert [i.person_id for i in found.items] == [people["consenting"]]
    assert found.results["people"] == 1


def test_a_call_list_worked_through_with_an_opt_out(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people, found = drawn(k)
    listed = by_person(found)
    reached = listed[people["consenting"]]
    leaving = listed[people["consenting_nl"]]

    call = calls.open_call(k, MARKETING, reached.id, NOW)
    assert call.allowed
    assert call.phone is not None
    assert call.phone.replace(" ", "") == phone_of(2)
    assert call.language == "en"
    assert call.script.startswith("Good afternoon")
    assert call.purpose == "email_marketing"
    calls.log_outcome(k, MARKETING, reached.id, "no_answer", NOW)
    calls.log_outcome(
        k, MARKETING, reached.id, "reached", LATER, Recording("audio/wav", WAV, "a.wav")
    )

    assert calls.open_call(k, MARKETING, leaving.id, NOW).allowed
    item = calls.log_outcome(k, MARKETING, leaving.id, "opt_out", NOW)
    assert item.outcome == "opt_out"

    with k.engine.connect() as conn:
        withdrawn = conn.execute(
            select(ConsentEvent).where(
                ConsentEvent.person_id == people["consenting_nl"],
                ConsentEvent.channel == "phone",
                ConsentEvent.action == "withdrawn",
            )
        ).all()
        kept = consent_repo.permission(conn, people["consenting_nl"], "phone", "offers")
        row = conn.execute(select(CallRow).where(CallRow.id == reached.id)).one()
    assert withdrawn
    assert {e.method for e in withdrawn} == {"phone"}
    assert {e.captured_by for e in withdrawn} == {MARKETING.ref}
    assert kept is not None
    assert kept.status.value == "withdrawn"
    assert row.outcome == "reached"
    assert row.attempts == 2
    assert row.evidence_id is not None

    after = calls.call_list(k, MARKETING, found.campaign.id).results
    assert after["called"] == 2
    assert after["reached"] == 1
    assert after["opt_out"] == 1

    second = campaigns.create_campaign(k, MARKETING, PHONE | {"name": "Summer calls"}, LATER)
    later = by_person(calls.make_list(k, MARKETING, second.id, LATER))
    assert people["consenting_nl"] not in later
    assert people["consenting"] in later

    entries = audit.list_entries(k.engine, limit=10_000)
    actions = [e.action for e in entries]
    assert "call.list_made" in actions
    assert "call.opened" in actions
    assert actions.count("call.logged") == 3
    assert "evidence.added" in actions
    reads = [e for e in entries if e.action == "person.read" and e.details.get("via") == "call"]
    assert {e.purpose for e in reads} == {"email_marketing"}
    assert all(phone_of(2) not in str(e.details) for e in entries)


def test_restriction_after_the_list_is_respected_when_the_call_opens(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people, found = drawn(k)
    listed = by_person(found)
    restricted = listed[people["consenting"]]
    objected = listed[people["consenting_nl"]]
    flags.set_flag(k, ADMIN, people["consenting"], "restriction", True, "phone", LATER)
    flags.set_flag(k, MARKETING, people["consenting_nl"], "objection", True, "phone", LATER)

    call = calls.open_call(k, MARKETING, restricted.id, LATER)
    assert not call.allowed
    assert call.phone is None
    assert call.given_name is None
    assert call.reason == "restricted"
    refused = calls.open_call(k, MARKETING, objected.id, LATER)
    assert not refused.allowed
    assert refused.reason == "objected"

    with pytest.raises(Conflict):
        calls.log_outcome(k, MARKETING, restricted.id, "reached", LATER)
    results = calls.call_list(k, MARKETING, found.campaign.id).results
    assert results["refused"] == {"restricted": 1, "objected": 1}
    assert results["called"] == 0

    flags.set_flag(k, ADMIN, people["consenting"], "restriction", False, "phone", LATER)
    assert calls.open_call(k, MARKETING, restricted.id, LATER).allowed


def test_an_unopened_call_cannot_be_logged_and_outcomes_are_fixed(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    _people, found = drawn(k)
    first = found.items[0]
    with pytest.raises(Conflict):
        calls.log_outcome(k, MARKETING, first.id, "reached", NOW)
    calls.open_call(k, MARKETING, first.id, NOW)
    with pytest.raises(InvalidField, match="outcome"):
        calls.log_outcome(k, MARKETING, first.id, "shouted", NOW)
    with pytest.raises(PermissionDenied):
        calls.call_list(k, SALES, found.campaign.id)


def test_a_phone_campaign_is_not_sent_and_other_channels_have_no_list(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    draft = campaigns.create_campaign(k, MARKETING, PHONE, NOW)
    with pytest.raises(Conflict, match="call list"):
        campaigns.ready_to_send(k, MARKETING, draft.id, None, NOW)
    mail = campaigns.create_campaign(
        k,
        MARKETING,
        {"name": "m", "topic": "offers", "subject_nl": "Hoi", "body_nl": "Hallo"},
        NOW,
    )
    with pytest.raises(InvalidField, match="only a phone campaign"):
        calls.make_list(k, MARKETING, mail.id, NOW)
    with pytest.raises(InvalidField, match="script"):
        campaigns.create_campaign(k, MARKETING, {**PHONE, "body_nl": "", "body_en": ""}, NOW)


def test_erasure_takes_the_calls(kluis: Kluis) -> None:
    k = phone_kluis(kluis)
    people, found = drawn(k)
    erasure.erase_person(k, ADMIN, people["consenting"], LATER)
    with k.engine.connect() as conn:
        left = conn.execute(
            select(CallRow.person_id).where(CallRow.campaign_id == found.campaign.id)
        ).scalars()
        assert people["consenting"] not in set(left)
