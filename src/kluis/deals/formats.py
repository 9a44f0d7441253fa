"""How amounts are shown on the staff pages: in the reader's language, with the currency's
symbol from CLDR (through Babel) and the language's separators: ``€ 1.250,50`` in Dutch,
``€1,250.50`` in English.

Babel's ``format_currency`` parses its pattern on every call (a third of a millisecond); a board
shows hundreds of amounts, so the two patterns Kluis speaks are applied here with the symbol
looked up once per currency and language.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_symbol

LOCALES = {"nl": "nl_NL", "en": "en_GB"}


@lru_cache(maxsize=256)
def symbol(currency: str, language: str) -> str:
    return get_currency_symbol(currency, locale=LOCALES.get(language, "nl_NL"))


def money(value: Decimal, currency: str, language: str) -> str:
    sign = "-" if value < 0 else ""
    text = f"{abs(value):,.2f}"
    if language == "nl":
        text = text.replace(",", " ").replace(".", ",").replace(" ", ".")
        return f"{symbol(currency, language)} {sign}{text}"
    return f"{sign}{symbol(currency, language)}{text}"


def totals(values: Mapping[str, Decimal], language: str) -> str:
    """Amounts in several currencies, one after the other: they are never added together."""
    if not values:
        return money(Decimal(0), "EUR", language)
    return " + ".join(money(v, c, language) for c, v in sorted(values.items()))


def helpers(language: str) -> dict[str, object]:
    """What the deals templates use to show amounts in the reader's language."""

    def shown(value: Decimal, currency: str) -> str:
        return money(value, currency, language)

    def summed(values: dict[str, Decimal]) -> str:
        return totals(values, language)

    return {"money": shown, "totals": summed}
