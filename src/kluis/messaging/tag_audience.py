"""A campaign narrowed to a tag: the audience is the people carrying the tag *and* allowed by
``may_contact`` (Art. 6(1)(a), Art. 21(2), ePrivacy Art. 13). A tag only narrows: nobody the
consent rule refuses is reached because of a tag, and the rule still decides every recipient
(the stream of ``consent.audience`` is filtered, never replaced). The counts of a narrowed
campaign apply the same rule to each tagged person, so the page's "may receive" equals what
``enqueue`` queues."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime

from kluis.consent import decisions as consent
from kluis.consent import rules
from kluis.consent.catalogue import grounds, parse_channel, soft_opt_in_channels
from kluis.contacts import tags
from kluis.runtime import Kluis

Batch = list[tuple[str, rules.Decision]]


def tagged_ids(k: Kluis, tag: str) -> frozenset[str]:
    """The ids of the people carrying ``tag`` (refused when there is no such tag)."""
    with k.engine.connect() as conn:
        found = tags.tag_by_key(conn, tag)
        return frozenset(str(r[0]) for r in conn.execute(tags.tagged_people(found.id)))


def narrowed(batches: Iterable[Batch], tagged: frozenset[str]) -> Iterator[Batch]:
    """The allowed people of ``batches`` who carry the tag."""
    for batch in batches:
        kept = [(person_id, decision) for person_id, decision in batch if person_id in tagged]
        if kept:
            yield kept


def counts(k: Kluis, channel: str, topic: str, tag: str, now: datetime) -> consent.AudienceCounts:
    """``consent.audience_counts`` over the people carrying ``tag`` only."""
    chan = parse_channel(channel)
    soft, why = soft_opt_in_channels(k), grounds(k)
    reasons: Counter[str] = Counter()
    with k.engine.connect() as conn:
        ids = sorted(
            str(r[0]) for r in conn.execute(tags.tagged_people(tags.tag_by_key(conn, tag).id))
        )
        for person_id in ids:
            facts = consent.facts(k, conn, person_id, chan, topic)
            decision = rules.may_contact(facts, chan, rules.MessageKind.COMMERCIAL, now, soft, why)
            reasons[decision.reason.value] += 1
    allowed = reasons.pop("consent", 0) + reasons.pop("soft_opt_in", 0)
    return consent.AudienceCounts(chan.value, topic, allowed, dict(reasons))
