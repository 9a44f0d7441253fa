"""compliance.finding_words: a finding's detail said in the reader's language, its moments as
dates in the organisation's time zone, its words translated, its keys as code; the command
lines of its fix as code."""

from __future__ import annotations

from datetime import UTC, datetime

from kluis.compliance.finding_words import commands, detail
from kluis.compliance.rules import Finding, Severity
from kluis.ui.words import translations

DUE = datetime(2026, 4, 14, 22, 30, tzinfo=UTC)


def _finding(**extra: object) -> Finding:
    return Finding(
        "request.due_soon",
        Severity.MEDIUM,
        "Art. 12(3)",
        "access request 7 (in_progress) is due 2026-04-14 22:30 UTC, in 3.5 days",
        "answer it now: `kluis requests process 7`",
        **extra,  # type: ignore[arg-type]
    )


def test_the_detail_is_dutch_with_a_date_and_words() -> None:
    f = _finding(
        said="Request %(id)s (%(type)s, %(status)s) is due %(due)s, in %(days)s days.",
        said_values={"id": 7, "type": "access", "status": "in_progress", "due": DUE, "days": 3.5},
    )
    text = detail(f, translations("nl").gettext, "nl", "Europe/Amsterdam")
    assert text is not None
    assert str(text).startswith("Verzoek 7 (")
    assert "15 apr 2026, 00:30" in text  # 22:30 UTC is the next day in Amsterdam
    assert "in_progress" not in text
    assert "2026-04-14" not in text
    english = detail(f, translations("en").gettext, "en", "UTC")
    assert english is not None
    assert "Apr 14, 2026, 22:30" in english


def test_a_key_is_code_and_escaped() -> None:
    f = _finding(
        said="Purpose %(purpose)s has no valid retention period.",
        said_values={"purpose": "<b>x</b>"},
    )
    text = detail(f, translations("nl").gettext, "nl", "UTC")
    assert text is not None
    assert "<code>&lt;b&gt;x&lt;/b&gt;</code>" in text


def test_without_a_said_there_is_no_detail_and_commands_are_found() -> None:
    assert detail(_finding(), translations("nl").gettext, "nl", "UTC") is None
    assert commands(_finding()) == ["kluis requests process 7"]
