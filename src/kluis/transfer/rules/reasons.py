"""Why a value was refused (code ``invalid_value``), as a reason code and its values: one table
writes the English ``reason`` the API, the CLI and the rejects file keep, and reads it back
into a page's sentence, so a Dutch page says "Geen geldig e-mailadres." where the English says
"not a valid e-mail address" (Art. 12(1): clear and plain language to the staff who fix the
file). A reason names the column's rule, never the value (GDPR Art. 5(1)(f)). Pure: no I/O.

Reading the stored text back, rather than storing a second column, also words the rejects of
jobs recorded before this table: their reasons are the same sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kluis.locale import N_


@dataclass(frozen=True)
class Reason:
    """One reason: its English (a ``str.format`` template) and a page's sentence (a msgid with
    the same values as ``%(name)s``)."""

    english: str
    msgid: str

    def text(self, **values: object) -> str:
        return self.english.format(**values)

    def pattern(self) -> re.Pattern[str]:
        escaped = re.escape(self.english)
        return re.compile("^" + re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>.+?)", escaped) + "$")


EMAIL = "email"
PHONE = "phone"
DATE = "date"
TOO_LONG = "too_long"
CONTROL = "control"
INVALID = "invalid"
RELATIONSHIP = "relationship"
LANGUAGE = "language"
YES_NO = "yes_no"
CUSTOM_TOO_LONG = "custom_too_long"
CUSTOM_NUMBER = "custom_number"
CUSTOM_DATE = "custom_date"
CUSTOM_BOOLEAN = "custom_boolean"
CUSTOM_CHOICE = "custom_choice"

REASONS = {
    EMAIL: Reason("not a valid e-mail address", N_("Not a valid e-mail address.")),
    PHONE: Reason(
        "not a phone number; write it with its country code, e.g. +31 20 123 4567",
        N_("Not a phone number; write it with its country code, e.g. +31 20 123 4567."),
    ),
    DATE: Reason(
        "not a date as YYYY-MM-DD or DD-MM-YYYY, or in the future, or before 1900",
        N_("Not a date written as DD-MM-YYYY, or in the future, or before 1900."),
    ),
    TOO_LONG: Reason("longer than {most} characters", N_("Longer than %(most)s characters.")),
    CONTROL: Reason("contains control characters", N_("Holds control characters.")),
    INVALID: Reason("not a valid value", N_("Not a valid value.")),
    RELATIONSHIP: Reason(
        "not customer, prospect or other (klant, prospect, overig)",
        N_("Not customer, prospect or other."),
    ),
    LANGUAGE: Reason(
        "not a language Kluis speaks (nl or en)", N_("Not a language Kluis speaks (nl or en).")
    ),
    YES_NO: Reason("not yes or no (ja or nee)", N_("Not yes or no.")),
    # a custom field's refusal, as ``custom_rules.normalise`` words it after the field's name
    CUSTOM_TOO_LONG: Reason(
        "is longer than {most} characters", N_("Longer than %(most)s characters.")
    ),
    CUSTOM_NUMBER: Reason("is not a number such as 12.5", N_("Not a number such as 12.5.")),
    CUSTOM_DATE: Reason(
        "is not a date YYYY-MM-DD", N_("Not a date written as DD-MM-YYYY or YYYY-MM-DD.")
    ),
    CUSTOM_BOOLEAN: Reason("is yes or no (true or false)", N_("Not yes or no.")),
    CUSTOM_CHOICE: Reason(
        "takes one of its choices: {choices}", N_("Not one of the choices: %(choices)s.")
    ),
}

_PATTERNS = tuple((code, reason.pattern()) for code, reason in REASONS.items())


def said(reason: str) -> tuple[str, dict[str, str]] | None:
    """The page's msgid and values for a stored English ``reason``, or None for a text no
    reason of the table wrote (a page then says the code's general sentence alone)."""
    for code, pattern in _PATTERNS:
        found = pattern.match(reason)
        if found is not None:
            return REASONS[code].msgid, found.groupdict()
    return None
