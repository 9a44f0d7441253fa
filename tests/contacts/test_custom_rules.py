"""The pure rules of custom fields: declarations (keys, labels, fideslang categories, choices,
the Art. 9(2) condition of a special category) and value normalisation, exhaustively."""

from __future__ import annotations

import pytest

from kluis.contacts import custom_rules as rules
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.errors import InvalidField
from kluis.purposes.rules import data_category_names

CATEGORIES = frozenset(data_category_names())
TIERS = (Choice("gold", "Gold", "Goud"), Choice("silver", "Silver", "Zilver"))


def field(kind: CustomKind = CustomKind.TEXT, **changes: object) -> CustomField:
    values: dict[str, object] = {
        "key": "shoe_size",
        "label_en": "Shoe size",
        "label_nl": "Schoenmaat",
        "kind": kind,
        "category": "user.demographic.profile",
        "choices": TIERS if kind in rules.CHOICE_KINDS else (),
    }
    values.update(changes)
    return CustomField(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("kind", list(CustomKind))
def test_a_plain_declaration_of_every_kind_is_valid(kind: CustomKind) -> None:
    assert rules.validation_errors(field(kind), CATEGORIES) == []


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"key": "Shoe"}, "key"),
        ({"key": "x"}, "key"),
        ({"label_en": " "}, "label_en"),
        ({"label_nl": "x" * 101}, "label_nl"),
        ({"category": "user.shoe"}, "category"),
        ({"category": "system.operations"}, "category"),
        ({"choices": TIERS}, "choices"),
        ({"art9_condition": "a"}, "art9_condition"),
    ],
)
def test_a_bad_declaration_names_its_field(changes: dict[str, object], name: str) -> None:
    assert name in [n for n, _ in rules.validation_errors(field(**changes), CATEGORIES)]


def test_choice_fields_need_distinct_keyed_choices() -> None:
    for choices in ((), (TIERS[0], TIERS[0]), (Choice("Gold!", "G", "G"),)):
        errors = rules.validation_errors(field(CustomKind.CHOICE, choices=choices), CATEGORIES)
        assert "choices" in [n for n, _ in errors]


def test_every_special_category_key_is_a_fideslang_key() -> None:
    assert set(rules.SPECIAL_CATEGORIES) <= CATEGORIES


@pytest.mark.parametrize("category", rules.SPECIAL_CATEGORIES)
def test_a_special_category_needs_an_art_9_2_condition(category: str) -> None:
    refused = rules.validation_errors(field(category=category), CATEGORIES)
    assert [n for n, _ in refused] == ["art9_condition"]
    assert "Art. 9(2)" in refused[0][1]
    assert rules.validation_errors(field(category=category, art9_condition="z"), CATEGORIES)
    assert rules.validation_errors(field(category=category, art9_condition="a"), CATEGORIES) == []
    assert field(category=category).special


def test_special_categories_cover_what_lies_below_them() -> None:
    assert rules.is_special("user.health_and_medical")
    assert not rules.is_special("user.demographic.profile")
    assert not rules.is_special("user.demographic")


@pytest.mark.parametrize(
    ("kind", "given", "stored"),
    [
        (CustomKind.TEXT, "  Size 42 ", "Size 42"),
        (CustomKind.TEXT, "", None),
        (CustomKind.NUMBER, "42.50", "42.5"),
        (CustomKind.NUMBER, "0.0", "0"),
        (CustomKind.DATE, "2026-03-14", "2026-03-14"),
        (CustomKind.CHOICE, "gold", "gold"),
        (CustomKind.MULTI_CHOICE, "silver, gold", '["gold", "silver"]'),
        (CustomKind.MULTI_CHOICE, ["gold"], '["gold"]'),
        (CustomKind.MULTI_CHOICE, [], None),
        (CustomKind.BOOLEAN, "ja", "true"),
        (CustomKind.BOOLEAN, False, "false"),
        (CustomKind.BOOLEAN, None, None),
    ],
)
def test_values_are_normalised(kind: CustomKind, given: object, stored: str | None) -> None:
    assert rules.normalise(field(kind), given) == stored


@pytest.mark.parametrize(
    ("kind", "given"),
    [
        (CustomKind.TEXT, "x" * 1001),
        (CustomKind.NUMBER, "forty"),
        (CustomKind.NUMBER, "NaN"),
        (CustomKind.DATE, "14-03-2026"),
        (CustomKind.CHOICE, "bronze"),
        (CustomKind.MULTI_CHOICE, "gold,bronze"),
        (CustomKind.BOOLEAN, "maybe"),
    ],
)
def test_a_bad_value_is_refused_without_repeating_it(kind: CustomKind, given: object) -> None:
    with pytest.raises(InvalidField) as refused:
        rules.normalise(field(kind), given)
    assert refused.value.field == "custom.shoe_size"
    for secret in ("xxxxxx", "forty", "NaN", "14-03", "bronze", "maybe"):
        assert secret not in str(refused.value)


def test_values_are_presented_in_their_api_form() -> None:
    assert rules.present(field(CustomKind.MULTI_CHOICE), '["gold"]') == ["gold"]
    assert rules.present(field(CustomKind.BOOLEAN), "true") is True
    assert rules.present(field(), "42") == "42"


def test_choices_parse_from_the_command_line_form() -> None:
    assert rules.parse_choices("gold=Gold/Goud, silver") == (
        Choice("gold", "Gold", "Goud"),
        Choice("silver", "silver", "silver"),
    )


def test_each_field_has_its_own_index_name() -> None:
    assert rules.index_name(field()) == "custom.shoe_size"
    assert rules.index_name(field(key="hat_size")) != rules.index_name(field())
