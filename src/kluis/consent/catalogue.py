"""Topics (kinds of content people choose) and notices (the versioned wording shown when consent
is asked): the catalogue the consent ledger points into."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from pydantic import ConfigDict
from sqlalchemy import Connection, insert, update

from kluis.actors import CATALOGUE_ROLES, NOTICE_ROLES, SYSTEM, Actor
from kluis.audit import service as audit
from kluis.audit.consent_events import NoticeAdded, TopicChanged, TopicCreated
from kluis.consent import grant_rules, repository
from kluis.consent.grant_rules import NoticeScope
from kluis.consent.rules import Channel, Grounds, MessageKind
from kluis.consent.tables import Topic
from kluis.errors import (
    Conflict,
    InvalidField,
    KluisError,
    NotFound,
    PermissionDenied,
)
from kluis.locale import N_
from kluis.purposes.rules import KEY_PATTERN
from kluis.runtime import Kluis

DEFAULT_TOPICS: tuple[tuple[str, str, str], ...] = (
    ("product_info", "Useful product information", "Nuttige productinformatie"),
    ("offers", "Offers", "Aanbiedingen"),
    ("promotions", "Special promotions", "Speciale acties"),
    ("newsletter", "Newsletter", "Nieuwsbrief"),
)
DEFAULT_RECONFIRM_MONTHS = 24


class ConsentRefused(KluisError):
    """A grant that is not consent: pre-ticked, implied, without proof, method or notice."""

    slug = "consent-refused"
    title = "Not valid consent"
    status = 422


def soft_opt_in_channels(k: Kluis) -> frozenset[Channel]:
    names = [n.strip() for n in k.settings.soft_opt_in_channels.split(",") if n.strip()]
    try:
        return frozenset(Channel(n) for n in names)
    except ValueError:
        choices = ", ".join(c.value for c in Channel)
        raise InvalidField(
            f"KLUIS_SOFT_OPT_IN_CHANNELS={k.settings.soft_opt_in_channels!r}: use channels "
            f"from {choices}",
            field="soft_opt_in_channels",
        ) from None


def grounds(k: Kluis) -> Grounds:
    """The purposes that ground each basis of a message, from the settings."""
    return Grounds(
        service=k.settings.service_purpose,
        consent=k.settings.marketing_purpose,
        soft_opt_in=k.settings.soft_opt_in_purpose,
    )


def parse_channel(value: str) -> Channel:
    try:
        return Channel(value)
    except ValueError:
        choices = ", ".join(c.value for c in Channel)
        raise InvalidField(
            f"channel is not one of {choices}",
            field="channel",
            msgid=N_("Choose a channel: e-mail, SMS, WhatsApp, phone or post."),
        ) from None


def parse_kind(value: str) -> MessageKind:
    try:
        return MessageKind(value)
    except ValueError:
        raise InvalidField("kind is not transactional or commercial", field="kind") from None


# Topics -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicView:
    """A topic as the API answers it (component ``TopicPublic``)."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(title="TopicPublic")

    key: str
    name_en: str
    name_nl: str
    reconfirm_months: int


def list_topics(k: Kluis) -> list[TopicView]:
    with k.engine.connect() as conn:
        return [
            TopicView(r.key, r.name_en, r.name_nl, r.reconfirm_months)
            for r in repository.topics(conn)
        ]


def _topic(conn: Connection, key: str) -> Any:
    row = repository.topic(conn, key)
    if row is None:
        raise InvalidField(
            f"there is no topic {key!r}; `kluis topics list` shows them", field="topic"
        )
    return row


def topic_row(conn: Connection, key: str) -> Any:
    """The topic's row; InvalidField naming ``topic`` when there is none."""
    return _topic(conn, key)


def _check_topic_values(values: Mapping[str, Any]) -> None:
    for name in ("name_en", "name_nl"):
        if name in values and not str(values[name] or "").strip():
            raise InvalidField(f"{name} cannot be empty", field=name)
        if name in values and len(str(values[name]).strip()) > 120:
            raise InvalidField(f"{name} is at most 120 characters", field=name)
    months = values.get("reconfirm_months")
    if "reconfirm_months" in values and not (isinstance(months, int) and 1 <= months <= 120):
        raise InvalidField(
            "reconfirm_months is a whole number of months from 1 to 120", field="reconfirm_months"
        )


def create_topic(
    k: Kluis,
    actor: Actor,
    key: str,
    name_en: str,
    name_nl: str,
    now: datetime,
    reconfirm_months: int = DEFAULT_RECONFIRM_MONTHS,
) -> TopicView:
    if actor.role not in CATALOGUE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may add topics")
    if not KEY_PATTERN.match(key) or len(key) > 40:
        raise InvalidField(
            "a topic key is 2-40 lower-case letters, digits and underscores", field="key"
        )
    _check_topic_values(
        {"name_en": name_en, "name_nl": name_nl, "reconfirm_months": reconfirm_months}
    )
    with k.engine.begin() as conn:
        if repository.topic(conn, key) is not None:
            raise Conflict(f"a topic {key!r} exists already", field="key")
        conn.execute(
            insert(Topic).values(
                key=key,
                name_en=name_en.strip(),
                name_nl=name_nl.strip(),
                reconfirm_months=reconfirm_months,
                created_at=now,
            )
        )
        audit.record(conn, actor.ref, now, [TopicCreated(key)])
    return TopicView(key, name_en.strip(), name_nl.strip(), reconfirm_months)


def change_topic(
    k: Kluis, actor: Actor, key: str, changes: Mapping[str, Any], now: datetime
) -> TopicView:
    if actor.role not in CATALOGUE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may change topics")
    unknown = set(changes) - {"name_en", "name_nl", "reconfirm_months"}
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidField(f"a topic has no field {name!r}", field=name)
    _check_topic_values(changes)
    with k.engine.begin() as conn:
        current = repository.topic(conn, key)
        if current is None:
            raise NotFound(f"there is no topic {key!r}", field="key")
        changed = tuple(sorted(n for n, v in changes.items() if getattr(current, n) != v))
        if changed:
            conn.execute(
                update(Topic).where(Topic.key == key).values({n: changes[n] for n in changed})
            )
            audit.record(conn, actor.ref, now, [TopicChanged(key, changed)])
        row = repository.topic(conn, key)
    assert row is not None
    return TopicView(row.key, row.name_en, row.name_nl, row.reconfirm_months)


def load_default_topics(k: Kluis, now: datetime) -> int:
    if list_topics(k):
        return 0
    for key, en, nl in DEFAULT_TOPICS:
        create_topic(k, SYSTEM, key, en, nl, now)
    return len(DEFAULT_TOPICS)


# Notices ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NoticeView:
    id: int
    language: str
    text: str
    content_hash: str
    created_at: datetime
    covers: tuple[tuple[str, str], ...] = ()
    """The (channel, topic) pairs the wording asks consent for, sorted."""

    @property
    def scope(self) -> NoticeScope:
        return NoticeScope(self.id, self.language, frozenset(self.covers))


def _notice_view(row: Any, covered: frozenset[tuple[str, str]]) -> NoticeView:
    return NoticeView(
        row.id, row.language, row.text, row.content_hash, row.created_at, tuple(sorted(covered))
    )


def may_add_notices(actor: Actor) -> None:
    """Refuse anyone but an admin or the privacy officer (``actors.NOTICE_ROLES``): the API, the
    CLI, the import of a portable package and the notices page all add notices through
    ``add_notice``, so each is guarded here."""
    if actor.role not in NOTICE_ROLES:
        raise PermissionDenied("only an admin or the privacy officer may add a consent notice")


def add_notice(
    k: Kluis,
    actor: Actor,
    language: str,
    text: str,
    now: datetime,
    *,
    covers: Iterable[tuple[str, str]],
) -> NoticeView:
    """A new version of the wording shown when asking consent, naming the (channel, topic)
    pairs it asks for (``rules.every`` makes them from channels and topics): a grant may cite
    it for those only (Art. 4(11), 7(1)). The same text in the same language asking for the
    same pairs is the same version (its id is returned again); asking for other pairs is a new
    version, since a notice never changes."""
    may_add_notices(actor)
    if language not in ("nl", "en"):
        raise InvalidField("language is nl or en", field="language")
    wording = text.strip()
    if len(wording) < 10:
        raise InvalidField(
            "give the full wording the person sees (at least 10 characters)", field="text"
        )
    digest = hashlib.sha256(f"{language}\n{wording}".encode()).hexdigest()
    with k.engine.begin() as conn:
        try:
            covered = grant_rules.check_covers(covers, (t.key for t in repository.topics(conn)))
        except ValueError as exc:
            name, _, message = str(exc).partition(": ")
            raise InvalidField(message, field=name) from None
        same = repository.notices_with_hash(conn, digest)
        held = repository.coverage(conn, [r.id for r in same])
        for row in same:
            if held[row.id] == covered:
                return _notice_view(row, covered)
        notice_id = repository.insert_notice(
            conn,
            {"language": language, "text": wording, "content_hash": digest, "created_at": now},
            covered,
        )
        audit.record(
            conn,
            actor.ref,
            now,
            [NoticeAdded(notice_id, language, tuple(f"{c}/{t}" for c, t in sorted(covered)))],
        )
    return NoticeView(notice_id, language, wording, digest, now, tuple(sorted(covered)))


def list_notices(k: Kluis) -> list[NoticeView]:
    """Every notice, oldest first, with what it covers."""
    with k.engine.connect() as conn:
        rows = repository.all_notices(conn)
        held = repository.coverage(conn, [r.id for r in rows])
    return [_notice_view(r, held[r.id]) for r in rows]


def notice_citations(k: Kluis) -> dict[int, int]:
    """How many consent events cite each notice: what a new version leaves untouched, since
    every grant keeps pointing at the wording the person saw (Art. 7(1))."""
    with k.engine.connect() as conn:
        return repository.citations(conn)


def get_notice(k: Kluis, notice_id: int) -> NoticeView:
    with k.engine.connect() as conn:
        row = repository.notice(conn, notice_id)
        if row is None:
            raise NotFound(f"there is no notice {notice_id}", field="notice")
        return _notice_view(row, repository.coverage(conn, [row.id])[row.id])


def check_notice(
    conn: Connection, notice_id: int, channel: str, topic: str, language: str | None = None
) -> None:
    """Refuse (``ConsentRefused`` on ``notice``) citing notice ``notice_id`` for a consent to
    ``channel`` and ``topic`` unless it asks for them (``rules.check_notice``); InvalidField when
    there is no such notice. Every path that records consent calls this before writing."""
    scope = repository.notice_scope(conn, notice_id)
    if scope is None:
        raise InvalidField(
            f"there is no notice {notice_id}; `kluis notices list` shows them", field="notice"
        )
    try:
        grant_rules.check_notice(scope, channel, topic, language)
    except grant_rules.ConsentRefused as exc:
        raise ConsentRefused(str(exc), field=exc.field) from None


def check_cited(k: Kluis, notice_id: int, channel: str, topic: str) -> None:
    """``check_notice`` in a connection of its own: for a form or command that must know the
    grant is acceptable before it stores its evidence."""
    with k.engine.connect() as conn:
        check_notice(conn, notice_id, channel, topic)


def notices_covering(k: Kluis, channel: str, topic: str) -> list[NoticeView]:
    """The notices a grant for ``channel`` and ``topic`` may cite, oldest first: what a staff
    member chooses from when recording one."""
    return [n for n in list_notices(k) if grant_rules.covers(n.scope, channel, topic)]
