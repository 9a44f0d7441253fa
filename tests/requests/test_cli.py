"""The ``kluis requests`` commands end to end, through Typer's CliRunner, on SQLite and
PostgreSQL, with a real SMTP server (aiosmtpd) named by ``KLUIS_SMTP_URL``.

The CLI reads the clock itself, so the people are made at today's moment and only relative
things are checked (a deadline about a month away, an extension further on).
"""

from __future__ import annotations

import json
import stat
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import ok, ok_json, refused, run
from conftest import ADMIN
from factories import add_person
from kluis.db import utcnow
from kluis.jobs import JobContext
from kluis.jobs.runner import Outcome
from kluis.jobs.runner import run as run_job
from kluis.locale.formats import say_date
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.requests import jobs as request_jobs
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer


@pytest.fixture
def smtp(smtp: MailServer, kluis_env: Settings, monkeypatch: pytest.MonkeyPatch) -> MailServer:
    """The root conftest's SMTP server, named to the CLI through ``KLUIS_SMTP_URL``."""
    monkeypatch.setenv("KLUIS_SMTP_URL", smtp.url)
    return smtp


def person(kluis: Kluis, n: int = 1, **extra: Any) -> str:
    extra.setdefault("language", "en")
    return add_person(kluis, ADMIN, utcnow(), n, **extra)


def create(person_id: str, type: str = "access", *extra: str) -> str:
    return ok("requests", "create", "--type", type, "--contact", person_id, *extra).stdout.strip()


def verified(person_id: str, type: str = "access") -> str:
    return create(person_id, type, "--verified-by", "known_address")


def show(request_id: str) -> dict[str, Any]:
    shown: dict[str, Any] = ok_json("requests", "show", request_id)
    return shown


def attachment_names(mail: EmailMessage) -> list[str]:
    return sorted(str(part.get_filename()) for part in mail.iter_attachments())


def plain(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# create, show, list -----------------------------------------------------------------------------


def test_create_prints_the_id_and_the_request_is_due_in_about_a_month(
    kluis_env: Settings, kluis: Kluis
) -> None:
    someone = person(kluis)
    request_id = create(someone, "access", "--details", "All of it, please.")
    assert request_id.isdigit()
    shown = show(request_id)
    assert (shown["id"], shown["type"], shown["status"]) == (int(request_id), "access", "received")
    assert shown["person_id"] == someone
    assert shown["details"] == "All of it, please."
    received = datetime.fromisoformat(shown["received_at"])
    due = datetime.fromisoformat(shown["due_at"])
    assert timedelta(days=28) <= due - received <= timedelta(days=31)
    assert 27 <= shown["days_left"] <= 31
    assert shown["overdue"] is False
    text = ok("requests", "show", request_id).stdout
    assert "access (Art. 15)" in text
    assert "days left" in text
    assert "verified by (not yet)" in text


def test_create_json_and_by_email(kluis_env: Settings, kluis: Kluis) -> None:
    someone = person(kluis, 3)
    made = ok_json(
        "requests", "create", "--type", "erasure",
        "--email", "fenna.brouwersma3@example.com", "--verified-by", "in_person",
    )  # fmt: skip
    assert (made["person_id"], made["status"], made["verified_by"]) == (
        someone,
        "verified",
        "in_person",
    )


def test_create_refusals_name_the_field(kluis_env: Settings, kluis: Kluis) -> None:
    someone = person(kluis)
    detail = refused(
        "requests", "create", "--type", "access", "--email", "nobody@example.com", field="email"
    )
    assert "no personal data" in detail
    refused("requests", "create", "--type", "delete", "--contact", someone, field="type")
    refused(
        "requests", "create", "--type", "access", "--contact", someone,
        "--verified-by", "trust_me", field="verified_by",
    )  # fmt: skip
    refused("requests", "create", "--type", "access", field="person_id")


def test_list_shows_open_requests_by_deadline(kluis_env: Settings, kluis: Kluis) -> None:
    assert ok("requests", "list").stdout.strip() == "no requests"
    first = create(person(kluis, 1), "access")
    second = create(person(kluis, 2), "objection")
    listed = ok_json("requests", "list")
    assert [str(r["id"]) for r in listed] == [first, second]
    assert [str(r["id"]) for r in ok_json("requests", "list", "--due-within", "40")] == [
        first,
        second,
    ]
    assert ok_json("requests", "list", "--due-within", "5") == []
    assert ok_json("requests", "list", "--overdue") == []
    text = ok("requests", "list").stdout
    assert "objection" in text
    assert first in text
    ok("requests", "refuse", second, "--reason", "Not from the person.", "--no-mail")
    assert [str(r["id"]) for r in ok_json("requests", "list")] == [first]
    everything = ok_json("requests", "list", "--all")
    assert {str(r["id"]): r["status"] for r in everything} == {
        first: "received",
        second: "refused",
    }


def test_verify_records_how_and_process_waits_for_it(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer
) -> None:
    request_id = create(person(kluis))
    detail = refused("requests", "process", request_id, field="status")
    assert "kluis requests verify" in detail
    refused("requests", "verify", request_id, "--by", "trust_me", field="verified_by")
    assert (
        "verified by id_document"
        in ok("requests", "verify", request_id, "--by", "id_document").stdout
    )
    assert show(request_id)["status"] == "verified"
    refused("requests", "verify", request_id, "--by", "in_person", field="status")
    refused("requests", "show", "999", field="request_id")
    assert smtp.received == []


# extend, refuse ---------------------------------------------------------------------------------


def test_extend_tells_the_person_and_only_once(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer
) -> None:
    request_id = create(person(kluis))
    reason = "Many requests came in this month."
    text = ok("requests", "extend", request_id, "--months", "2", "--reason", reason).stdout
    assert reason in text
    shown = show(request_id)
    received = datetime.fromisoformat(shown["received_at"])
    extended = datetime.fromisoformat(shown["extended_to"])
    assert timedelta(days=89) <= extended - received <= timedelta(days=92)
    assert shown["deadline"] == shown["extended_to"]
    [mail] = smtp.received
    assert reason in plain(mail)
    assert say_date(extended.date(), "en") in plain(mail)
    refused("requests", "extend", request_id, "--months", "1", "--reason", "more", field="months")
    other = create(person(kluis, 2))
    refused("requests", "extend", other, "--months", "3", "--reason", "x", field="months")
    refused("requests", "extend", other, "--months", "1", "--reason", " ", field="reason")
    ok("requests", "extend", other, "--months", "1", "--reason", "Complex.", "--no-mail")
    assert len(smtp.received) == 1


def test_refuse_tells_the_person_why(kluis_env: Settings, kluis: Kluis, smtp: MailServer) -> None:
    request_id = create(person(kluis), "erasure")
    reason = "We could not confirm that you asked."
    ok("requests", "refuse", request_id, "--reason", reason)
    assert show(request_id)["status"] == "refused"
    [mail] = smtp.received
    assert reason in plain(mail)
    refused("requests", "process", request_id, field="status")


def test_without_a_mail_server_the_copy_waits_in_the_queue_until_one_is_set(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The request is carried out; its mail waits, queued, saying why, and the job (which
    retries without counting an attempt) sends it, with the package built then, once a mail
    server is set."""
    monkeypatch.delenv("KLUIS_SMTP_URL", raising=False)
    request_id = verified(person(kluis))
    done = ok_json("requests", "process", request_id)
    assert (done["request"]["status"], done["files"]) == ("completed", [])
    [mail] = show(request_id)["mails"]
    assert (mail["what"], mail["state"], mail["reason"], mail["attempts"]) == (
        "request_access",
        "queued",
        "no mail server is configured",
        0,
    )
    waiting = JobContext(kluis, utcnow)
    assert run_job(request_jobs.mail, {"mail_id": mail["id"]}, waiting).outcome is Outcome.RETRY
    assert smtp.received == []
    url = smtp.url
    up = JobContext(kluis, utcnow, lambda: SmtpTransport(parse_smtp_url(url)))
    assert run_job(request_jobs.mail, {"mail_id": mail["id"]}, up).outcome is Outcome.DONE
    [sent] = smtp.received
    assert attachment_names(sent) == [f"request-{request_id}.{e}" for e in ("csv", "html", "json")]
    assert show(request_id)["mails"][0]["state"] == "sent"


# process ----------------------------------------------------------------------------------------


def test_process_access_mails_the_copy(kluis_env: Settings, kluis: Kluis, smtp: MailServer) -> None:
    request_id = verified(person(kluis))
    done = ok_json("requests", "process", request_id)
    assert done["request"]["status"] == "completed"
    assert done["files"] == []
    [mail] = smtp.received
    assert attachment_names(mail) == [f"request-{request_id}.{e}" for e in ("csv", "html", "json")]


def test_process_no_mail_writes_the_files_with_mode_0600(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer, tmp_path: Path
) -> None:
    request_id = verified(person(kluis), "portability")
    detail = refused("requests", "process", request_id, "--no-mail", field="out")
    assert "--out" in detail
    assert show(request_id)["status"] == "verified"
    out = tmp_path / "hand-over"
    result = ok("requests", "process", request_id, "--no-mail", "--out", str(out))
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"request-{request_id}.{e}" for e in ("csv", "html", "json", "vcf")]
    for path in out.iterdir():
        assert mode(path) == 0o600
        assert f"hand over: {path}" in result.stdout
    package = json.loads((out / f"request-{request_id}.json").read_text())
    assert package["portable"] is True
    assert smtp.received == []
    assert show(request_id)["status"] == "completed"


def test_process_rectification_sets_the_fields(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer
) -> None:
    someone = person(kluis, purposes=("customer_service", "invoicing"))
    request_id = verified(someone, "rectification")
    refused("requests", "process", request_id, field="changes")
    refused("requests", "process", request_id, "--set", "no-equals-sign", field="set")
    done = ok_json("requests", "process", request_id, "--set", "family_name=Jansen")
    assert done["request"]["recipients_to_notify"] == [
        "Accountant",
        "IT service provider (processor)",
        "Tax authority",
    ]
    shown = ok_json("contacts", "show", someone, "--purpose", "customer_service")
    assert shown["fields"]["family_name"] == "Jansen"
    text = ok("requests", "show", request_id).stdout
    assert "tell (Art. 19)" in text
    assert "Tax authority" in text
    assert len(smtp.received) == 1


def test_process_restriction_then_lift(kluis_env: Settings, kluis: Kluis, smtp: MailServer) -> None:
    someone = person(kluis)
    request_id = verified(someone, "restriction")
    ok("requests", "process", request_id)
    decision = ok_json(
        "decide", someone, "--channel", "email", "--kind", "transactional", "--topic", "offers"
    )
    assert decision["reason"] == "restricted"
    assert "lifted" in ok("requests", "lift", request_id).stdout
    decision = ok_json(
        "decide", someone, "--channel", "email", "--kind", "transactional", "--topic", "offers"
    )
    assert decision["allowed"] is True
    assert [plain(m).count("18") > 0 for m in smtp.received] == [True, True]
    other = verified(person(kluis, 2), "access")
    refused("requests", "lift", other, field="request_id")


def test_process_erasure_asks_for_out_first_then_hands_over_copy_and_certificate(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer, tmp_path: Path
) -> None:
    someone = person(kluis)
    request_id = create(someone, "erasure", "--verified-by", "in_person")
    refused("requests", "process", request_id, field="out")
    assert show(request_id)["status"] == "verified"
    assert kluis.vault.erased([someone]) == set()
    out = tmp_path / "erasure"
    done = ok_json("requests", "process", request_id, "--out", str(out))
    assert done["request"]["status"] == "completed"
    # asked in person: the copy is handed over; the certificate goes to the captured address
    names = sorted(p.name for p in out.iterdir())
    assert names == [f"request-{request_id}.{e}" for e in ("csv", "html", "json")]
    assert all(mode(p) == 0o600 for p in out.iterdir())
    [certificate] = smtp.received
    assert attachment_names(certificate) == [f"erasure-certificate-{request_id}.json"]
    assert kluis.vault.erased([someone]) == {someone}
    assert show(request_id)["status"] == "completed"
    refused("contacts", "show", someone, "--purpose", "customer_service", field=None)


def test_process_erasure_no_mail_hands_over_the_certificate_too(
    kluis_env: Settings, kluis: Kluis, smtp: MailServer, tmp_path: Path
) -> None:
    someone = person(kluis)
    request_id = verified(someone, "erasure")
    out = tmp_path / "erasure"
    ok("requests", "process", request_id, "--no-mail", "--out", str(out))
    certificate = out / f"erasure-certificate-{request_id}.json"
    assert mode(certificate) == 0o600
    assert json.loads(certificate.read_text())["person_id"] == someone
    assert (out / f"request-{request_id}.json").exists()
    assert smtp.received == []


def test_help_names_every_command(kluis_env: Settings) -> None:
    text = run("requests", "--help").stdout
    for name in ("create", "list", "show", "verify", "extend", "refuse", "process", "lift"):
        assert name in text
