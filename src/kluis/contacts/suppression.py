"""The suppression list as contacts uses it: which fields it holds (e-mail address, phone number),
the digests a person has, and the refusal of a listed value for a marketing purpose (Art. 17,
21(3)).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Connection

from kluis.contacts import repository, rules
from kluis.contacts.fields import BY_NAME, PERSONAL_FIELDS
from kluis.errors import Suppressed, Word
from kluis.locale import N_
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis
from kluis.vault.service import SUPPRESSION_KINDS

SUPPRESSIBLE: dict[str, str] = {
    f.name: f.index for f in PERSONAL_FIELDS if f.index is not None and f.index in SUPPRESSION_KINDS
}
"""Field name -> blind-index kind of the fields the suppression list holds (e-mail, phone)."""


def suppressible(k: Kluis, stored: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """(kind, digest) of the e-mail address and phone number among ``stored`` values."""
    found = []
    for name, kind in SUPPRESSIBLE.items():
        if name in stored:
            for term in rules.index_terms(BY_NAME[name], stored[name]):
                found.append((kind, k.vault.blind_index(kind, term)))
    return found


def contact_digests(k: Kluis, conn: Connection, person_id: str) -> list[tuple[str, bytes]]:
    """The blind-index digests of the person's e-mail address and phone number as (kind,
    digest): what the suppression list keeps of them. Read from the index rows, so nothing is
    decrypted; call it before the rows are deleted."""
    rows = repository.index_digests(conn, person_id, list(SUPPRESSIBLE))
    return [(SUPPRESSIBLE[name], digest) for name, digest in rows]


_SUPPRESSION_WHY = {
    "erased": N_("its holder was erased (Art. 17)"),
    "objected": N_("its holder objected to direct marketing (Art. 21(3))"),
}
_SUPPRESSION_WHAT = {"email": N_("e-mail address"), "phone": N_("phone number")}
_SUPPRESSED = N_(
    "This %(what)s is on the suppression list because %(why)s, so it is not added to a "
    "marketing purpose again; %(todo)s."
)
TODO_NEW = N_(
    "collect it for another purpose, or let the person sign up again themselves with a double "
    "opt-in"
)
_TODO_CHANGE = N_(
    "leave it as it was, or remove the marketing purposes in the same change; only the person "
    "can take it off the list, by signing up again with a double opt-in"
)


def marketing_keys(k: Kluis, purposes: Mapping[str, Purpose]) -> set[str]:
    """The keys among ``purposes`` that are direct marketing, which the suppression list keeps
    erased and objecting people off (Art. 17, 21(3))."""
    return {
        key for key, p in purposes.items() if rules.is_marketing(p, k.settings.marketing_purpose)
    }


def suppressed_error(
    kind: str, reason: str, marketing: Iterable[str], todo: str, said: str = TODO_NEW
) -> Suppressed:
    """The refusal of a listed e-mail address or phone number for a marketing purpose: which
    kind of value (never the value), why it is listed, and ``todo``, what to do instead
    (``said``: the same in a page's words, without the purposes' code names)."""
    why = _SUPPRESSION_WHY.get(reason, reason)
    return Suppressed(
        f"this {_SUPPRESSION_WHAT[kind]} is on the suppression list because "
        f"{why}, so it is not added to a marketing purpose "
        f"({', '.join(marketing)}) again; {todo}",
        field=kind,
        msgid=_SUPPRESSED,
        values={"what": Word(_SUPPRESSION_WHAT[kind]), "why": Word(why), "todo": Word(said)},
    )


def refuse_suppressed(
    k: Kluis,
    conn: Connection,
    person_id: str,
    stored: Mapping[str, str],
    purposes: Sequence[str],
) -> None:
    """Refuse a rectification that gives a person who keeps a marketing purpose an e-mail
    address or phone number on the suppression list: it would add an erased or objecting
    person's address to marketing again (Art. 17, 21(3)), the door ``_check_suppressed`` keeps
    for new people. ``purposes`` are the person's purposes after the change, so a change that
    also removes the marketing ones passes; so does a value the person holds already, which
    adds nobody to marketing."""
    entries = suppressible(k, stored)
    if entries:
        held = set(contact_digests(k, conn, person_id))
        entries = [entry for entry in entries if entry not in held]
    if not entries:
        return
    catalogue = {p.key: p for p in purposes_repo.all_purposes(conn)}
    marketing = marketing_keys(k, {key: catalogue[key] for key in purposes if key in catalogue})
    if not marketing:
        return
    reasons = k.vault.suppression_reasons(digest for _, digest in entries)
    for kind, digest in entries:
        if digest in reasons:
            keys = [key for key in dict.fromkeys(purposes) if key in marketing]
            raise suppressed_error(
                kind,
                reasons[digest],
                keys,
                f"leave their {_SUPPRESSION_WHAT[kind]} as it was, or remove "
                f"{' and '.join(keys)} from their purposes in the same change; only the person "
                "can take it off the list, by signing up again with a double opt-in",
                _TODO_CHANGE,
            )
