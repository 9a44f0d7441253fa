"""``kluis check`` says beforehand how many re-confirmation mails the next scheduled run sends
(issue 16: 24 of them left the moment mail was configured, unannounced)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import text

from conftest import ADMIN, MARKETING, NOW
from factories import EVERY_PAIR, add_person
from job_helpers import customers, queued_campaign
from kluis.compliance import findings
from kluis.compliance.rules import Finding
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.runtime import Kluis
from mailserver import MailServer

ASK = NOW + timedelta(days=24 * 30)  # within a month of the re-confirm-by date (two years on)


def subscribers(kluis: Kluis, count: int) -> None:
    notice = catalogue.add_notice(
        kluis, ADMIN, "nl", "Ja, stuur mij aanbiedingen.", NOW, covers=EVERY_PAIR
    ).id
    for n in range(count):
        person = add_person(kluis, ADMIN, NOW, n + 1, purposes=("email_marketing",), phone=None)
        consent.record(
            kluis,
            MARKETING,
            person,
            "email",
            "offers",
            "granted",
            NOW,
            consent.Grant(method="web_form", notice_id=notice),
        )


def forecast(kluis: Kluis) -> Finding | None:
    found = [f for f in findings.findings(kluis, ADMIN, ASK) if f.code == "reconfirm.mails_due"]
    return found[0] if found else None


def test_nothing_is_said_when_no_mail_is_due(kluis: Kluis) -> None:
    subscribers(kluis, 2)
    assert [
        f for f in findings.findings(kluis, ADMIN, NOW) if f.code == "reconfirm.mails_due"
    ] == []


def test_the_mails_waiting_for_a_mail_server_are_counted_once(kluis: Kluis) -> None:
    """Without a mail server the deployment's finding counts them (the same people the mailing
    would ask); the forecast says nothing of its own, so the page does not say it twice."""
    subscribers(kluis, 3)
    assert forecast(kluis) is None
    (said,) = [
        f
        for f in findings.findings(kluis, ADMIN, ASK)
        if f.code == "deployment.mail_not_configured"
    ]
    assert said.count == 3
    assert said.message.startswith("3 consents are due for re-confirmation")


def test_with_mail_the_next_run_and_who_sends_are_named(kluis: Kluis) -> None:
    subscribers(kluis, 2)
    kluis.settings.smtp_url = "smtp://127.0.0.1:2525"
    said = forecast(kluis)
    assert said is not None
    assert said.message.startswith("2 re-confirmation mails will go at the next run")
    assert "kluis worker" in said.message
    kluis.settings.schedule_hours = 0
    said = forecast(kluis)
    assert said is not None
    assert "schedule is off" in said.message


def test_without_a_worker_on_postgresql_the_check_says_so(
    kluis: Kluis, backend: str, empty_queue: None, smtp: MailServer
) -> None:
    def said() -> list[Finding]:
        return [f for f in findings.findings(kluis, ADMIN, NOW) if f.code == "jobs.no_worker"]

    if backend == "sqlite":
        assert said() == []  # the server works the queue
        return
    customers(kluis, 1, start=50)
    queued_campaign(kluis, smtp, 100_000)
    [finding] = said()
    assert finding.count == 1
    assert finding.message.startswith("no `kluis worker` is running; 1 jobs wait")
    with kluis.engine.begin() as conn:
        conn.execute(text("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())"))
    assert said() == []
