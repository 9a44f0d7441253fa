"""The messaging commands end to end, through Typer's CliRunner, on SQLite and PostgreSQL, with a
real SMTP server (aiosmtpd) named by ``KLUIS_SMTP_URL``: campaigns (create, preview, send with
its progress bar, resume after an interruption, show) and one message to one person.

The CLI reads the clock itself, so the people here are made at today's moment.
"""

from __future__ import annotations

from collections import Counter
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from typer.testing import Result

from cli_helpers import ok as _ok
from cli_helpers import ok_json as _ok_json
from cli_helpers import refused, run
from conftest import ADMIN, MARKETING
from factories import add_marketed_person as add_person
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.contacts import flags
from kluis.db import utcnow
from kluis.messaging.transport import SmtpTransport
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer


def ok(*args: str) -> Result:
    return _ok(*args, quiet=False)


def ok_json(*args: str) -> Any:
    return _ok_json(*args, quiet=False)


@pytest.fixture
def smtp(smtp: MailServer, kluis_env: Settings, monkeypatch: pytest.MonkeyPatch) -> MailServer:
    """The root conftest's SMTP server, named to the CLI through ``KLUIS_SMTP_URL``."""
    monkeypatch.setenv("KLUIS_SMTP_URL", smtp.url)
    return smtp


def population(kluis: Kluis) -> dict[str, str]:
    now = utcnow()
    notice = catalogue.add_notice(
        kluis, ADMIN, "en", "Yes, send me offers by e-mail.", now, covers=[("email", "offers")]
    ).id
    people = {
        "customer": add_person(kluis, ADMIN, now, 1, relationship="customer"),
        "consenting": add_person(kluis, ADMIN, now, 2, relationship="prospect", language="en"),
        "silent": add_person(kluis, ADMIN, now, 3, relationship="prospect"),
        "objector": add_person(kluis, ADMIN, now, 5, relationship="customer"),
    }
    consent.record(
        kluis,
        MARKETING,
        people["consenting"],
        "email",
        "offers",
        "granted",
        now,
        consent.Grant(method="double_opt_in", notice_id=notice),
    )
    flags.set_flag(kluis, MARKETING, people["objector"], "objection", True, "phone", now)
    return people


def bodies(tmp_path: Path) -> tuple[str, str]:
    english, dutch = tmp_path / "spring.en.txt", tmp_path / "spring.nl.txt"
    english.write_text("Hello {{ given_name }},\n\nAll cheese half price.\n", encoding="utf-8")
    dutch.write_text("Hallo {{ given_name }},\n\nAlle kaas halve prijs.\n", encoding="utf-8")
    return str(english), str(dutch)


def create(tmp_path: Path, *extra: str) -> str:
    english, dutch = bodies(tmp_path)
    campaign_id = ok(
        "campaigns", "create", "--topic", "offers", "--name", "Spring",
        "--subject-en", "Spring offer", "--body-en", english,
        "--subject-nl", "Lenteaanbieding", "--body-nl", dutch,
        "--rate", "100000", *extra,
    ).stdout.strip()  # fmt: skip
    assert campaign_id.isdigit()
    return campaign_id


def recipients(smtp: MailServer) -> Counter[str]:
    return Counter(str(m["To"]) for m in smtp.received)


def plain(mail: EmailMessage) -> str:
    part = mail.get_body(("plain",))
    assert isinstance(part, EmailMessage)
    return str(part.get_content())


# Campaigns --------------------------------------------------------------------------------------


def test_create_preview_send_and_show(kluis: Kluis, smtp: MailServer, tmp_path: Path) -> None:
    population(kluis)
    campaign_id = create(tmp_path)
    preview = ok_json("campaigns", "preview", campaign_id)
    assert preview == {
        "campaign_id": int(campaign_id),
        "channel": "email",
        "topic": "offers",
        "audience": 2,
        "refused": {"no_consent": 1, "objected": 1},
    }
    text = ok("campaigns", "preview", campaign_id).stdout
    assert f"Campaign {campaign_id} may reach 2 people now" in text
    assert "no_consent" in text
    assert smtp.received == []
    sent = ok("campaigns", "send", campaign_id)
    assert sent.stdout.strip() == (
        f"Campaign {campaign_id} sent: 2 sent, 0 refused, 0 failed; 2 left out."
    )
    assert f"campaign {campaign_id}" in sent.stderr
    assert "2/2" in sent.stderr
    assert "msg/s" in sent.stderr
    assert recipients(smtp) == Counter(
        {"fenna.brouwersma1@example.com": 1, "fenna.brouwersma2@example.com": 1}
    )
    english = next(m for m in smtp.received if m["Subject"] == "Spring offer")
    assert "Hello Fenna2" in plain(english)
    assert english["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    shown = ok_json("campaigns", "show", campaign_id)
    assert (shown["status"], shown["name"], shown["rate_per_minute"]) == ("sent", "Spring", 100000)
    assert shown["counts"] == {
        "queued": 0,
        "sending": 0,
        "sent": 2,
        "refused": 0,
        "failed": 0,
        "interrupted": 0,
    }
    assert shown["refused"] == {"no_consent": 1, "objected": 1}
    assert shown["subject"] == {"en": "Spring offer", "nl": "Lenteaanbieding"}
    table = ok("campaigns", "show", campaign_id).stdout
    assert "Lenteaanbieding" in table
    assert "2 sent" in table
    assert "objected" in table
    assert "was sent already" in refused("campaigns", "send", campaign_id, field="campaign_id")
    assert len(smtp.received) == 2


def test_an_interrupted_send_carries_on_without_sending_anyone_twice(
    kluis: Kluis, smtp: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(10, 16):
        add_person(kluis, ADMIN, utcnow(), n, relationship="customer")
    campaign_id = create(tmp_path)
    sends = 0
    deliver = SmtpTransport.send

    def dying(self: SmtpTransport, message: EmailMessage) -> None:
        nonlocal sends
        sends += 1
        if sends == 3:
            raise KeyboardInterrupt
        deliver(self, message)

    monkeypatch.setattr(SmtpTransport, "send", dying)
    stopped = run("campaigns", "send", campaign_id)
    assert stopped.exit_code == 130
    assert f"run `kluis campaigns send {campaign_id}` again to carry on" in stopped.stderr
    assert len(smtp.received) == 2
    shown = ok_json("campaigns", "show", campaign_id)
    assert shown["status"] == "sending"
    assert (shown["counts"]["sent"], shown["counts"]["queued"]) == (2, 3)
    monkeypatch.setattr(SmtpTransport, "send", deliver)
    resumed = ok_json("campaigns", "send", campaign_id)
    assert resumed["status"] == "sent"
    assert (resumed["counts"]["sent"], resumed["counts"]["interrupted"]) == (6, 0)
    assert len(smtp.received) == 6
    assert max(recipients(smtp).values()) == 1


def test_campaign_errors(
    kluis: Kluis, kluis_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    english, _dutch = bodies(tmp_path)
    base = ("campaigns", "create", "--name", "Spring")
    assert "no topic" in refused(
        *base, "--topic", "nope", "--subject-en", "Hi", "--body-en", english, field="topic"
    )
    assert "cannot read" in refused(
        *base, "--topic", "offers", "--subject-en", "Hi", "--body-en",
        str(tmp_path / "missing.txt"), field="body_en",
    )  # fmt: skip
    refused(*base, "--topic", "offers", "--subject-en", "Hi", field="body_en")
    refused(*base, "--topic", "offers", field="subject_nl")
    refused(
        *base, "--topic", "offers", "--subject-en", "Hi", "--body-en", english, "--rate", "0",
        field="rate_per_minute",
    )  # fmt: skip
    for command in ("show", "preview", "send"):
        refused("campaigns", command, "999", field="campaign_id")
    monkeypatch.delenv("KLUIS_SMTP_URL", raising=False)
    campaign_id = ok(
        *base, "--topic", "offers", "--subject-en", "Hi", "--body-en", english
    ).stdout.strip()
    assert "KLUIS_SMTP_URL" in refused("campaigns", "send", campaign_id, field=None)
    assert ok_json("campaigns", "show", campaign_id)["status"] == "draft"
    as_json = ok_json(*base, "--topic", "offers", "--subject-en", "Hi", "--body-en", english)
    assert (as_json["status"], as_json["rate_per_minute"]) == ("draft", 600)


# One message ------------------------------------------------------------------------------------


def test_messages_send(kluis: Kluis, smtp: MailServer, tmp_path: Path) -> None:
    people = population(kluis)
    notice = (
        "--template", "notice", "--param", "subject=Opening hours",
        "--param", "body=We are closed on Monday.",
    )  # fmt: skip
    prospect = people["silent"]
    sent = ok("messages", "send", prospect, "--kind", "transactional", "--topic", "offers", *notice)
    assert sent.stdout.startswith("Sent message ")
    [mail] = smtp.received
    assert (mail["To"], mail["Subject"]) == ("fenna.brouwersma3@example.com", "Opening hours")
    assert "We are closed on Monday." in plain(mail)
    body = tmp_path / "offer.txt"
    body.write_text("Beste {{ given_name }},\n\nTwee halen, een betalen.\n", encoding="utf-8")
    offer = ("--subject", "Aanbieding", "--body", str(body))
    no = ok("messages", "send", prospect, "--kind", "commercial", "--topic", "offers", *offer)
    assert no.stdout.startswith("Refused (message ")
    answer = ok_json(
        "messages", "send", people["customer"], "--kind", "commercial", "--topic", "offers", *offer
    )
    assert answer["status"] == "sent"
    assert answer["decision"]["basis"] == "soft_opt_in"
    assert answer["decision"]["reason_nl"]
    assert len(smtp.received) == 2
    assert "Beste Fenna1" in plain(smtp.received[1])
    assert smtp.received[1]["List-Unsubscribe"]
    objected = ok_json(
        "messages", "send", people["objector"], "--kind", "commercial", "--topic", "offers", *offer
    )
    assert (objected["status"], objected["decision"]["reason"]) == ("refused", "objected")
    smtp.handler.replies = ["550 5.1.1 no such mailbox"]
    failed = run(
        "messages", "send", prospect, "--kind", "transactional", "--topic", "offers", *notice
    )
    assert failed.exit_code == 1
    assert "550" in failed.stderr
    assert failed.stderr.startswith("error [email]: message ")
    assert len(smtp.received) == 2


def test_messages_send_errors(
    kluis: Kluis, smtp: MailServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = add_person(kluis, ADMIN, utcnow())
    send = ("messages", "send", person, "--kind", "transactional", "--topic", "offers")
    body = tmp_path / "body.txt"
    body.write_text("Hello", encoding="utf-8")
    refused(*send, field="subject")
    refused(*send, "--subject", "Hi", field="body")
    refused(*send, "--template", "notice", "--subject", "Hi", field="template")
    refused(*send, "--param", "a=b", "--subject", "Hi", "--body", str(body), field="param")
    refused(*send, "--template", "notice", "--param", "nonsense", field="param")
    refused(*send, "--template", "notice", field="params")
    refused(*send, "--template", "nope", field="template")
    refused(*send, "--subject", "Hi", "--body", str(tmp_path / "missing.txt"), field="body")
    refused(
        "messages", "send", person, "--kind", "newsletter", "--topic", "offers",
        "--subject", "Hi", "--body", str(body), field="kind",
    )  # fmt: skip
    refused(
        "messages", "send", "00000000-0000-4000-8000-000000000000", "--kind", "transactional",
        "--topic", "offers", "--subject", "Hi", "--body", str(body), field="id",
    )  # fmt: skip
    monkeypatch.delenv("KLUIS_SMTP_URL")
    assert "KLUIS_SMTP_URL" in refused(*send, "--subject", "Hi", "--body", str(body), field=None)
    assert smtp.received == []
