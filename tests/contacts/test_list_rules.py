"""The pure rules of the people list: orders, owner filters, the inactivity cut-off and the
order of names."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import NOW
from kluis.contacts import list_rules
from kluis.contacts.list_rules import Order, OwnerFilter, Sort
from kluis.errors import InvalidField


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, Order(Sort.COLLECTED)),
        ("", Order(Sort.COLLECTED)),
        ("name", Order(Sort.NAME)),
        ("-name", Order(Sort.NAME, True)),
        ("collected", Order(Sort.COLLECTED)),
        ("-collected", Order(Sort.COLLECTED, True)),
        ("interaction", Order(Sort.INTERACTION)),
        ("-interaction", Order(Sort.INTERACTION, True)),
    ],
)
def test_every_order_is_read(value: str | None, expected: Order) -> None:
    assert list_rules.parse_order(value) == expected
    assert list_rules.parse_order(expected.token) == expected


@pytest.mark.parametrize("value", ["email", "--name", "name-", "Name", "birth_date"])
def test_an_unknown_order_is_refused_naming_the_field(value: str) -> None:
    with pytest.raises(InvalidField) as caught:
        list_rules.parse_order(value)
    assert caught.value.field == "sort"
    assert value not in caught.value.detail or value in ("name-",)


def test_owner_filters() -> None:
    assert list_rules.parse_owner(None, 7) == list_rules.ANYONE
    assert list_rules.parse_owner("", 7) == list_rules.ANYONE
    assert list_rules.parse_owner("mine", 7) == OwnerFilter(user_id=7)
    assert list_rules.parse_owner("none", 7) == OwnerFilter(unowned=True)
    assert list_rules.parse_owner("12", None) == OwnerFilter(user_id=12)


@pytest.mark.parametrize("value", ["0", "-1", "abc", "99999999999", "1.5"])
def test_a_bad_owner_is_refused(value: str) -> None:
    with pytest.raises(InvalidField) as caught:
        list_rules.parse_owner(value, 7)
    assert caught.value.field == "owner"


def test_mine_needs_a_staff_user() -> None:
    with pytest.raises(InvalidField):
        list_rules.parse_owner("mine", None)


def test_inactive_since() -> None:
    assert list_rules.inactive_since(None, NOW) is None
    assert list_rules.inactive_since(90, NOW) == NOW - timedelta(days=90)
    assert list_rules.inactive_since(0, NOW) == NOW
    for days in (-1, list_rules.MAX_INACTIVE_DAYS + 1):
        with pytest.raises(InvalidField):
            list_rules.inactive_since(days, NOW)


def test_names_order_by_family_then_given_name_folded_and_nameless_last() -> None:
    people = [
        ("a", "Fenna", "Zwart"),
        ("b", "Émile", "de Vries"),
        ("c", "anna", "De Vries"),
        ("d", None, None),
        ("e", "Bram", "Ålund"),
        ("f", "Anna", "de vries"),
    ]
    ordered = sorted(list_rules.name_key(g, f, i) for i, g, f in people)
    assert [key[2] for key in ordered] == ["e", "c", "f", "b", "a", "d"]
