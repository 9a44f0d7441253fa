"""The access package names each audit event about the person in words (Art. 15(1): what was
done with their data, "in clear and plain language", Art. 12(1)): every event class that
carries a ``person_id`` has its sentence in both languages of the ``export`` catalogue, so a
Dutch package never shows a code name such as ``connected.identity_linked``."""

from __future__ import annotations

import dataclasses

import pytest

from kluis.audit.catalogue import all_events
from kluis.locale.catalogues import messages

ABOUT_A_PERSON = sorted(
    cls.action for cls in all_events() if "person_id" in {f.name for f in dataclasses.fields(cls)}
)


def test_events_about_a_person_are_found() -> None:
    assert "person.created" in ABOUT_A_PERSON
    assert "connected.identity_linked" in ABOUT_A_PERSON
    assert "user.created" not in ABOUT_A_PERSON


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_event_about_a_person_has_words_in_the_package(language: str) -> None:
    words = messages("export", language)
    missing = [a for a in ABOUT_A_PERSON if not words.get(f"audit_actions.{a}")]
    assert missing == []
