"""Activities in the access package (Art. 15) and the portable package (Art. 20), and their
replay by ``import-portable``, on SQLite and PostgreSQL: decrypted, with purpose, type, times
and the author's role; a ``kluis.access/1`` package (no activities) still imports."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from activity_helpers import BODY, SUBJECT, WAV, log_call
from conftest import ADMIN, NOW, PRIVACY, SALES
from factories import add_notice, add_person, grant_consent
from kluis.activities import reads
from kluis.consent.evidence import Recording
from kluis.errors import InvalidField
from kluis.requests import export
from kluis.runtime import Kluis


def exported(kluis: Kluis, person: str, *, portable: bool = False) -> dict[str, Any]:
    return export.access_package(kluis, PRIVACY, person, NOW, portable=portable)


def test_the_package_holds_each_activity_opened_with_purpose_type_times_and_role(
    kluis: Kluis,
) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    first = log_call(kluis, person, occurred_at=NOW - timedelta(days=2))
    second = log_call(
        kluis, person, actor=SALES, purpose="sales_follow_up", type="visit", subject="Showroom"
    )
    package = exported(kluis, person)
    assert package["schema"] == "kluis.access/2"
    assert [a["id"] for a in package["activities"]] == [first, second]
    one = package["activities"][0]
    assert (one["type"], one["purpose"], one["subject"], one["body"]) == (
        "call",
        "customer_service",
        SUBJECT,
        BODY,
    )
    assert one["author_role"] == "service"
    assert "author" not in one
    assert package["activities"][1]["purpose"] == "sales_follow_up"
    assert SUBJECT in export.package_html(package, "nl")
    assert SUBJECT in export.package_csv(package)


def test_import_portable_replays_the_activities_with_their_recordings(
    kluis: Kluis, target: Kluis
) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    log_call(
        kluis,
        person,
        occurred_at=NOW - timedelta(days=3),
        recording=Recording("audio/wav", WAV, "gesprek.wav"),
    )
    log_call(kluis, person, actor=SALES, purpose="sales_follow_up", type="note", subject="Offerte")
    package = exported(kluis, person, portable=True)
    moved = export.import_portable(
        target, ADMIN, json.dumps(package).encode(), NOW, purposes=["customer_service"]
    )
    [view] = reads.of_person(target, ADMIN, moved, "privacy_requests", NOW)
    assert (view.subject, view.body, view.type) == (SUBJECT, BODY, "call")
    assert view.occurred_at == NOW - timedelta(days=3)
    assert view.author == "portable:service"
    assert view.recording_id is not None
    again = exported(target, moved, portable=True)
    recording = next(e for e in again["evidence"] if e["id"] == view.recording_id)
    assert recording["sha256"] == package["evidence"][0]["sha256"]


def test_a_version_1_package_without_activities_still_imports(kluis: Kluis, target: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    package = exported(kluis, person, portable=True)
    package["schema"] = "kluis.access/1"
    del package["activities"]
    moved = export.import_portable(target, ADMIN, package, NOW)
    assert reads.of_person(target, ADMIN, moved, "privacy_requests", NOW) == []


def test_a_damaged_activity_is_refused_naming_it_and_nothing_is_left(
    kluis: Kluis, target: Kluis
) -> None:
    person = add_person(kluis, ADMIN, NOW)
    log_call(kluis, person)
    package = exported(kluis, person, portable=True)
    package["activities"][0]["type"] = "fax"
    with pytest.raises(InvalidField) as refused:
        export.import_portable(target, ADMIN, package, NOW)
    assert refused.value.field == "activities.0.type"


def test_import_portable_keeps_a_calls_link_to_the_consent_event_it_recorded(
    kluis: Kluis, target: Kluis
) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service",))
    earlier = grant_consent(
        kluis, person, "email", "newsletter", add_notice(kluis), at=NOW - timedelta(days=9)
    )
    event = grant_consent(
        kluis, person, "phone", "offers", add_notice(kluis), at=NOW - timedelta(days=4)
    )
    log_call(kluis, person, occurred_at=NOW - timedelta(days=4), consent_event_id=event)
    log_call(kluis, person, occurred_at=NOW - timedelta(days=2), subject="Zonder toestemming")
    package = exported(kluis, person, portable=True)
    assert [a["consent_event_id"] for a in package["activities"]] == [event, None]
    assert earlier != event

    moved = export.import_portable(target, ADMIN, json.dumps(package).encode(), NOW)

    linked, plain = reads.of_person(target, ADMIN, moved, "privacy_requests", NOW)[::-1]
    assert plain.consent_event_id is None
    assert linked.consent_event_id is not None
    again = exported(target, moved)
    [cited] = [e for e in again["consent"]["events"] if e["id"] == linked.consent_event_id]
    assert (cited["channel"], cited["topic"], cited["action"]) == ("phone", "offers", "granted")
