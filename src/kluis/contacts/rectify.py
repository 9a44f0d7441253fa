"""Rectification (Art. 16): changing a person's fields and purposes under a purpose that may use
them, with each purpose added checked as further processing (Art. 6(4)).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import Actor
from kluis.audit import service as audit
from kluis.audit.events import AuditEvent
from kluis.audit.people_events import (
    PersonPurposeAdded,
    PersonPurposesChanged,
    PersonUpdated,
    SuppressionAdded,
)
from kluis.contacts import hooks, repository, rules
from kluis.contacts.fields import BY_NAME, PersonalField
from kluis.contacts.people import (
    PersonView,
    email_digest,
    normalise_context,
    purpose_for,
    taken_by,
    views_of,
    visible_one,
)
from kluis.contacts.suppression import SUPPRESSIBLE, refuse_suppressed
from kluis.contacts.writer import index_entries
from kluis.errors import (
    Conflict,
    InvalidField,
    PurposeRefused,
)
from kluis.locale import N_
from kluis.purposes.rules import LawfulBasis, Purpose
from kluis.runtime import Kluis

_PLAIN = ("relationship", "language", "company_id")


def update_person(
    k: Kluis,
    actor: Actor,
    person_id: str,
    purpose_key: str,
    changes: Mapping[str, Any],
    now: datetime,
) -> PersonView:
    """Rectification (Art. 16): change fields the purpose may use; ``None`` clears a field.

    The audit entry names the fields that changed, never their old or new values. An e-mail
    address or phone number on the suppression list is refused for a person who keeps a
    marketing purpose (409 ``suppressed``), as ``create_people`` refuses it; one given to a
    person who objected to direct marketing goes on the list (``store_fields``).
    """
    ctx = normalise_context(k, now)
    with k.engine.begin() as conn:
        purpose = purpose_for(conn, actor, purpose_key)
        current = visible_one(
            k,
            conn,
            purpose,
            person_id,
            f"person {person_id} was not collected for purpose {purpose_key!r}",
        )
        cipher = k.vault.cipher(person_id)
        values: dict[str, Any] = {}
        changed: list[str] = []
        stored: dict[str, str] = {}
        cleared: list[PersonalField] = []
        for name, value in changes.items():
            if name in _PLAIN:
                if name == "relationship":
                    value = rules.parse_relationship(value).value
                elif name == "language":
                    value = rules.parse_language(value)
                elif name == "company_id" and repository.missing_companies(conn, [value]):
                    raise InvalidField(f"there is no company {value}", field="company_id")
                values[name] = value
                continue
            if name == "purposes":
                continue
            declared = BY_NAME.get(name)
            if declared is None:
                raise InvalidField(f"unknown field {name!r}", field=name)
            if not purpose.may_use(declared.category):
                raise PurposeRefused(
                    f"purpose {purpose.key!r} may not use {name} ({declared.category}); change it "
                    "under a purpose that uses it",
                    field=name,
                    msgid=N_(
                        "The purpose you work under does not use this field; change it while "
                        "working under a purpose that does."
                    ),
                )
            if value is None:
                values[name] = None
                cleared.append(declared)
            else:
                stored[name] = rules.normalise(declared, value, ctx)
                values[name] = cipher.seal(name, stored[name])
            changed.append(name)
        if "email" in stored:
            held = repository.owners_of(conn, "email", [email_digest(k, stored["email"])])
            other = [owner for owner in held.values() if owner != person_id]
            if other:
                taken = taken_by(conn, actor, other[0])
                raise Conflict(
                    f"another person has this e-mail address {taken.text}",
                    field="email",
                    msgid=taken.msgid,
                    values=taken.values,
                )
        wanted = list(changes["purposes"] or []) if "purposes" in changes else None
        refuse_suppressed(
            k, conn, person_id, stored, current.purposes if wanted is None else wanted
        )
        events: list[AuditEvent] = []
        if wanted is not None:
            if not purpose.covers_everyone and purpose.key not in wanted:
                raise InvalidField(
                    f"the purpose you work under ({purpose.key}) cannot be removed while you "
                    "work under it; work under another purpose of the person's",
                    field="purposes",
                    msgid=N_(
                        "The purpose you work under cannot be removed while you work under it; "
                        "work under another purpose of the person's."
                    ),
                )
            events.extend(change_purposes(k, conn, actor, current, wanted, purpose, now))
        if values:
            events.append(PersonUpdated(person_id, purpose.key, tuple(sorted(values))))
            index = {
                name: [d for _, d in index_entries({name: stored[name]}, k.vault.blind_index)]
                if name in stored
                else []
                for name in changed
                if BY_NAME[name].index is not None
            }
            events.extend(store_fields(k, conn, person_id, values, index, now))
        audit.record(conn, actor.ref, now, events)
        views, _ = views_of(k, conn, purpose, [person_id])
    return views[0]


def store_fields(
    k: Kluis,
    conn: Connection,
    person_id: str,
    values: Mapping[str, Any],
    index: Mapping[str, Sequence[bytes]],
    now: datetime,
) -> list[AuditEvent]:
    """Write changed fields of a person already held, in the caller's transaction: ``values``
    are sealed field values (``None`` clears) and plain columns, ``index`` the new blind-index
    digests of each indexed field that changed (none when cleared). The one path both
    rectification (``update_person``, Art. 16) and an import's merge take.

    An objection to direct marketing (Art. 21(3)) covers every way to reach the person, but the
    suppression list holds only the e-mail address and phone number they had when they objected
    (``contacts.flags.set_flag``). So an address or number given to them later goes on the
    list here, with reason ``objected``; otherwise an import or form that finds them by it adds
    them to marketing again. As in ``set_flag`` the keyring is written before the caller's
    transaction commits: a failure after it leaves a value listed that was never stored, never
    a stored value off the list. Returns the ``suppression.added`` event, for the caller to
    audit in its transaction.
    """
    repository.update_person(
        conn, person_id, {**values, "updated_at": now, "last_interaction_at": now}
    )
    entries: list[tuple[str, bytes]] = []
    for name, digests in index.items():
        repository.replace_index(conn, person_id, name, digests)
        if name in SUPPRESSIBLE:
            entries.extend((SUPPRESSIBLE[name], digest) for digest in digests)
    if not entries or not repository.objected(conn, [person_id]):
        return []
    if not k.vault.suppress(entries, "objected", now):
        return []
    return [SuppressionAdded(person_id, tuple(sorted({kind for kind, _ in entries})), "objected")]


_OBJECTED = N_(
    "A marketing purpose cannot be added: the person objected to direct marketing (Art. 21(3)); "
    "only an admin or the privacy officer can lift an objection the person withdraws."
)
_NO_CONSENT = N_(
    "A purpose resting on consent (Art. 6(1)(a)) cannot be added: the person has no live "
    "consent. Record the consent they gave first, then add the purpose."
)


def change_purposes(
    k: Kluis,
    conn: Connection,
    actor: Actor,
    current: PersonView,
    wanted: Sequence[str],
    under: Purpose,
    now: datetime,
) -> list[AuditEvent]:
    """Set the person's purposes to ``wanted``. The actor reads the person under ``under``
    already (the caller checked), and must hold every purpose added or removed. Each purpose
    added is further processing (Art. 6(4)): refused when ``rules.why_not_add`` says so, and
    audited as ``person.purpose_added`` with the basis it rests on. The person's live consent
    is read through the consent slice's hook (``contacts.hooks``), as that slice stands above
    this one."""
    if not wanted:
        raise InvalidField(
            "a person needs at least one purpose; to remove the last one, erase them",
            field="purposes",
            msgid=N_("A person needs at least one purpose; to remove the last one, erase them."),
        )
    person_id = current.id
    have, want = set(current.purposes), set(wanted)
    changed = {key: purpose_for(conn, actor, key, "purposes") for key in sorted(have ^ want)}
    added, removed = sorted(want - have), sorted(have - want)
    if not added and not removed:
        return []
    events: list[AuditEvent] = [PersonPurposesChanged(person_id, tuple(added), tuple(removed))]
    objected = bool(added) and bool(repository.objected(conn, [person_id]))
    consent_event_id = hooks.live_consent(conn, person_id, now) if added else None
    for key in added:
        purpose = changed[key]
        marketing = rules.is_marketing(purpose, k.settings.marketing_purpose)
        why = rules.why_not_add(
            purpose, marketing=marketing, objected=objected, consent_event_id=consent_event_id
        )
        if why is not None:
            raise PurposeRefused(
                f"{key} cannot be added: {why}",
                field="purposes",
                msgid=_OBJECTED if marketing and objected else _NO_CONSENT,
            )
        events.append(
            PersonPurposeAdded(
                person_id,
                key,
                purpose.lawful_basis.value,
                under.key,
                consent_event_id if purpose.lawful_basis is LawfulBasis.CONSENT else None,
            )
        )
    repository.replace_purposes(conn, person_id, ((key, now) for key in added), removed)
    return events
