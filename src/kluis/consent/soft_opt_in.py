"""Bringing existing customers under the soft opt-in, when the admin can say they were told.

The soft opt-in (Art. 13(2) Directive 2002/58/EC; art. 11.7(3) Telecommunicatiewet) lets a
business e-mail its customers about its own similar products without consent only when the
address was obtained in a sale *and* the customer was told then, with the chance to object. The
purpose ``KLUIS_SOFT_OPT_IN_PURPOSE`` records that; Kluis cannot know it of people collected
before the purpose existed, so it never assumes it. An admin or the privacy officer who knows
that, from a date on, the sales process told every customer, runs this step for the customers
collected since that date: it says what it will do and to how many, and only does it when asked.
People who objected (Art. 21(3)), whose processing is restricted (Art. 18) or whose address is
on the suppression list are left out. Each person added is audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.people_events import PersonPurposesChanged
from kluis.contacts import repository as contacts_repo
from kluis.errors import InvalidField, NotFound, PermissionDenied
from kluis.purposes import repository as purposes_repo
from kluis.runtime import Kluis
from kluis.vault.service import SUPPRESSION_KINDS


@dataclass(frozen=True)
class Adoption:
    purpose: str
    told_since: datetime
    customers: int
    """Customers collected since ``told_since`` who hold the purpose now (or would)."""
    suppressed: int
    """Customers left out because an address of theirs is on the suppression list."""
    done: bool


def hold_told_customers(
    k: Kluis,
    actor: Actor,
    told_since: datetime,
    now: datetime,
    *,
    apply: bool = False,
    page: int = 1000,
) -> Adoption:
    """Add the soft opt-in purpose to every customer collected from ``told_since`` to ``now``
    who lacks it, has not objected, is not restricted and has no suppressed address; with
    ``apply`` False only count them."""
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may do this")
    if told_since > now:
        raise InvalidField(
            "the date the customers were told from is in the future", field="told_since"
        )
    key = k.settings.soft_opt_in_purpose
    with k.engine.connect() as conn:
        if purposes_repo.get(conn, key) is None:
            raise NotFound(
                f"there is no purpose {key!r}; `kluis init` adds it to the catalogue",
                field="purpose",
            )
    customers = suppressed = 0
    after = ""
    while True:
        with k.engine.begin() as conn:
            ids = contacts_repo.customers_without(conn, key, told_since, now, after, page)
            if not ids:
                break
            after = ids[-1]
            held = contacts_repo.index_digests_of(conn, ids, SUPPRESSION_KINDS)
            listed = k.vault.suppressed(digest for _, _, digest in held)
            blocked = {person for person, _, digest in held if digest in listed}
            chosen = [person for person in ids if person not in blocked]
            suppressed += len(blocked)
            customers += len(chosen)
            if apply and chosen:
                for person in chosen:
                    contacts_repo.replace_purposes(conn, person, [(key, now)], [])
                audit.record(
                    conn, actor.ref, now, [PersonPurposesChanged(p, (key,), ()) for p in chosen]
                )
    return Adoption(key, told_since, customers, suppressed, apply)
