"""People on a deal: linked and read only under the deal's purpose; erasure, restriction and
the end of the purpose take them off, and the deal stays."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from conftest import ADMIN, NOW, SALES
from deal_helpers import add_deal, pipeline
from factories import add_person
from kluis.contacts import erasure, flags
from kluis.deals import people, service
from kluis.deals.tables import DealPerson
from kluis.errors import PurposeRefused
from kluis.requests import export
from kluis.retention import service as retention
from kluis.runtime import Kluis

BOTH = ("customer_service", "sales_follow_up")


def links(kluis: Kluis) -> int:
    with kluis.engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(DealPerson)).scalar_one())


def linked(kluis: Kluis, purposes: tuple[str, ...] = BOTH) -> tuple[int, str]:
    pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW)
    person_id = add_person(kluis, ADMIN, NOW, purposes=purposes)
    people.link_person(kluis, SALES, deal_id, person_id, "decision_maker", NOW)
    return deal_id, person_id


def test_people_are_read_under_the_deal_purpose(kluis: Kluis) -> None:
    deal_id, person_id = linked(kluis)
    found = people.people_of_deal(kluis, SALES, deal_id, NOW)
    assert found.purpose == "sales_follow_up"
    assert found.people == [people.OnDeal(person_id, "Fenna1 Brouwersma1", "decision_maker")]


def test_a_person_not_collected_for_the_purpose_is_refused(kluis: Kluis) -> None:
    pipeline(kluis, NOW)
    deal_id = add_deal(kluis, NOW)
    person_id = add_person(kluis, ADMIN, NOW, purposes=("customer_service",))
    with pytest.raises(PurposeRefused):
        people.link_person(kluis, SALES, deal_id, person_id, "contact", NOW)


def test_erasure_takes_the_link_and_the_deal_stays(kluis: Kluis) -> None:
    deal_id, person_id = linked(kluis)
    erasure.erase_person(kluis, ADMIN, person_id, NOW)
    assert links(kluis) == 0
    assert people.people_of_deal(kluis, SALES, deal_id, NOW).people == []
    assert service.get_deal(kluis, SALES, deal_id).deal.title == "Bakery ovens 1"


def test_a_restricted_person_is_a_removed_contact(kluis: Kluis) -> None:
    deal_id, person_id = linked(kluis)
    flags.set_flag(kluis, ADMIN, person_id, "restriction", True, "in_person", NOW)
    found = people.people_of_deal(kluis, SALES, deal_id, NOW)
    assert found.people == [people.OnDeal(None, None, "decision_maker")]


def test_the_end_of_the_purpose_removes_the_link(kluis: Kluis) -> None:
    deal_id, _person_id = linked(kluis)
    retention.sweep(kluis, NOW + timedelta(days=400))
    assert links(kluis) == 0
    assert service.get_deal(kluis, SALES, deal_id).deal.id == deal_id


def test_the_person_panel_lists_their_deals_under_the_purpose(kluis: Kluis) -> None:
    deal_id, person_id = linked(kluis)
    (found,) = people.deals_of_person(kluis, SALES, person_id, "sales_follow_up", NOW)
    assert (found.deal.id, found.stage_en, found.role) == (deal_id, "Lead", "decision_maker")
    assert people.deals_of_person(kluis, ADMIN, person_id, "customer_service", NOW) == []
    everything = people.deals_of_person(kluis, ADMIN, person_id, "privacy_requests", NOW)
    assert [d.deal.id for d in everything] == [deal_id]


def test_the_access_package_lists_the_deals_without_other_people(kluis: Kluis) -> None:
    deal_id, person_id = linked(kluis)
    other = add_person(kluis, ADMIN, NOW, 2, purposes=BOTH)
    people.link_person(kluis, SALES, deal_id, other, "contact", NOW)
    package = export.access_package(kluis, ADMIN, person_id, NOW)
    assert package["deals"] == [
        {
            "id": deal_id,
            "title": "Bakery ovens 1",
            "stage": "Lead",
            "stage_nl": "Lead",
            "stage_kind": "open",
            "role": "decision_maker",
            "purpose": "sales_follow_up",
        }
    ]
    text = json.dumps(package) + export.package_csv(package)
    assert other not in text
    assert "Fenna2" not in text
    assert f"deals,{deal_id},title,Bakery ovens 1" in export.package_csv(package)
