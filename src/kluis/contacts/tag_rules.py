"""Pure rules of tags: what a tag's key, names and colour may be, and which of a person's tags
a reader sees. A tag the admin marks personal says something about the person it is on (a
hobby, a life event), so the link is personal data: shown only to a reader working under a
purpose (Art. 5(1)(b)); a business label is shown wherever the person is."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kluis.errors import InvalidField
from kluis.locale import N_

KEY = re.compile(r"[a-z0-9][a-z0-9_-]{0,39}")
COLOUR = re.compile(r"#[0-9a-f]{6}")
DEFAULT_COLOUR = "#5b6b7a"
MAX_LABEL = 80

KEY_REFUSED = N_("A tag's key is 1 to 40 small letters, digits, - or _.")
LABEL_REFUSED = N_("A tag needs a Dutch and an English name of at most 80 characters.")
COLOUR_REFUSED = N_("A colour is written #rrggbb.")
TAG_UNKNOWN = N_("There is no tag %(tag)s.")


@dataclass(frozen=True)
class TagView:
    id: int
    key: str
    label_nl: str
    label_en: str
    personal: bool
    colour: str

    def label(self, language: str) -> str:
        return self.label_nl if language == "nl" else self.label_en


def parse_key(value: str) -> str:
    key = value.strip().lower()
    if not KEY.fullmatch(key):
        raise InvalidField(
            "a tag's key is 1 to 40 small letters, digits, - or _",
            field="key",
            msgid=KEY_REFUSED,
        )
    return key


def parse_label(value: str, field: str) -> str:
    label = " ".join(value.split())
    if not label or len(label) > MAX_LABEL:
        raise InvalidField(
            "a tag needs a Dutch and an English name of at most 80 characters",
            field=field,
            msgid=LABEL_REFUSED,
        )
    return label


def parse_colour(value: str | None) -> str:
    colour = (value or DEFAULT_COLOUR).strip().lower()
    if not COLOUR.fullmatch(colour):
        raise InvalidField("a colour is written #rrggbb", field="colour", msgid=COLOUR_REFUSED)
    return colour


def visible(tags: list[TagView], under_purpose: bool) -> list[TagView]:
    """The tags a reader sees: personal ones only when reading under a purpose."""
    return [t for t in tags if under_purpose or not t.personal]
