"""The kept permission state always equals the state folded afresh from the ledger, whatever the
events and in whatever time order they are recorded (issue 3: "a test proves the rebuilt state
equals the kept one")."""

from __future__ import annotations

import itertools
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ADMIN, NOW, examples
from factories import EVERY_PAIR, add_person
from kluis.consent import catalogue, ledger
from kluis.errors import InvalidField
from kluis.runtime import Kluis

_numbers = itertools.count(1000)

EVENTS = st.lists(
    st.tuples(
        st.sampled_from(["email", "sms"]),
        st.sampled_from(["offers", "newsletter"]),
        st.sampled_from(["granted", "withdrawn", "reconfirmed", "expired"]),
        st.integers(min_value=-400, max_value=1200),
    ),
    max_size=12,
)


@settings(
    max_examples=examples(25),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(events=EVENTS)
def test_kept_state_equals_the_folded_ledger(kluis: Kluis, events: list) -> None:  # type: ignore[type-arg]
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers by e-mail.", NOW, covers=EVERY_PAIR
    ).id
    person = add_person(kluis, ADMIN, NOW, next(_numbers))
    for channel, topic, action, days in events:
        grant = ledger.Grant(method="paper_form", notice_id=notice) if action == "granted" else None
        refused = None
        try:
            ledger.record(
                kluis, ADMIN, person, channel, topic, action, NOW + timedelta(days=days), grant
            )
        except InvalidField as exc:
            refused = (action, exc.field)
        assert refused in (None, ("reconfirmed", "action"))
    kept = ledger.kept_state(kluis, person)
    assert kept == ledger.folded_state(kluis, person)
    assert ledger.rebuild(kluis, person) == kept
