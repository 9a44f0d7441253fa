"""How amounts are shown on the staff pages: in the reader's language, with the currency's own
sign and decimals (CLDR through Babel), never by hand."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from babel.numbers import format_currency

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


def money(value: Decimal, currency: str, language: str) -> str:
    return format_currency(value, currency, locale=LOCALES.get(language, "nl_NL"))


def totals(values: Mapping[str, Decimal], language: str) -> str:
    """Amounts in several currencies, one after the other: they are never added together."""
    if not values:
        return money(Decimal(0), "EUR", language)
    return " + ".join(money(v, c, language) for c, v in sorted(values.items()))
