"""transfer.rules.reasons: every reason an invalid value gets is written in English from one
table and read back into a page's msgid and values, for new jobs and for jobs stored before
the table (the same sentences)."""

from __future__ import annotations

import pytest

from kluis.contacts import custom_rules
from kluis.contacts.custom_rules import Choice, CustomField, CustomKind
from kluis.contacts.fields import PERSONAL_FIELDS
from kluis.errors import InvalidField
from kluis.transfer.rules import reasons, values
from kluis.transfer.rules.reasons import REASONS, said
from kluis.ui.words import gettext

SAMPLE = {"most": "200", "choices": "gold, silver"}


@pytest.mark.parametrize("code", sorted(REASONS))
def test_each_reason_is_read_back_with_its_values(code: str) -> None:
    reason = REASONS[code]
    needed = {k: v for k, v in SAMPLE.items() if "{" + k + "}" in reason.english}
    assert said(reason.text(**needed)) == (reason.msgid, needed)
    assert gettext("nl", reason.msgid, **needed) != reason.msgid % needed  # Dutch exists


def test_a_text_no_reason_wrote_is_not_guessed() -> None:
    assert said("the server was on fire") is None
    assert said("longer than 200 characters, and more") is None


@pytest.mark.parametrize("field", PERSONAL_FIELDS, ids=lambda f: f.name)
def test_every_personal_field_refusal_is_one_of_the_table(field: object) -> None:
    for detail in ("x is 900 characters long; at most 200 fit", "x contains control characters"):
        found = said(values.reason_for(field, InvalidField(detail)))  # type: ignore[arg-type]
        assert found is not None, detail
    assert said(values.reason_for(field, InvalidField("no"))) is not None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (CustomKind.TEXT, "x" * 1001),
        (CustomKind.NUMBER, "groot"),
        (CustomKind.DATE, "2021-02-30"),
        (CustomKind.BOOLEAN, "misschien"),
        (CustomKind.CHOICE, "brons"),
    ],
)
def test_every_custom_field_refusal_is_one_of_the_table(kind: CustomKind, value: str) -> None:
    choices = (Choice("gold", "Gold", "Goud"), Choice("silver", "Silver", "Zilver"))
    declared = CustomField("tier", "Tier", "Niveau", kind, "", choices=choices)
    with pytest.raises(InvalidField) as refused:
        custom_rules.normalise(declared, value)
    found = said(values.custom_reason(declared, refused.value))
    assert found is not None, refused.value.detail
    assert found[0] != REASONS[reasons.INVALID].msgid
