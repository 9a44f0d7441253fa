"""Pure rules of the people list: which orders exist, how a filter is read, and the order of
names.

Names are sealed per person (DESIGN.md invariant 1), so the data store cannot order them: an
order-revealing index would be a plain-text copy of the names' order (and, with a few known
names, of much of the names themselves), readable in every dump and backup and out of reach of
erasure. The list orders names in memory instead, after decrypting only the name fields of
the people the filters leave, and only when they are at most ``NAME_SORT_LIMIT``
(docs/web.md, "Sorting encrypted names").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from kluis.contacts.rules import fold
from kluis.errors import InvalidField
from kluis.locale import N_

NAME_SORT_LIMIT = 5000
"""The most people whose names are decrypted to order one page by name."""

MAX_INACTIVE_DAYS = 36_500


class Sort(StrEnum):
    """Orders of the list; a leading ``-`` in a query reverses one (``-interaction``)."""

    COLLECTED = "collected"
    NAME = "name"
    INTERACTION = "interaction"


@dataclass(frozen=True)
class Order:
    by: Sort
    descending: bool = False

    @property
    def token(self) -> str:
        return ("-" if self.descending else "") + self.by.value


DEFAULT_ORDER = Order(Sort.COLLECTED)

SORT_REFUSED = N_("Sort by name, collection date or last contact.")
TOO_MANY_TO_SORT = N_(
    "Too many people to sort by name (at most %(limit)d): narrow the list with a filter first."
)
OWNER_REFUSED = N_("Choose an owner from the list.")


def parse_order(value: str | None) -> Order:
    """``name``, ``-name``, ``collected``, ``-collected``, ``interaction``, ``-interaction``."""
    if not value:
        return DEFAULT_ORDER
    descending = value.startswith("-")
    try:
        return Order(Sort(value.removeprefix("-")), descending)
    except ValueError:
        raise InvalidField(
            "sort is one of name, collected, interaction (a leading - reverses it)",
            field="sort",
            msgid=SORT_REFUSED,
        ) from None


@dataclass(frozen=True)
class OwnerFilter:
    """Whose people: one staff user's (``user_id``), nobody's (``unowned``), or anyone's."""

    user_id: int | None = None
    unowned: bool = False


ANYONE = OwnerFilter()


def parse_owner(value: str | None, me: int | None) -> OwnerFilter:
    """``mine`` (the acting user), ``none`` (no owner), a staff user's id, or empty (anyone)."""
    if not value:
        return ANYONE
    if value == "none":
        return OwnerFilter(unowned=True)
    if value == "mine":
        if me is None:
            raise InvalidField("owner=mine needs a staff user; name the owner's id", field="owner")
        return OwnerFilter(user_id=me)
    if value.isdigit() and 0 < int(value) < 2**31:
        return OwnerFilter(user_id=int(value))
    raise InvalidField(
        "owner is mine, none or a staff user's id", field="owner", msgid=OWNER_REFUSED
    )


def inactive_since(days: int | None, now: datetime) -> datetime | None:
    """The moment before which the last interaction must lie for "no activity for ``days``
    days"; None without the filter."""
    if days is None:
        return None
    if not 0 <= days <= MAX_INACTIVE_DAYS:
        raise InvalidField(
            f"inactive days is between 0 and {MAX_INACTIVE_DAYS}", field="inactive_days"
        )
    return now - timedelta(days=days)


def name_key(given: str | None, family: str | None, person_id: str) -> tuple[str, str, str]:
    """The order of two people by name: family name, then given name, folded (case and
    accents, ``rules.fold``), people without a name last; the id breaks ties so pages are
    stable."""
    family_key = fold(family or "")
    given_key = fold(given or "")
    if not family_key and not given_key:
        return ("\uffff", "", person_id)
    return (family_key, given_key, person_id)
