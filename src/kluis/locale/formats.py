"""Dates, moments and durations as a reader in ``language`` expects them:
"2 december 2026", "2 december 2026, 18:10" in the organisation's time zone, "2 jaar", never
``2026-12-02T17:10:56+00:00`` or ``P2Y``."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime

from kluis.locale import DEFAULT, LANGUAGES
from kluis.locale.catalogues import messages

TIME_ZONE = "Europe/Amsterdam"
"""The organisation's time zone: moments in mails and pages are said in it (stored in UTC)."""

_DURATION = re.compile(r"^P(?:(?P<y>\d+)Y)?(?:(?P<m>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?$")


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT


def _moment(value: datetime | date | str) -> datetime | date:
    if isinstance(value, str):
        return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
    return value


def say_date(value: datetime | date | str, language: str) -> str:
    """The day: "2 december 2026", "2 December 2026" (an ISO string is read first)."""
    moment = _moment(value)
    if isinstance(moment, datetime) and moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(TIME_ZONE))
    return format_date(moment, "d MMMM y", locale=_language(language))


def say_moment(value: datetime | date | str, language: str, zone: str = TIME_ZONE) -> str:
    """The day and the time of day in ``zone``: "2 december 2026, 18:10"."""
    moment = _moment(value)
    if not isinstance(moment, datetime):
        return say_date(moment, language)
    return format_datetime(
        moment, "d MMMM y, HH:mm", tzinfo=ZoneInfo(zone), locale=_language(language)
    )


def _zoned(value: datetime, zone: str) -> datetime:
    """A stored moment in ``zone``; a naive one was stored in UTC."""
    aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone))


def say_day(value: datetime | date, language: str, zone: str = TIME_ZONE) -> str:
    """The day, short, as a staff page lists it: "3 dec 2026", "Dec 3, 2026" (CLDR's medium
    date). A moment is first placed in ``zone``: 23:30 UTC on 2 December is 3 December in
    Amsterdam."""
    moment = _zoned(value, zone) if isinstance(value, datetime) else value
    return _medium(date(moment.year, moment.month, moment.day), _language(language))


def say_when(value: datetime | date, language: str, zone: str = TIME_ZONE) -> str:
    """A moment, short, in ``zone``: "3 dec 2026, 15:05", "Dec 3, 2026, 15:05" (24-hour
    time in both languages); a day alone as :func:`say_day`."""
    if not isinstance(value, datetime):
        return say_day(value, language, zone)
    moment = _zoned(value, zone)
    day = _medium(moment.date(), _language(language))
    return f"{day}, {moment.hour:02d}:{moment.minute:02d}"


@lru_cache(maxsize=4096)
def _medium(day: date, language: str) -> str:
    """Babel takes some 25 µs a date; a timeline of 200 events says far fewer distinct days."""
    return format_date(day, "medium", locale=language)


def say_duration(iso: str, language: str) -> str:
    """An ISO-8601 duration said plainly: ``P2Y`` is "2 jaar" or "2 years"; a text that is no
    duration is returned as it is."""
    match = _DURATION.match(iso.strip()) if iso else None
    if match is None or iso.strip() == "P":
        return iso
    y, m, w, d = (int(match.group(g) or 0) for g in ("y", "m", "w", "d"))
    words = messages("common", _language(language))
    parts = [
        f"{count} {words[f'{unit}_one' if count == 1 else f'{unit}_other']}"
        for count, unit in ((y, "year"), (m, "month"), (7 * w + d, "day"))
        if count
    ]
    if not parts:
        return f"0 {words['day_other']}"
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + words["joiner"] + parts[-1]


def say_retention(iso: str, anchor: str, language: str) -> str:
    """A purpose's retention as a sentence to the person: how long, counted from when ("2 jaar
    na ons laatste contact met je.")."""
    text = messages("common", _language(language))[f"retention_{anchor}"]
    period = say_duration(iso, language)
    if text.startswith("{period}"):
        period = period[:1].upper() + period[1:]
    return text.format(period=period)
