"""The register of connected systems (Art. 28 processors, Art. 19 recipients, Art. 30(1)(d)):
adding a system, linking the purposes that send data to it, rotating its webhook secret, and
recording the identifier a system knows a person by (sealed with the person's key).

Managing the register is for those answerable for the record of processing (admin, privacy
officer); every change is audited in its transaction. A new secret is returned once, to be
given to the receiver, and kept only sealed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from kluis.actors import ALL_PURPOSES_ROLES, Actor
from kluis.audit import service as audit
from kluis.audit.connected_events import IdentityLinked, SecretRotated, SystemAdded, SystemChanged
from kluis.connected import repository, rules, sealing
from kluis.connected.notices import identity_field
from kluis.contacts import people
from kluis.errors import Conflict, InvalidField, NotFound, PermissionDenied
from kluis.locale import N_
from kluis.purposes import repository as purposes_repo
from kluis.purposes.rules import Purpose
from kluis.runtime import Kluis


@dataclass(frozen=True)
class SystemView:
    id: int
    name: str
    kind: str
    reach: str
    webhook_url: str | None
    contact_email: str | None
    instructions: str | None
    send_values: bool
    purposes: tuple[str, ...]
    secrets: int
    """How many secrets sign now (2 during a rotation); never the secrets."""


@dataclass(frozen=True)
class Added:
    system: SystemView
    secret: str | None
    """The webhook secret, shown this once."""


def _may_manage(actor: Actor) -> None:
    if actor.role not in ALL_PURPOSES_ROLES:
        raise PermissionDenied(
            "only an admin or the privacy officer may manage the connected systems"
        )


def _view(conn: Connection, row: Any, now: datetime) -> SystemView:
    purposes = repository.purposes_of(conn, [row.id]).get(row.id, [])
    return SystemView(
        row.id,
        row.name,
        row.kind,
        row.reach,
        row.webhook_url,
        row.contact_email,
        row.instructions,
        bool(row.send_values),
        tuple(purposes),
        len(repository.live_secrets(conn, row.id, now)),
    )


def _check_purposes(conn: Connection, keys: Sequence[str]) -> None:
    for key in keys:
        if purposes_repo.get(conn, key) is None:
            raise InvalidField(
                f"there is no purpose {key!r}",
                field="purposes",
                msgid=N_("There is no purpose %(key)s."),
                values={"key": key},
            )


def check(kind: str, reach: str, webhook_url: str | None, contact_email: str | None) -> None:
    if kind not in rules.KINDS:
        raise InvalidField(f"kind must be one of {', '.join(rules.KINDS)}", field="kind")
    if reach not in rules.REACHES:
        raise InvalidField(f"reach must be one of {', '.join(rules.REACHES)}", field="reach")
    if reach == "webhook" and not (webhook_url or "").startswith(("https://", "http://")):
        raise InvalidField(
            "a webhook system needs an http(s) webhook URL",
            field="webhook_url",
            msgid=N_("A webhook system needs a web address starting with https:// or http://."),
        )
    if reach == "email" and "@" not in (contact_email or ""):
        raise InvalidField(
            "an e-mail system needs its privacy contact's address",
            field="contact_email",
            msgid=N_("A system reached by e-mail needs its privacy contact's address."),
        )


def add_system(
    k: Kluis,
    actor: Actor,
    now: datetime,
    *,
    name: str,
    kind: str,
    reach: str,
    purposes: Sequence[str] = (),
    webhook_url: str | None = None,
    contact_email: str | None = None,
    instructions: str | None = None,
    send_values: bool = False,
) -> Added:
    _may_manage(actor)
    name = name.strip()
    if not name:
        raise InvalidField(
            "a system needs a name", field="name", msgid=N_("Give the system a name.")
        )
    if name.isdigit():
        raise InvalidField(
            "a name must not be only digits (they name a system by id)",
            field="name",
            msgid=N_("A name must not be only digits: digits name a system by its number."),
        )
    for field, value in (
        ("name", name),
        ("webhook_url", webhook_url),
        ("contact_email", contact_email),
        ("instructions", instructions),
    ):
        if value is not None and ("\x00" in value or ("/" in value and field == "name")):
            raise InvalidField(
                f"the {field} holds a character it may not hold",
                field=field,
                msgid=N_("This value holds a character it may not hold."),
            )
    check(kind, reach, webhook_url, contact_email)
    secret = rules.new_secret() if reach == "webhook" else None
    with k.engine.begin() as conn:
        if repository.system_named(conn, name) is not None:
            raise Conflict(
                f"there is a system named {name!r} already",
                field="name",
                msgid=N_("There is a system named %(name)s already."),
                values={"name": name},
            )
        _check_purposes(conn, purposes)
        system_id = repository.add_system(
            conn,
            {
                "name": name,
                "kind": kind,
                "reach": reach,
                "webhook_url": webhook_url,
                "contact_email": contact_email,
                "instructions": instructions,
                "send_values": send_values,
                "created_at": now,
            },
        )
        repository.set_purposes(conn, system_id, sorted(set(purposes)))
        if secret is not None:
            repository.add_secret(conn, system_id, sealing.seal_secret(k, system_id, secret), now)
        audit.record(conn, actor.ref, now, [SystemAdded(system_id, kind, reach)])
        row = repository.system(conn, system_id)
        return Added(_view(conn, row, now), secret)


def systems(k: Kluis, actor: Actor, now: datetime) -> list[SystemView]:
    _may_manage(actor)
    with k.engine.connect() as conn:
        return [_view(conn, row, now) for row in repository.systems(conn)]


def _row(conn: Connection, ref: str | int) -> Any:
    row = repository.system(conn, ref)
    if row is None:
        raise NotFound(f"there is no connected system {ref}", field="system")
    return row


def show(k: Kluis, actor: Actor, ref: str | int, now: datetime) -> SystemView:
    _may_manage(actor)
    with k.engine.connect() as conn:
        return _view(conn, _row(conn, ref), now)


def set_purposes(
    k: Kluis, actor: Actor, ref: str | int, purposes: Sequence[str], now: datetime
) -> SystemView:
    """Link the purposes that send data to the system (they name it as their recipient)."""
    _may_manage(actor)
    with k.engine.begin() as conn:
        row = _row(conn, ref)
        _check_purposes(conn, purposes)
        repository.set_purposes(conn, row.id, sorted(set(purposes)))
        audit.record(conn, actor.ref, now, [SystemChanged(row.id, ("purposes",))])
        return _view(conn, row, now)


def rotate_secret(k: Kluis, actor: Actor, ref: str | int, now: datetime) -> str:
    """A new secret; the old ones keep signing beside it for ``rules.ROTATION_OVERLAP`` (every
    notice carries a signature per live secret), so the receiver switches without a gap."""
    _may_manage(actor)
    secret = rules.new_secret()
    with k.engine.begin() as conn:
        row = _row(conn, ref)
        if row.reach != "webhook":
            raise InvalidField("only a webhook system has a secret", field="system")
        repository.retire_secrets(conn, row.id, now + rules.ROTATION_OVERLAP)
        repository.add_secret(conn, row.id, sealing.seal_secret(k, row.id, secret), now)
        audit.record(conn, actor.ref, now, [SecretRotated(row.id)])
    return secret


def link(
    k: Kluis, actor: Actor, person_id: str, ref: str | int, external_id: str, now: datetime
) -> None:
    """Record the identifier ``ref`` knows the person by, sealed with their key (invariant 1),
    so a notice names them without sending more than the system holds."""
    _may_manage(actor)
    external_id = external_id.strip()
    if not external_id or len(external_id) > 200:
        raise InvalidField(
            "give the system's identifier (1 to 200 characters)", field="external_id"
        )
    with k.engine.begin() as conn:
        row = _row(conn, ref)
        people.reach(k, conn, actor, person_id, k.settings.privacy_purpose)
        sealed = k.vault.cipher(person_id).seal(identity_field(row.id), external_id)
        repository.put_identity(conn, person_id, row.id, sealed, now)
        audit.record(conn, actor.ref, now, [IdentityLinked(person_id, row.id)])


def identities_of(k: Kluis, conn: Connection, person_id: str) -> list[tuple[str, str, int]]:
    """(system name, identifier, system id) of the person, opened with their key, for their
    access package (Art. 15); the caller's transaction audits the read."""
    names = {row.id: row.name for row in repository.systems(conn)}
    sealed = repository.identities(conn, [person_id])
    if not sealed:
        return []
    cipher = k.vault.cipher(person_id)
    return sorted(
        (names[system_id], cipher.open(identity_field(system_id), blob), system_id)
        for (_, system_id), blob in sealed.items()
    )


def with_systems(k: Kluis, catalogue: Sequence[Purpose]) -> list[Purpose]:
    """The purposes with the connected systems they send data to added to their recipients,
    so the record of processing (Art. 30(1)(d)), the privacy notice (Art. 13(1)(e)) and the
    recipients a request must tell (Art. 19) name them."""
    with k.engine.connect() as conn:
        systems = repository.systems_by_purpose(conn)
    return [
        dataclasses.replace(
            p,
            recipients=tuple(dict.fromkeys((*p.recipients, *(systems.get(p.key, ()))))),
        )
        if p.key in systems
        else p
        for p in catalogue
    ]
