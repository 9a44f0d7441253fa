"""``/metrics``: the Prometheus text format behind a bearer token, counted in the data store at
each scrape, and nothing in it that names a person."""

from __future__ import annotations

import math
from datetime import timedelta
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api_helpers import anonymous_client
from conftest import ADMIN, MARKETING, NOW, PRIVACY, SERVICE
from factories import add_marketed_person, person_fields
from kluis.backup.service import DATA_PREFIX, STAMP
from kluis.messaging import service as messaging
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.ops import metrics
from kluis.requests import service as requests
from kluis.runtime import Kluis
from mailserver import MailServer

TOKEN = "scrape-token-for-tests-only"
OFFER = messaging.Content(
    subject={"en": "Offer", "nl": "Aanbod"}, body={"en": "Hi {{ given_name }}", "nl": "Hoi"}
)
NOTICE = messaging.Content(template="notice", params={"subject": "Hours", "body": "Closed."})


def _with(kluis: Kluis, **settings: object) -> Kluis:
    return Kluis(kluis.settings.model_copy(update=settings), kluis.engine, kluis.vault)


def _samples(body: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(body)
        for s in family.samples
    }


def _seed(kluis: Kluis, smtp: MailServer) -> list[str]:
    """Three people, messages sent and refused, requests open, overdue and completed."""
    transport = lambda: SmtpTransport(parse_smtp_url(smtp.url), sleep=lambda _s: None)  # noqa: E731
    people = [
        add_marketed_person(kluis, ADMIN, NOW, n, relationship=relationship)
        for n, relationship in ((1, "prospect"), (2, "customer"), (3, "customer"))
    ]
    messaging.send_message(
        kluis, MARKETING, people[0], "commercial", "offers", OFFER, NOW, transport
    )
    messaging.send_message(
        kluis, MARKETING, people[1], "commercial", "offers", OFFER, NOW, transport
    )
    messaging.send_message(
        kluis, SERVICE, people[2], "transactional", "offers", NOTICE, NOW, transport
    )
    requests.create(kluis, PRIVACY, "access", NOW - timedelta(days=40), person_id=people[0])
    requests.create(kluis, PRIVACY, "portability", NOW - timedelta(days=2), person_id=people[1])
    done = requests.create(kluis, PRIVACY, "objection", NOW, person_id=people[2])
    requests.refuse(kluis, PRIVACY, done.id, "a test", NOW, mail=False)
    return people


def test_without_a_token_configured_metrics_do_not_exist(kluis: Kluis) -> None:
    with anonymous_client(kluis) as client:
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        unknown = client.get("/no-such-route")
    assert answer.status_code == 404
    assert answer.json() == unknown.json()


def test_a_scrape_without_the_token_is_refused(kluis: Kluis) -> None:
    with anonymous_client(_with(kluis, metrics_token=SecretStr(TOKEN))) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            answer = client.get("/metrics", headers=headers)
            assert answer.status_code == 401, headers
            assert answer.headers["www-authenticate"].startswith("Bearer")
            assert "kluis_" not in answer.text


def test_the_figures_come_from_the_database_and_name_nobody(
    kluis: Kluis, smtp: MailServer, tmp_path: Path
) -> None:
    people = _seed(kluis, smtp)
    backups = tmp_path / "backups"
    (backups / "keyrings").mkdir(parents=True)
    (backups / f"{DATA_PREFIX}{(NOW - timedelta(hours=5)).strftime(STAMP)}").mkdir()
    scraped = _with(kluis, metrics_token=SecretStr(TOKEN), backup_dir=backups)
    with anonymous_client(scraped) as client:
        answer = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=")
    body = answer.text

    found = _samples(body)
    messages = {k[1]: v for k, v in found.items() if k[0] == "kluis_messages"}
    assert sum(messages.values()) == 3
    assert messages[(("channel", "email"), ("reason", "no_consent"), ("status", "refused"))] == 1
    assert sum(v for k, v in messages.items() if ("status", "sent") in k) == 2
    assert found[("kluis_privacy_requests", (("status", "refused"), ("type", "objection")))] == 1
    assert found[("kluis_privacy_requests_overdue", ())] == 1
    days = {
        dict(k[1])["le"]: v
        for k, v in found.items()
        if k[0] == "kluis_privacy_requests_open_days_left_bucket"
    }
    assert days == {"0.0": 1, "3.0": 1, "7.0": 1, "14.0": 1, "30.0": 2, "+Inf": 2}
    assert found[("kluis_privacy_requests_open_days_left_count", ())] == 2
    assert found[("kluis_backup_age_seconds", ())] == 5 * 3600
    with kluis.engine.connect() as conn:
        length = conn.exec_driver_sql("SELECT count(*) FROM audit_log").scalar()
    assert found[("kluis_audit_chain_length", ())] == length
    assert ("kluis_jobs", (("state", "queued"),)) in found  # kluis.jobs.queue.job_counts

    values = set(people)
    for n in (1, 2, 3):
        fields = person_fields(n)
        values.update(fields.values())
        values.update(str(fields["phone"]).replace(" ", "").split("+"))
    values.discard("")
    for value in values:
        assert value.lower() not in body.lower(), "a person's id or value is in /metrics"


def test_the_job_queue_reports_through_its_hook(
    kluis: Kluis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics, "JOB_COUNTS", [lambda _k: {"queued": 4, "running": 1}])
    body = metrics.exposition(kluis, NOW).decode()
    found = _samples(body)
    assert found[("kluis_jobs", (("state", "queued"),))] == 4
    assert found[("kluis_jobs", (("state", "running"),))] == 1
    assert found[("kluis_jobs", (("state", "failed"),))] == 0


def test_a_backup_directory_without_a_snapshot_reports_an_infinite_age(
    kluis: Kluis, tmp_path: Path
) -> None:
    body = metrics.exposition(_with(kluis, backup_dir=tmp_path), NOW).decode()
    assert math.isinf(_samples(body)[("kluis_backup_age_seconds", ())])
