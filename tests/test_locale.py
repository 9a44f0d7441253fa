"""kluis.locale: moments in the organisation's time zone, durations and dates in words, the
catalogues' shapes, and a refusal translated with its values filled in after translation."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from kluis.errors import Conflict, InvalidField
from kluis.locale import LANGUAGES
from kluis.locale.catalogues import messages, nested
from kluis.locale.formats import (
    say_date,
    say_day,
    say_duration,
    say_moment,
    say_retention,
    say_when,
)


def test_a_moment_is_said_in_the_organisations_time_zone() -> None:
    winter = datetime(2026, 12, 2, 17, 10, 56, 507476, tzinfo=UTC)
    assert say_moment(winter, "nl") == "2 december 2026, 18:10"
    assert say_moment(winter.isoformat(), "en") == "2 December 2026, 18:10"
    summer = datetime(2026, 7, 1, 22, 30, tzinfo=UTC)
    assert say_moment(summer, "nl") == "2 juli 2026, 00:30"
    assert say_date(summer, "nl") == "2 juli 2026"  # the day it is where the organisation is
    assert say_date("2026-06-14", "en") == "14 June 2026"
    assert say_date(date(2026, 6, 14), "xx") == "14 juni 2026"  # unknown languages read Dutch


def test_a_staff_page_says_days_and_moments_short_in_the_configured_zone() -> None:
    late = datetime(2026, 12, 2, 23, 30, tzinfo=UTC)
    assert say_day(late, "nl") == "3 dec 2026"  # already 3 December in Amsterdam
    assert say_day(late, "nl", "UTC") == "2 dec 2026"
    assert say_when(late, "nl") == "3 dec 2026, 00:30"
    assert say_when(late, "en", "America/New_York") == "Dec 2, 2026, 18:30"
    assert say_when(datetime(2026, 3, 1, 12, 5), "nl") == "1 mrt 2026, 13:05"  # naive is UTC
    assert say_when(date(2026, 3, 1), "en") == "Mar 1, 2026"
    assert say_day(date(2026, 3, 1), "xx") == "1 mrt 2026"


@pytest.mark.parametrize(
    ("iso", "nl", "en"),
    [
        ("P2Y", "2 jaar", "2 years"),
        ("P1M", "1 maand", "1 month"),
        ("P1Y6M", "1 jaar en 6 maanden", "1 year and 6 months"),
        ("P2W", "14 dagen", "14 days"),
        ("not a duration", "not a duration", "not a duration"),
    ],
)
def test_durations_in_words(iso: str, nl: str, en: str) -> None:
    assert (say_duration(iso, "nl"), say_duration(iso, "en")) == (nl, en)


def test_retention_as_a_sentence() -> None:
    assert say_retention("P2Y", "last_interaction", "nl") == "2 jaar na ons laatste contact met je."


@pytest.mark.parametrize("domain", ["public", "documents", "export", "common"])
def test_every_domain_is_complete_in_both_languages(domain: str) -> None:
    nl, en = (messages(domain, language) for language in ("nl", "en"))
    assert set(LANGUAGES) == {"nl", "en"}
    assert nl
    assert en
    if domain == "common":  # Dutch names of data subjects; English uses fideslang's own
        nl = {k: v for k, v in nl.items() if not k.startswith("subject_")}
    assert set(nl) == set(en)


def test_nested_groups_and_lists() -> None:
    words = nested("export", "nl")
    assert words["methods"]["email_link"] == "via de link in een e-mail"
    assert isinstance(words["rights_list"], list)
    assert words["rights_list"][0].startswith("Inzage")


def test_a_refusal_is_translated_then_filled_in() -> None:
    dutch = {"A person %(person)s exists.": "Persoon %(person)s bestaat al."}
    exc = Conflict(
        "person 1: a person 0a exists", msgid="A person %(person)s exists.", values={"person": "0a"}
    )
    assert exc.detail == "person 1: a person 0a exists"  # what the API and the CLI say
    assert exc.translated(lambda m: dutch.get(m, m)) == "Persoon 0a bestaat al."
    plain = InvalidField("Choose one.")
    assert plain.translated({"Choose one.": "Kies er een."}.get) == "Kies er een."
