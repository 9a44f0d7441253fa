"""Guards around privacy requests: who may look a requester up by address, who may file an
erasure already verified, and a legal hold stopping an erasure (Art. 17(3)(e))."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import ADMIN, MARKETING, NOW, PRIVACY, SALES, SERVICE
from factories import add_person
from kluis.actors import Actor
from kluis.errors import InvalidField, PermissionDenied
from kluis.requests import service
from kluis.retention import service as retention
from kluis.runtime import Kluis


def test_only_handlers_look_a_requester_up_by_address(kluis: Kluis) -> None:
    add_person(kluis, ADMIN, NOW, 1, email="mirthe.vanlaar@example.com")
    with pytest.raises(PermissionDenied):
        service.create(kluis, MARKETING, "access", NOW, email="mirthe.vanlaar@example.com")
    made = service.create(kluis, PRIVACY, "access", NOW, email="mirthe.vanlaar@example.com")
    assert made.status == "received"


@pytest.mark.parametrize("actor", [SALES, MARKETING, SERVICE], ids=lambda a: a.role.value)
def test_only_handlers_file_an_erasure_already_verified(kluis: Kluis, actor: Actor) -> None:
    person = add_person(kluis, ADMIN, NOW, 3)
    with pytest.raises(PermissionDenied) as refused:
        service.create(kluis, actor, "erasure", NOW, person_id=person, verified_by="in_person")
    assert "verified" in refused.value.detail
    assert service.list_requests(kluis, ADMIN, NOW) == []
    taken_in = service.create(kluis, actor, "erasure", NOW, person_id=person)
    assert taken_in.status == "received"
    checked = service.create(kluis, actor, "access", NOW, person_id=person, verified_by="in_person")
    assert checked.status == "verified"
    filed = service.create(
        kluis, PRIVACY, "erasure", NOW, person_id=person, verified_by="in_person"
    )
    assert filed.status == "verified"


def test_a_legal_hold_stops_an_erasure_request_until_it_is_lifted(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 2)
    hold = retention.add_hold(kluis, ADMIN, person, "case 2026-17", NOW + timedelta(days=90), NOW)
    request = service.create(
        kluis, PRIVACY, "erasure", NOW, person_id=person, verified_by="in_person"
    )
    with pytest.raises(InvalidField) as refused:
        service.process(kluis, PRIVACY, request.id, NOW, mail=False)
    assert refused.value.field == "legal_hold"
    assert service.get(kluis, PRIVACY, request.id, NOW).status == "verified"
    retention.lift_hold(kluis, ADMIN, hold, NOW + timedelta(days=1))
    done = service.process(kluis, PRIVACY, request.id, NOW + timedelta(days=1), mail=False)
    assert done.request.status == "completed"
    assert kluis.vault.erased([person]) == {person}
