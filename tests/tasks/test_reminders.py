"""The daily task reminder, sent to a real SMTP server (aiosmtpd): opt-in, once a day, counts
and the titles of tasks about nobody only, never a person's sealed title."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from conftest import ADMIN
from factories import add_person
from kluis.audit.tables import AuditRow
from kluis.auth.tables import User
from kluis.jobs import JobContext
from kluis.messaging.service import TransportFactory
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from kluis.tasks import jobs, reading, reminders, service
from kluis.tasks.service import NewTask
from mailserver import MailServer
from task_helpers import staff

MORNING = datetime(2026, 3, 16, 7, 30, tzinfo=UTC)
"""Monday 08:30 in Amsterdam: past the default reminder hour (7)."""
TODAY = date(2026, 3, 16)


@pytest.fixture
def transport(smtp: MailServer) -> TransportFactory:
    url = smtp.url
    return lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)


def _tasks(kluis: Kluis) -> None:
    sales = staff(kluis, "sales")
    person = add_person(kluis, ADMIN, MORNING)
    service.add(kluis, sales, NewTask("Order brochures", TODAY), MORNING)
    service.add(kluis, sales, NewTask("Pay the stand", TODAY - timedelta(days=2)), MORNING)
    service.add(
        kluis,
        sales,
        NewTask(
            "Call Fenna1 about her divorce",
            TODAY,
            person_id=person,
            purpose_key="customer_service",
        ),
        MORNING,
    )
    service.add(kluis, sales, NewTask("Plan next quarter", TODAY + timedelta(days=3)), MORNING)


def test_only_who_asked_get_it_once_a_day_without_a_persons_title(
    kluis: Kluis, smtp: MailServer, transport: TransportFactory
) -> None:
    _tasks(kluis)
    quiet = staff(kluis, "service")
    service.add(kluis, quiet, NewTask("Not asked for", TODAY), MORNING)
    assert reminders.send_daily(kluis, MORNING, transport).sent == 0
    reading.set_reminders(kluis, staff(kluis, "sales"), True, MORNING)

    report = reminders.send_daily(kluis, MORNING, transport)
    assert (report.day, report.sent, report.failed) == ("2026-03-16", 1, 0)
    [mail] = smtp.received
    assert mail["To"] == "sales@example.com"
    assert mail["Subject"] == "2 taken voor vandaag, 1 te laat"
    body = mail.get_content()
    assert "Order brochures" in body
    assert "Pay the stand" in body
    assert "Fenna1" not in body
    assert "divorce" not in body
    assert "Plan next quarter" not in body
    assert "1 gaat over een persoon" in body
    assert "http" in body
    assert "/app/tasks" in body

    again = reminders.send_daily(kluis, MORNING + timedelta(hours=3), transport)
    assert again.sent == 0
    assert len(smtp.received) == 1
    next_day = reminders.send_daily(kluis, MORNING + timedelta(days=1), transport)
    assert next_day.sent == 1
    with kluis.engine.connect() as conn:
        sent = conn.execute(
            select(AuditRow.details)
            .where(AuditRow.action == "task.reminder_sent")
            .order_by(AuditRow.seq)
        )
        assert [(d["overdue"], d["today"]) for (d,) in sent] == [(1, 2), (3, 0)]


def test_nothing_before_the_hour_and_english_for_an_english_user(
    kluis: Kluis, smtp: MailServer, transport: TransportFactory
) -> None:
    _tasks(kluis)
    sales = staff(kluis, "sales")
    reading.set_reminders(kluis, sales, True, MORNING)
    with kluis.engine.begin() as conn:
        conn.execute(User.__table__.update().values(language="en"))
    early = datetime(2026, 3, 16, 5, 0, tzinfo=UTC)
    assert reminders.send_daily(kluis, early, transport).day is None
    assert smtp.received == []
    jobs.daily_reminders.run(JobContext(kluis, lambda: MORNING, transport))  # type: ignore[arg-type]
    [mail] = smtp.received
    assert mail["Subject"] == "2 tasks due today, 1 overdue"


def test_a_refused_mail_is_tried_again_at_the_next_run(
    kluis: Kluis, smtp: MailServer, transport: TransportFactory
) -> None:
    _tasks(kluis)
    reading.set_reminders(kluis, staff(kluis, "sales"), True, MORNING)
    smtp.handler.replies.append("550 no such mailbox")
    assert reminders.send_daily(kluis, MORNING, transport).failed == 1
    assert reminders.send_daily(kluis, MORNING + timedelta(hours=1), transport).sent == 1
