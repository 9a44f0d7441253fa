"""What the custom-value forms share, and the rules the pages added: every refusal of a
declaration carries a msgid the Dutch catalogue translates, a field's labels and choices may
change but a choice key may not go, and a form reads back only the fields it offered, stores
only what changed and files each new value under the first purpose that covers it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from starlette.datastructures import FormData

from kluis.contacts import custom_forms
from kluis.contacts import custom_rules as rules
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.errors import InvalidField
from kluis.purposes.rules import LawfulBasis, Purpose, RetentionAnchor, data_category_names

CATEGORIES = frozenset(data_category_names())
PO = Path(rules.__file__).parent.parent / "ui/translations/nl/LC_MESSAGES/messages.po"
TIERS = (Choice("gold", "Gold", "Goud"), Choice("silver", "Silver", "Zilver"))
SIZE = CustomField("size", "Size", "Maat", CustomKind.NUMBER, "user.demographic.profile")
TIER = CustomField("tier", "Tier", "Niveau", CustomKind.CHOICE, "user.contact", choices=TIERS)
CLUBS = CustomField(
    "clubs", "Clubs", "Clubs", CustomKind.MULTI_CHOICE, "user.contact.address", choices=TIERS
)
VEGAN = CustomField("vegan", "Vegan", "Veganist", CustomKind.BOOLEAN, "user.demographic.profile")


def purpose(key: str, *categories: str) -> Purpose:
    return Purpose(
        key, key, key, "", "", LawfulBasis.CONTRACT, categories, "essential", "P1Y",
        RetentionAnchor.COLLECTION,
    )  # fmt: skip


@pytest.mark.parametrize(
    "changes",
    [
        {"key": "X"},
        {"label_en": ""},
        {"category": "user.shoe"},
        {"category": "system.operations"},
        {"category": "user.health_and_medical"},
        {"art9_condition": "a"},
        {"choices": TIERS},
        {"kind": CustomKind.CHOICE},
        {"kind": CustomKind.CHOICE, "choices": (Choice("Gold", "a", "b"),)},
    ],
)
def test_every_refusal_of_a_declaration_has_a_dutch_msgid(changes: dict[str, object]) -> None:
    with PO.open("rb") as f:
        dutch = {m.id: m.string for m in read_po(f) if m.id}
    problems = rules.validation_problems(replace(SIZE, **changes), CATEGORIES)  # type: ignore[arg-type]
    assert problems
    for problem in problems:
        assert dutch.get(problem.msgid), problem.msgid
        assert (problem.field, problem.message) in rules.validation_errors(
            replace(SIZE, **changes),  # type: ignore[arg-type]
            CATEGORIES,
        )


def test_labels_and_choices_change_but_a_choice_key_never_goes() -> None:
    more = (*TIERS, Choice("bronze", "Bronze", "Brons"))
    changed = rules.relabelled(TIER, "Level", "Trede", more)
    assert (changed.label_en, changed.label_nl, changed.choices) == ("Level", "Trede", more)
    assert (changed.key, changed.kind, changed.category) == (TIER.key, TIER.kind, TIER.category)
    renamed = (Choice("gold", "Golden", "Gouden"), TIERS[1])
    assert rules.relabelled(TIER, "Tier", "Niveau", renamed).choices == renamed
    with pytest.raises(InvalidField) as refused:
        rules.relabelled(TIER, "Tier", "Niveau", TIERS[:1])
    assert refused.value.msgid == rules.CHOICES_KEPT


def test_a_form_reads_back_only_the_fields_it_offered() -> None:
    form = FormData(
        [("custom.size", " 42 "), ("custom.clubs", "gold"), ("custom.clubs", "silver"),
         ("custom.tier", "gold"), ("custom.vegan", "")]
    )  # fmt: skip
    assert custom_forms.posted(form, [SIZE, CLUBS, VEGAN]) == {
        "size": "42",
        "clubs": ["gold", "silver"],
        "vegan": "",
    }
    assert custom_forms.posted(FormData([]), [CLUBS]) == {"clubs": []}


def test_only_changed_values_are_stored_and_a_bad_one_is_refused() -> None:
    current = {"size": "42", "clubs": ["silver", "gold"], "vegan": True}
    given = {"size": "42.0", "clubs": ["gold", "silver"], "vegan": "yes", "tier": "gold"}
    assert custom_forms.changed([SIZE, CLUBS, VEGAN, TIER], given, current) == {"tier": "gold"}
    assert custom_forms.changed([SIZE], {"size": ""}, current) == {"size": ""}
    assert custom_forms.changed([SIZE], {}, current) == {}
    with pytest.raises(InvalidField) as refused:
        custom_forms.changed([TIER], {"tier": "platinum"}, {})
    assert refused.value.msgid == rules.NOT_A_CHOICE
    assert refused.value.values == {"key": "tier"}


def test_a_new_value_goes_under_the_first_purpose_that_covers_it() -> None:
    sales = purpose("sales", "user.demographic")
    service = purpose("service", "user.contact")
    fields = [SIZE, TIER, CLUBS, VEGAN]
    assert custom_forms.covered(fields, [sales]) == [SIZE, VEGAN]
    assert custom_forms.covered(fields, [service, sales]) == fields
    given = {"size": "40", "tier": "gold", "clubs": [], "vegan": "no"}
    assert custom_forms.by_purpose(fields, [sales, service], given) == {
        "sales": {"size": "40", "vegan": "no"},
        "service": {"tier": "gold"},
    }
    assert custom_forms.by_purpose([SIZE], [service], {"size": "40"}) == {}


def test_an_input_shows_its_value_in_the_readers_language() -> None:
    assert custom_forms.CustomInput(TIER, "gold").shown("nl") == "Goud"
    assert custom_forms.CustomInput(CLUBS, ["gold", "silver"]).shown("en") == "Gold, Silver"
    assert custom_forms.CustomInput(VEGAN, True).shown("nl") == "ja"
    assert custom_forms.CustomInput(VEGAN, False).text == "no"
    assert custom_forms.CustomInput(SIZE, None).text == ""
    assert custom_forms.CustomInput(CLUBS, ["gold"]).picked == ["gold"]
    assert custom_forms.CustomInput(SIZE, "41").name == "custom.size"
