"""The consent commands of the ``kluis`` command line end to end, through Typer's CliRunner, on
SQLite and PostgreSQL: notices, topics, the ledger, evidence, objections, receipts, decisions
and audiences.

The CLI reads the clock itself, so moments in the future (``--as-of``) are taken from today.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from cli_helpers import ok, ok_json, refused
from conftest import ADMIN, NOW
from factories import marketed
from kluis.audit import service as audit
from kluis.consent import evidence, ledger
from kluis.consent.rules import REASONS, Reason
from kluis.runtime import Kluis
from kluis.settings import Settings

WORDING_NL = "Ja, ik wil aanbiedingen van Kluis B.V. per e-mail ontvangen."
WORDING_EN = "Yes, I would like to receive offers from Kluis B.V. by e-mail."
WAV = b"RIFF" + b"\x24\x00\x00\x00" + b"WAVE" + b"fmt " + b"\x00" * 32


def add_person(relationship: str = "prospect", n: int = 1) -> str:
    return ok(
        "contacts", "add",
        "--relationship", relationship,
        "--given-name", f"Sjoukje{n}",
        "--family-name", "Terpstra-Wiersma",
        "--email", f"sjoukje{n}.terpstra@example.com",
        "--phone", f"+31 6 {20000000 + n}",
        *(arg for key in marketed(relationship) for arg in ("--purpose", key)),
    ).stdout.strip()  # fmt: skip


EVERY = (
    *("--channel", "email", "--channel", "phone", "--channel", "sms"),
    *("--channel", "whatsapp", "--channel", "post"),
    *("--topic", "product_info", "--topic", "offers", "--topic", "promotions"),
    *("--topic", "newsletter"),
)
"""``notices add`` options covering every channel and default topic."""


def add_notice(text: str = WORDING_NL, lang: str = "nl", *topics: str) -> str:
    more = [option for topic in topics for option in ("--topic", topic)]
    return ok("notices", "add", "--lang", lang, "--text", text, *EVERY, *more).stdout.strip()


def grant(person_id: str, *extra: str, channel: str = "email", topic: str = "offers") -> str:
    notice = add_notice(WORDING_NL, "nl", topic)
    return ok(
        "consent", "grant", person_id,
        "--channel", channel, "--topic", topic, "--method", "web_form", "--notice", notice,
        *extra,
    ).stdout.strip()  # fmt: skip


def decide(person_id: str, *extra: str, channel: str = "email", kind: str = "commercial") -> Any:
    return ok_json(
        "decide", person_id, "--channel", channel, "--kind", kind, "--topic", "offers", *extra
    )


def two_years_from_today() -> str:
    return (datetime.now(UTC) + timedelta(days=2 * 366)).date().isoformat()


# notices


def test_notices_add_prints_the_version_id_and_the_same_wording_keeps_it(
    kluis_env: Settings,
) -> None:
    first = add_notice()
    assert first.isdigit()
    assert add_notice() == first
    assert add_notice(f"  {WORDING_NL}\n") == first
    english = add_notice(WORDING_EN, "en")
    assert english != first
    changed = add_notice(WORDING_NL.replace("aanbiedingen", "acties"))
    assert len({first, english, changed}) == 3
    listed = ok_json("notices", "list")
    assert [(n["id"], n["language"]) for n in listed] == [
        (int(first), "nl"),
        (int(english), "en"),
        (int(changed), "nl"),
    ]
    assert listed[0]["text"] == WORDING_NL
    assert all(len(n["content_hash"]) == 64 for n in listed)
    text = ok("notices", "list").stdout
    assert "Ja, ik wil aanbiedingen" in text
    assert listed[1]["content_hash"][:12] in text


def test_notices_add_reads_a_file(kluis_env: Settings, tmp_path: Path) -> None:
    wording = f"{WORDING_EN}\nYou can unsubscribe at any time with the link in every e-mail.\n"
    file = tmp_path / "notice-en.txt"
    file.write_text(wording, encoding="utf-8")
    notice_id = ok("notices", "add", "--lang", "en", "--file", str(file), *EVERY).stdout.strip()
    assert ok_json("notices", "show", notice_id)["text"] == wording.strip()
    assert add_notice(wording, "en") == notice_id
    as_json = ok_json("notices", "add", "--lang", "en", "--file", str(file), *EVERY)
    assert as_json["id"] == int(notice_id)


def test_notices_show_prints_the_full_wording(kluis_env: Settings) -> None:
    long_wording = WORDING_NL + " " + "Wij bewaren uw gegevens zorgvuldig. " * 5
    notice_id = add_notice(long_wording)
    shown = ok("notices", "show", notice_id).stdout
    assert shown.startswith(f"notice {notice_id} (nl), added ")
    assert long_wording.strip() in shown
    data = ok_json("notices", "show", notice_id)
    assert (data["id"], data["language"], data["text"]) == (
        int(notice_id),
        "nl",
        long_wording.strip(),
    )
    assert data["content_hash"] in shown
    assert "999" in refused("notices", "show", "999", field="notice")


def test_notices_add_refuses_bad_input(kluis_env: Settings, tmp_path: Path) -> None:
    assert "nl or en" in refused(
        "notices", "add", "--lang", "de", "--text", WORDING_EN, field="language"
    )
    refused("notices", "add", "--lang", "nl", "--text", "Ja", field="text")
    assert "--text or --file" in refused("notices", "add", "--lang", "nl", field="text")
    file = tmp_path / "notice.txt"
    file.write_text(WORDING_NL, encoding="utf-8")
    refused(
        "notices", "add", "--lang", "nl", "--text", WORDING_NL, "--file", str(file), field="text"
    )
    refused("notices", "add", "--lang", "nl", "--file", str(tmp_path / "missing.txt"), field="file")
    assert ok_json("notices", "list") == []


# topics


def test_topics_list_add_and_change(kluis_env: Settings, kluis: Kluis) -> None:
    listed = ok_json("topics", "list")
    assert {t["key"] for t in listed} == {"product_info", "offers", "promotions", "newsletter"}
    assert all(t["reconfirm_months"] == 24 for t in listed)
    assert "Nieuwsbrief" in ok("topics", "list").stdout

    added = ok(
        "topics", "add", "open_days",
        "--name-en", "Open days", "--name-nl", "Open dagen", "--reconfirm-months", "12",
    )  # fmt: skip
    assert added.stdout.strip() == "Added topic open_days."
    by_key = {t["key"]: t for t in ok_json("topics", "list")}
    assert by_key["open_days"] == {
        "key": "open_days",
        "name_en": "Open days",
        "name_nl": "Open dagen",
        "reconfirm_months": 12,
    }
    person = add_person()
    event_id = grant(person, topic="open_days")
    event = ok_json("consent", "show", person)["events"][0]
    assert event["id"] == int(event_id)
    captured = datetime.fromisoformat(event["captured_at"])
    reconfirm_by = datetime.fromisoformat(event["reconfirm_by"])
    assert 365 <= (reconfirm_by - captured).days <= 366

    changed = ok(
        "topics", "change", "open_days", "--name-nl", "Open huis", "--name-en", "Open days"
    )
    assert changed.stdout.strip() == "Changed name_nl of open_days."
    again = ok("topics", "change", "open_days", "--name-nl", "Open huis")
    assert again.stdout.strip() == "open_days unchanged."
    ok("topics", "change", "open_days", "--reconfirm-months", "6")
    assert {t["key"]: t for t in ok_json("topics", "list")}["open_days"]["reconfirm_months"] == 6
    assert len(audit.list_entries(kluis.engine, action="topic.changed")) == 2


def test_topics_add_and_change_refuse_bad_input(kluis_env: Settings) -> None:
    names = ("--name-en", "Offers", "--name-nl", "Aanbiedingen")
    assert "exists already" in refused("topics", "add", "offers", *names, field="key")
    refused("topics", "add", "Open Days", *names, field="key")
    refused(
        "topics", "add", "open_days", *names, "--reconfirm-months", "0", field="reconfirm_months"
    )
    refused("topics", "add", "open_days", "--name-en", " ", "--name-nl", "x", field="name_en")
    refused("topics", "change", "no_such_topic", "--name-en", "x", field="key")
    assert "--name-en" in refused("topics", "change", "offers", field="key")
    assert len(ok_json("topics", "list")) == 4


# the ledger


def test_grant_then_withdraw_and_the_ledger_shows_both(kluis_env: Settings, kluis: Kluis) -> None:
    person = add_person()
    assert decide(person)["reason"] == "no_consent"
    granted = grant(person)
    assert granted.isdigit()
    allowed = decide(person)
    assert (allowed["allowed"], allowed["basis"], allowed["evidence_event_id"]) == (
        True,
        "consent",
        int(granted),
    )
    withdrawn = ok(
        "consent", "withdraw", person, "--channel", "email", "--topic", "offers",
        "--method", "unsubscribe_link",
    ).stdout.strip()  # fmt: skip
    assert int(withdrawn) > int(granted)
    after = decide(person)
    assert (after["allowed"], after["reason"], after["evidence_event_id"]) == (
        False,
        "withdrawn",
        int(withdrawn),
    )
    assert ledger.kept_state(kluis, person) == ledger.folded_state(kluis, person)

    shown = ok_json("consent", "show", person)
    assert shown["person_id"] == person
    events = shown["events"]
    assert [(e["id"], e["action"], e["method"]) for e in events] == [
        (int(granted), "granted", "web_form"),
        (int(withdrawn), "withdrawn", "unsubscribe_link"),
    ]
    assert events[0]["notice_id"] is not None
    assert events[0]["captured_by"].startswith("cli:")
    assert events[0]["reconfirm_by"] is not None
    permissions = {(p["channel"], p["topic"]): p for p in shown["permissions"]}
    assert len(permissions) == 5 * 4
    assert permissions[("email", "offers")]["status"] == "withdrawn"
    assert permissions[("email", "offers")]["reason"] == "withdrawn"
    assert permissions[("email", "offers")]["reason_en"] == REASONS[Reason.WITHDRAWN][0]
    assert permissions[("sms", "newsletter")] | {"reason_nl": ""} == {
        "channel": "sms",
        "topic": "newsletter",
        "status": None,
        "since": None,
        "reconfirm_by": None,
        "allowed": False,
        "basis": "none",
        "reason": "no_consent",
        "reason_en": REASONS[Reason.NO_CONSENT][0],
        "reason_nl": "",
        "evidence_event_id": None,
        "purpose": None,
    }

    text = ok("consent", "show", person).stdout
    assert f"Consent ledger of {person}" in text
    assert "unsubscribe_link" in text
    assert "…" not in text
    assert REASONS[Reason.WITHDRAWN][0] in text
    reads = audit.list_entries(kluis.engine, person_id=person, action="consent.ledger_read")
    assert [r.details["events"] for r in reads] == [2, 2]


def test_a_withdrawal_needs_no_method_but_refuses_a_made_up_one(kluis_env: Settings) -> None:
    person = add_person()
    grant(person)
    assert "unsubscribe_link" in refused(
        "consent", "withdraw", person, "--channel", "email", "--topic", "offers",
        "--method", "telepathy", field="method",
    )  # fmt: skip
    ok("consent", "withdraw", person, "--channel", "email", "--topic", "offers")
    assert [e["method"] for e in ok_json("consent", "show", person)["events"]] == [
        "web_form",
        None,
    ]


def test_grant_refusals_say_why_and_record_nothing(kluis_env: Settings, kluis: Kluis) -> None:
    person = add_person()
    notice = add_notice()
    base = ("consent", "grant", person, "--topic", "offers")
    detail = refused(*base, "--channel", "email", "--method", "web_form", field="notice")
    assert "kluis notices add" in detail
    assert "web_form" in refused(*base, "--channel", "email", "--notice", notice, field="method")
    refused(
        *base, "--channel", "email", "--method", "pre_ticked", "--notice", notice, field="method"
    )
    detail = refused(
        *base, "--channel", "pigeon", "--method", "web_form", "--notice", notice, field="channel"
    )
    assert "pigeon" not in detail
    assert "whatsapp" in detail
    refused(
        "consent", "grant", person, "--channel", "email", "--topic", "horoscopes",
        "--method", "web_form", "--notice", notice, field="topic",
    )  # fmt: skip
    refused(*base, "--channel", "email", "--method", "web_form", "--notice", "999", field="notice")
    missing = str(uuid.UUID(int=7))
    assert missing in refused(
        "consent", "grant", missing, "--channel", "email", "--topic", "offers",
        "--method", "web_form", "--notice", notice, field="id",
    )  # fmt: skip
    assert ok_json("consent", "show", person)["events"] == []
    assert audit.list_entries(kluis.engine, action="consent.recorded") == []


def test_grant_with_a_recording_stores_and_cites_it(
    kluis_env: Settings, kluis: Kluis, tmp_path: Path
) -> None:
    person = add_person()
    recording = tmp_path / "call-2026-03-14.wav"
    recording.write_bytes(WAV)
    notice = add_notice()
    result = ok_json(
        "consent", "grant", person, "--channel", "phone", "--topic", "offers",
        "--method", "phone_recording", "--notice", notice, "--evidence", str(recording),
    )  # fmt: skip
    event_id, evidence_id = result["event_id"], result["evidence_id"]
    assert isinstance(evidence_id, int)
    stored = evidence.get_evidence(kluis, ADMIN, evidence_id, NOW)
    assert (stored.person_id, stored.content_type, stored.filename, stored.data) == (
        person,
        "audio/wav",
        "call-2026-03-14.wav",
        WAV,
    )
    shown = ok_json("consent", "show", person)
    assert shown["events"][0]["evidence_id"] == evidence_id
    assert [(e["id"], e["content_type"], e["size"], e["cited_by"]) for e in shown["evidence"]] == [
        (evidence_id, "audio/wav", len(WAV), [event_id])
    ]
    assert "audio/wav" in ok("consent", "show", person).stdout
    assert decide(person, channel="phone")["evidence_event_id"] == event_id
    added = audit.list_entries(kluis.engine, person_id=person, action="evidence.added")
    assert [(e.details["evidence_id"], e.details["content_type"]) for e in added] == [
        (evidence_id, "audio/wav")
    ]


def test_evidence_content_type_comes_from_the_extension_or_the_option(
    kluis_env: Settings, kluis: Kluis, tmp_path: Path
) -> None:
    person = add_person()
    notice = add_notice()
    base = (
        "consent", "grant", person, "--channel", "phone", "--topic", "offers",
        "--method", "phone_recording", "--notice", notice,
    )  # fmt: skip
    unnamed = tmp_path / "recording.bin"
    unnamed.write_bytes(WAV)
    assert "--content-type" in refused(*base, "--evidence", str(unnamed), field="content_type")
    cited = ok_json(*base, "--evidence", str(unnamed), "--content-type", "audio/wav")
    assert (
        evidence.get_evidence(kluis, ADMIN, cited["evidence_id"], NOW).content_type == "audio/wav"
    )
    scan = tmp_path / "form.pdf"
    scan.write_bytes(b"%PDF-1.7\n" + b"0" * 40)
    pdf = ok_json(*base, "--evidence", str(scan))
    assert evidence.get_evidence(kluis, ADMIN, pdf["evidence_id"], NOW).content_type == (
        "application/pdf"
    )
    mail = tmp_path / "reply.eml"
    mail.write_text("From: sjoukje1.terpstra@example.com\nSubject: Ja graag\n\nJa.\n")
    eml = ok_json(*base, "--evidence", str(mail))
    assert evidence.get_evidence(kluis, ADMIN, eml["evidence_id"], NOW).content_type == (
        "message/rfc822"
    )


def test_bad_evidence_is_refused_and_a_refused_grant_stores_none(
    kluis_env: Settings, tmp_path: Path
) -> None:
    person = add_person()
    notice = add_notice()
    base = (
        "consent", "grant", person, "--channel", "phone", "--topic", "offers",
        "--method", "phone_recording",
    )  # fmt: skip
    fake = tmp_path / "call.wav"
    fake.write_text("this is not a recording")
    assert "audio/wav" in refused(
        *base, "--notice", notice, "--evidence", str(fake), field="evidence"
    )
    refused(
        *base, "--notice", notice, "--evidence", str(tmp_path / "missing.wav"), field="evidence"
    )
    video = tmp_path / "call.mkv"
    video.write_bytes(WAV)
    refused(
        *base, "--notice", notice, "--evidence", str(video), "--content-type", "video/x-matroska",
        field="evidence",
    )  # fmt: skip
    recording = tmp_path / "good.wav"
    recording.write_bytes(WAV)
    refused(*base, "--evidence", str(recording), field="notice")
    refused(*base, "--notice", "999", "--evidence", str(recording), field="notice")
    refused(
        "consent", "grant", person, "--channel", "phone", "--topic", "horoscopes",
        "--method", "phone_recording", "--notice", notice, "--evidence", str(recording),
        field="topic",
    )  # fmt: skip
    shown = ok_json("consent", "show", person)
    assert (shown["events"], shown["evidence"]) == ([], [])


def test_evidence_larger_than_the_limit_is_refused(
    kluis_env: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    person = add_person()
    notice = add_notice()
    monkeypatch.setenv("KLUIS_EVIDENCE_MAX_BYTES", "40")
    recording = tmp_path / "long-call.wav"
    recording.write_bytes(WAV + b"\x00" * 100)
    detail = refused(
        "consent", "grant", person, "--channel", "phone", "--topic", "offers",
        "--method", "phone_recording", "--notice", notice, "--evidence", str(recording),
        field="evidence",
    )  # fmt: skip
    assert "at most 40" in detail


def test_reconfirm_renews_a_live_consent_only(kluis_env: Settings) -> None:
    person = add_person()
    args = ("consent", "reconfirm", person, "--channel", "email", "--topic", "offers")
    assert "new grant" in refused(*args, field="action")
    granted = grant(person)
    reconfirmed = ok(*args).stdout.strip()
    assert int(reconfirmed) > int(granted)
    shown = ok_json("consent", "show", person)
    assert [e["action"] for e in shown["events"]] == ["granted", "reconfirmed"]
    offers = next(
        p for p in shown["permissions"] if (p["channel"], p["topic"]) == ("email", "offers")
    )
    assert offers["allowed"] is True
    assert offers["reconfirm_by"] == shown["events"][1]["reconfirm_by"]
    ok("consent", "withdraw", person, "--channel", "email", "--topic", "offers")
    refused(*args, field="action")


# objection and restriction


def test_objection_stops_commercial_messages_until_lifted(kluis_env: Settings) -> None:
    customer = add_person("customer")
    soft = decide(customer)
    assert (soft["allowed"], soft["basis"]) == (True, "soft_opt_in")
    objected = ok("consent", "object", customer, "--method", "phone")
    assert objected.stdout.strip() == f"Recorded the objection to direct marketing of {customer}."
    assert decide(customer)["reason"] == "objected"
    assert decide(customer, kind="transactional")["allowed"] is True
    ok("consent", "object", customer, "--method", "letter", "--lift")
    assert decide(customer)["basis"] == "soft_opt_in"
    flags = ok_json("consent", "show", customer)["flags"]
    assert [(f["flag"], f["active"], f["method"]) for f in flags] == [
        ("objection", True, "phone"),
        ("objection", False, "letter"),
    ]
    assert "letter" in refused(
        "consent", "object", customer, "--method", "carrier_pigeon", field="method"
    )


def test_restriction_stops_every_message_until_lifted(kluis_env: Settings) -> None:
    customer = add_person("customer")
    restricted = ok("consent", "restrict", customer, "--method", "privacy_request")
    assert restricted.stdout.strip() == f"Recorded the restriction of {customer}."
    for kind in ("commercial", "transactional"):
        assert decide(customer, kind=kind)["reason"] == "restricted"
    lifted = ok("consent", "restrict", customer, "--method", "privacy_request", "--lift")
    assert lifted.stdout.strip() == f"Lifted the restriction of {customer}."
    assert decide(customer, kind="transactional")["allowed"] is True
    missing = str(uuid.UUID(int=8))
    refused("consent", "restrict", missing, "--method", "email", field="id")


# receipts


def test_receipt_is_kantara_json_for_the_event(kluis_env: Settings) -> None:
    person = add_person()
    event_id = grant(person)
    result = ok("consent", "receipt", event_id)
    receipt = json.loads(result.stdout)
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert receipt["piiPrincipalId"] == person
    assert receipt["collectionMethod"] == "web_form"
    assert receipt["language"] == "nl"
    assert receipt["kluis"]["eventId"] == int(event_id)
    assert receipt["kluis"]["noticeText"] == WORDING_NL
    assert receipt["kluis"]["channel"] == "email"
    assert (
        json.loads(ok("consent", "receipt", event_id).stdout)["consentReceiptID"]
        == (receipt["consentReceiptID"])
    )
    refused("consent", "receipt", "999", field="event_id")


# decide


def test_decide_answers_allowed_and_refused_with_exit_zero(kluis_env: Settings) -> None:
    person = add_person()
    refusal = ok(
        "decide", person, "--channel", "email", "--kind", "commercial", "--topic", "offers"
    )
    lines = refusal.stdout.splitlines()
    assert lines[0] == "refused"
    assert "none" in refusal.stdout
    assert REASONS[Reason.NO_CONSENT][0] in refusal.stdout
    assert REASONS[Reason.NO_CONSENT][1] not in refusal.stdout
    event_id = grant(person)
    allowed = ok(
        "decide", person, "--channel", "email", "--kind", "commercial", "--topic", "offers",
        "--lang", "nl",
    ).stdout  # fmt: skip
    assert allowed.splitlines()[0] == "allowed"
    assert "consent" in allowed
    assert f"consent event {event_id}" in allowed
    assert REASONS[Reason.CONSENT][0] in " ".join(allowed.split())
    assert REASONS[Reason.CONSENT][1] in " ".join(allowed.split())
    transactional = decide(person, kind="transactional", channel="sms")
    assert transactional == {
        "person_id": person,
        "allowed": True,
        "basis": "contract",
        "reason": "transactional",
        "reason_en": REASONS[Reason.TRANSACTIONAL][0],
        "reason_nl": REASONS[Reason.TRANSACTIONAL][1],
        "evidence_event_id": None,
        "purpose": "customer_service",
        "as_of": None,
    }


def test_decide_as_of_two_years_later_shows_the_consent_expired(
    kluis_env: Settings, kluis: Kluis
) -> None:
    person = add_person()
    event_id = int(grant(person))
    later = two_years_from_today()
    expired = decide(person, "--as-of", later)
    assert (expired["allowed"], expired["basis"], expired["reason"]) == (False, "none", "expired")
    assert expired["evidence_event_id"] == event_id
    assert expired["as_of"] == f"{later}T00:00:00+00:00"
    text = ok(
        "decide", person, "--channel", "email", "--kind", "commercial", "--topic", "offers",
        "--as-of", later,
    ).stdout  # fmt: skip
    assert text.splitlines()[0] == "refused"
    assert REASONS[Reason.EXPIRED][0] in " ".join(text.split())
    assert decide(person)["allowed"] is True
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S+02:00")
    assert decide(person, "--as-of", tomorrow)["allowed"] is True
    decided = audit.list_entries(kluis.engine, person_id=person, action="consent.decided")
    assert [(d.details["reason"], d.details["as_of"]) for d in decided] == [
        ("expired", f"{later}T00:00:00+00:00"),
        ("expired", f"{later}T00:00:00+00:00"),
        ("consent", None),
        ("consent", (datetime.fromisoformat(tomorrow)).astimezone(UTC).isoformat()),
    ]
    assert all(d.at < datetime.now(UTC) + timedelta(minutes=1) for d in decided)
    shown = ok_json("consent", "show", person, "--as-of", later)
    offers = next(
        p for p in shown["permissions"] if (p["channel"], p["topic"]) == ("email", "offers")
    )
    assert (offers["status"], offers["reason"]) == ("granted", "expired")


def test_decide_refuses_bad_questions(kluis_env: Settings) -> None:
    person = add_person()
    args = ("decide", person, "--topic", "offers")
    refused(*args, "--channel", "fax", "--kind", "commercial", field="channel")
    refused(*args, "--channel", "email", "--kind", "spam", field="kind")
    refused(
        *args, "--channel", "email", "--kind", "commercial", "--as-of", "next year", field="as_of"
    )
    refused(*args, "--channel", "email", "--kind", "commercial", "--lang", "de", field="lang")
    refused(
        "decide", person, "--channel", "email", "--kind", "commercial", "--topic", "horoscopes",
        field="topic",
    )  # fmt: skip
    refused(
        "decide", str(uuid.UUID(int=9)), "--channel", "email", "--kind", "commercial",
        "--topic", "offers", field="id",
    )  # fmt: skip


def test_decide_about_an_erased_person_refuses(kluis_env: Settings) -> None:
    person = add_person("customer")
    ok("contacts", "erase", person, "--yes")
    erased = decide(person, kind="transactional")
    assert (erased["allowed"], erased["reason"]) == (False, "erased")
    refused("consent", "show", person, field=None)


# audience


def test_audience_counts_the_allowed_and_the_refused_by_reason(kluis_env: Settings) -> None:
    consenting = add_person("prospect", 1)
    grant(consenting)
    add_person("customer", 2)
    withdrawn = add_person("customer", 3)
    grant(withdrawn)
    ok("consent", "withdraw", withdrawn, "--channel", "email", "--topic", "offers")
    objected = add_person("customer", 4)
    ok("consent", "object", objected, "--method", "email")
    add_person("prospect", 5)

    counts = ok_json("audience", "--channel", "email", "--topic", "offers")
    assert (counts["channel"], counts["topic"], counts["allowed"]) == ("email", "offers", 2)
    assert counts["refused"] == {"withdrawn": 1, "objected": 1, "no_consent": 1}
    sms = ok_json("audience", "--channel", "sms", "--topic", "offers")
    assert (sms["allowed"], sms["refused"]) == (0, {"objected": 1, "no_consent": 4})

    later = ok_json(
        "audience", "--channel", "email", "--topic", "offers", "--as-of", two_years_from_today()
    )
    assert later["allowed"] == 1
    assert later["refused"] == {"withdrawn": 1, "objected": 1, "no_consent": 1, "expired": 1}

    text = ok("audience", "--channel", "email", "--topic", "offers").stdout
    assert text.startswith("2 may receive a commercial message on email about offers")
    assert "withdrawn" in text
    assert REASONS[Reason.OBJECTED][0].split()[0] in text
    refused("audience", "--channel", "fax", "--topic", "offers", field="channel")
    refused("audience", "--channel", "email", "--topic", "horoscopes", field="topic")
