"""The daily reminder mail to staff (issue 18): to each active user who asked for it
(``users.task_reminders``) and has open tasks due today or overdue, once per day of the
organisation (``KLUIS_TIME_ZONE``), from ``KLUIS_TASK_REMINDER_HOUR`` on.

It goes to a member of staff about their own work, not to a data subject, so no ``may_contact``
decision is asked (Art. 21 and the ePrivacy rules are about the people in the database). It
holds no personal data of anyone else: counts, the titles of tasks about nobody (business data),
and how many are about a person, never their sealed titles (Art. 5(1)(f): a mailbox is not
where a person's data is kept), and a link.

Once per day: the user's row in ``task_reminders_sent`` is written (committed) before the mail
goes, so a second run or a second worker sends nothing; a mail the server refuses removes the
row again, so the next run tries once more.
"""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import lru_cache
from urllib.parse import urlsplit

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from sqlalchemy.exc import IntegrityError

from kluis.audit import service as audit
from kluis.audit.task_events import TaskReminderSent
from kluis.errors import KluisError
from kluis.locale import LANGUAGES
from kluis.messaging import service as messaging
from kluis.runtime import Kluis
from kluis.tasks import repository, rules

log = logging.getLogger(__name__)

TITLES_SHOWN = 20


@dataclass(frozen=True)
class ReminderReport:
    day: str | None
    """The organisation's day the run was for; None before the reminder hour."""
    sent: int = 0
    failed: int = 0


@lru_cache(maxsize=1)
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("kluis.tasks", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def compose(
    k: Kluis,
    to: str,
    language: str,
    summary: rules.Summary,
    titles: list[str],
    about_people: int,
    now: datetime,
) -> EmailMessage:
    """The reminder in the user's language (``reminder.<lang>.txt``, first line the subject)."""
    wanted = language if language in LANGUAGES else "nl"
    template = _environment().get_template(f"reminder.{wanted}.txt")
    text = html.unescape(
        template.render(
            today=summary.today,
            overdue=summary.overdue,
            titles=titles[:TITLES_SHOWN],
            about_people=about_people,
            organisation=k.settings.organisation_name,
            link=messaging.link(k, "/app/tasks"),
        )
    )
    first, _, body = text.partition("\n")
    message = EmailMessage()
    message["From"] = f"{k.settings.organisation_name} <{k.settings.mail_from_transactional}>"
    message["To"] = to
    message["Subject"] = " ".join(first.removeprefix("Subject:").split())
    message["Date"] = format_datetime(now)
    message["Message-ID"] = make_msgid(domain=urlsplit(k.settings.base_url).hostname or "localhost")
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies to it
    message.set_content(body.strip() + "\n")
    message["Content-Language"] = wanted
    return message


def send_daily(
    k: Kluis, now: datetime, transport: messaging.TransportFactory | None = None
) -> ReminderReport:
    """Send today's reminders not sent yet; safe to run as often as one likes."""
    zone = k.settings.time_zone
    day = rules.reminder_day(now, zone, k.settings.task_reminder_hour)
    if day is None:
        return ReminderReport(None)
    with k.engine.connect() as conn:
        users = repository.reminder_users(conn, day)
    factory = transport or (lambda: messaging.smtp_transport(k))
    sent = failed = 0
    for user in users:
        with k.engine.connect() as conn:
            rows = repository.of_assignee(conn, user.id)
        due = [(r, rules.bucket(r.due_on, r.due_time, now, zone)) for r in rows]
        due = [(r, b) for r, b in due if b in (rules.Bucket.OVERDUE, rules.Bucket.TODAY)]
        summary = rules.summarise([b for _, b in due])
        if summary.empty:
            continue
        try:
            with k.engine.begin() as conn:
                claimed = repository.claim_reminder(conn, user.id, day, now)
        except IntegrityError:
            claimed = False
        if not claimed:
            continue
        titles = [r.title for r, _ in due if r.person_id is None and r.title]
        message = compose(
            k, user.email, user.language, summary, titles, len(due) - len(titles), now
        )
        try:
            with factory() as connection:
                connection.send(message)
        except (KluisError, OSError) as exc:
            failed += 1
            log.warning("task reminder to user %s not sent: %s", user.id, type(exc).__name__)
            with k.engine.begin() as conn:
                repository.release_reminder(conn, user.id, day)
            continue
        sent += 1
        with k.engine.begin() as conn:
            audit.record(
                conn,
                "system",
                now,
                [TaskReminderSent(user.id, day.isoformat(), summary.overdue, summary.today)],
            )
    return ReminderReport(day.isoformat(), sent, failed)
