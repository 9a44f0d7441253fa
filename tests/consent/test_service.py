"""The consent ledger through the service, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person as add_person
from factories import add_notice, grant_consent
from kluis.consent import decisions
from kluis.consent import evidence as consent_evidence
from kluis.consent import ledger as consent_ledger
from kluis.consent.catalogue import ConsentRefused
from kluis.consent.rules import Basis, Reason
from kluis.consent.tables import ConsentEvent, Evidence, PermissionRow
from kluis.contacts import erasure as contacts
from kluis.contacts import flags
from kluis.errors import InvalidField, PermissionDenied
from kluis.runtime import Kluis

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64


def notice(kluis: Kluis) -> int:
    return add_notice(kluis, "nl", "Ja, ik wil aanbiedingen per e-mail ontvangen.")


MARKETED = ("customer_service", "email_marketing")


def grant(kluis: Kluis, person_id: str, topic: str = "offers", at=NOW, **extra):  # type: ignore[no-untyped-def]
    """An e-mail grant of ``topic`` citing a fresh Dutch notice."""
    return grant_consent(kluis, person_id, "email", topic, notice(kluis), at=at, **extra)


def test_a_grant_allows_and_a_withdrawal_refuses(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="prospect", purposes=MARKETED)
    before = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", NOW)
    assert (before.allowed, before.reason) == (False, Reason.NO_CONSENT)
    event_id = grant(kluis, person, source_ip="192.0.2.7", user_agent="Firefox")
    allowed = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", NOW)
    assert (allowed.allowed, allowed.basis, allowed.evidence_event_id) == (
        True,
        Basis.CONSENT,
        event_id,
    )
    other_topic = decisions.decide(
        kluis, MARKETING, person, "email", "commercial", "promotions", NOW
    )
    assert not other_topic.allowed
    later = NOW + timedelta(days=3)
    consent_ledger.record(
        kluis, MARKETING, person, "email", "offers", "withdrawn", later, captured_by="person"
    )
    refused = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", later)
    assert (refused.allowed, refused.reason) == (False, Reason.WITHDRAWN)
    assert consent_ledger.kept_state(kluis, person) == consent_ledger.folded_state(kluis, person)
    entries = consent_ledger.ledger(kluis, ADMIN, person, "privacy_requests", later).events
    assert [e.action for e in entries] == ["granted", "withdrawn"]
    assert entries[0].source_ip == "192.0.2.7"
    assert (
        consent_ledger.ledger(kluis, MARKETING, person, "email_marketing", later)
        .events[0]
        .source_ip
        is None
    )


def test_a_consent_lapses_at_its_reconfirm_by_date(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="prospect")
    grant(kluis, person)
    lapsed = NOW + timedelta(days=2 * 366)
    decision = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", lapsed)
    assert (decision.allowed, decision.reason) == (False, Reason.EXPIRED)


def test_customers_get_email_under_soft_opt_in_until_they_opt_out(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="customer")
    email = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", NOW)
    assert (email.allowed, email.basis) == (True, Basis.SOFT_OPT_IN)
    sms = decisions.decide(kluis, MARKETING, person, "sms", "commercial", "offers", NOW)
    assert not sms.allowed
    consent_ledger.record(kluis, MARKETING, person, "email", "offers", "withdrawn", NOW)
    assert not decisions.decide(
        kluis, MARKETING, person, "email", "commercial", "offers", NOW
    ).allowed


def test_pre_ticked_implied_and_unproven_grants_are_refused(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    for flag in ("pre_ticked", "implied", "imported_without_proof"):
        with pytest.raises(ConsentRefused) as caught:
            grant(kluis, person, **{flag: True})
        assert caught.value.field == flag
    with pytest.raises(ConsentRefused) as caught:
        consent_ledger.record(kluis, MARKETING, person, "email", "offers", "granted", NOW)
    assert caught.value.field == "method"
    with kluis.engine.connect() as conn:
        assert conn.execute(select(ConsentEvent.id)).first() is None


def test_objection_and_restriction_stop_commercial_messages(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, relationship="customer")
    grant(kluis, person)
    flags.set_flag(kluis, MARKETING, person, "objection", True, "phone", NOW)
    decision = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", NOW)
    assert decision.reason is Reason.OBJECTED
    service_msg = decisions.decide(
        kluis, MARKETING, person, "email", "transactional", "offers", NOW
    )
    assert service_msg.allowed
    with pytest.raises(PermissionDenied):
        flags.set_flag(kluis, MARKETING, person, "restriction", True, "letter", NOW)
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    restricted = decisions.decide(kluis, MARKETING, person, "email", "transactional", "offers", NOW)
    assert (restricted.allowed, restricted.reason) == (False, Reason.RESTRICTED)


def test_the_ledger_is_append_only(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    event_id = grant(kluis, person)
    with pytest.raises(Exception, match="append-only"), kluis.engine.begin() as conn:
        conn.execute(
            update(ConsentEvent).where(ConsentEvent.id == event_id).values(action="withdrawn")
        )


def test_evidence_is_sealed_and_erased_with_the_person(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=MARKETED)
    evidence_id = consent_evidence.add_evidence(
        kluis, MARKETING, person, "email_marketing", "audio/wav", WAV, NOW, "call.wav"
    )
    event_id = grant(kluis, person, evidence_id=evidence_id)
    with kluis.engine.connect() as conn:
        stored = conn.execute(select(Evidence.data).where(Evidence.id == evidence_id)).scalar_one()
    assert WAV not in stored
    opened = consent_evidence.get_evidence(kluis, ADMIN, evidence_id, NOW)
    assert (opened.data, opened.filename, opened.content_type) == (WAV, "call.wav", "audio/wav")
    assert consent_ledger.ledger(kluis, ADMIN, person, "privacy_requests", NOW).evidence[0][
        "cited_by"
    ] == [event_id]
    with pytest.raises(PermissionDenied):
        consent_evidence.get_evidence(kluis, MARKETING, evidence_id, NOW)
    with pytest.raises(InvalidField):
        consent_evidence.add_evidence(
            kluis, MARKETING, person, "email_marketing", "audio/wav", b"not a wave file", NOW
        )
    contacts.erase_person(kluis, ADMIN, person, NOW)
    with kluis.engine.connect() as conn:
        assert conn.execute(select(Evidence.id)).first() is None
        assert conn.execute(select(ConsentEvent.id)).first() is None
        assert conn.execute(select(PermissionRow.person_id)).first() is None
    erased = decisions.decide(kluis, MARKETING, person, "email", "transactional", "offers", NOW)
    assert (erased.allowed, erased.reason) == (False, Reason.ERASED)


def test_audience_counts_and_stream_agree_with_decisions(kluis: Kluis) -> None:
    people = [
        add_person(kluis, ADMIN, NOW, n, relationship=r)
        for n, r in enumerate(["customer", "prospect", "prospect", "customer", "other"])
    ]
    grant(kluis, people[1])
    grant(kluis, people[2])
    consent_ledger.record(kluis, MARKETING, people[2], "email", "offers", "withdrawn", NOW)
    flags.set_flag(kluis, MARKETING, people[3], "objection", True, "email", NOW)
    counts = decisions.audience_counts(kluis, "email", "offers", NOW)
    assert counts.allowed == 2
    assert counts.refused == {"withdrawn": 1, "objected": 1, "no_consent": 1}
    assert decisions.audience_count(kluis, "email", "offers", NOW) == 2
    streamed = [
        pid
        for batch in decisions.audience(kluis, "email", "offers", NOW, batch=1)
        for pid, _ in batch
    ]
    assert sorted(streamed) == sorted([people[0], people[1]])
    for person in people:
        decision = decisions.decide(kluis, MARKETING, person, "email", "commercial", "offers", NOW)
        assert decision.allowed is (person in streamed)
