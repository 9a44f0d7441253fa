"""The person timeline's reads, on SQLite and PostgreSQL: every source reads in one transaction
and records its own typed event once; the person page reads the ledger and the messages once for
its panels and its timeline; the purpose, restriction and erasure checks refuse as before, and
a refused timeline records nothing. ``contacts.people.reach`` checks visibility without opening
any of the person's fields."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import update

from activity_helpers import log_call
from conftest import ADMIN, NOW, SERVICE
from factories import add_notice, add_person, grant_consent
from kluis.audit import service as audit
from kluis.contacts import erasure, flags, people, reach_memo, timeline
from kluis.contacts.tables import people as people_table
from kluis.errors import DecryptionFailed, PersonErased, PurposeRefused, Restricted
from kluis.messaging import service as messaging
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.purposes.rules import Purpose
from kluis.purposes.service import list_purposes
from kluis.runtime import Kluis
from kluis.slices import SLICES, load
from mailserver import MailServer
from staff_helpers import signed_in
from task_helpers import session_of

READS = ("activity.list_read", "consent.ledger_read", "message.history_read")


def sources() -> list[Any]:
    return [load(path) for entry in SLICES for path in entry.timeline]


def purpose(kluis: Kluis, key: str) -> Purpose:
    return next(p for p in list_purposes(kluis.engine) if p.key == key)


def reads_of(kluis: Kluis, person_id: str) -> Counter[str]:
    entries = audit.list_entries(kluis.engine, person_id=person_id, limit=1000)
    return Counter(e.action for e in entries if e.action in READS)


def consented(kluis: Kluis) -> tuple[str, int, str]:
    person = add_person(
        kluis, ADMIN, NOW - timedelta(days=9), purposes=("customer_service", "email_marketing")
    )
    event = grant_consent(
        kluis, person, "email", "offers", add_notice(kluis, now=NOW - timedelta(days=9)),
        at=NOW - timedelta(days=5),
    )  # fmt: skip
    call = log_call(kluis, person, occurred_at=NOW - timedelta(days=1))
    return person, event, call


def test_every_source_reads_in_one_transaction_and_records_its_read_once(kluis: Kluis) -> None:
    person, event, call = consented(kluis)
    before = reads_of(kluis, person)
    found = timeline.merged(
        sources(), kluis, session_of(SERVICE), person, purpose(kluis, "customer_service"), NOW
    )
    assert [e.ref for e in found] == [f"activity:{call}", f"consent:{event}"]
    assert reads_of(kluis, person) - before == Counter(READS)
    logged = audit.list_entries(kluis.engine, person_id=person, action="activity.list_read")
    assert logged[-1].purpose == "customer_service"
    assert audit.verify(kluis.engine).ok


def test_the_person_page_reads_the_ledger_and_the_messages_once(kluis: Kluis) -> None:
    person, event, call = consented(kluis)
    client, _csrf = signed_in(kluis, "service", "customer_service")
    before = reads_of(kluis, person)
    page = client.get(f"/app/contacts/{person}")
    assert page.status_code == 200, page.text
    assert f'data-ref="consent:{event}"' in page.text
    assert f'data-ref="activity:{call}"' in page.text
    assert reads_of(kluis, person) - before == Counter(READS)


def test_a_refused_timeline_refuses_as_before_and_records_nothing(kluis: Kluis) -> None:
    person, _event, _call = consented(kluis)
    session = session_of(SERVICE)
    service = purpose(kluis, "customer_service")
    with pytest.raises(PurposeRefused):
        timeline.merged(sources(), kluis, session, person, purpose(kluis, "sales_follow_up"), NOW)
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    before = reads_of(kluis, person)
    with pytest.raises(Restricted):
        timeline.merged(sources(), kluis, session, person, service, NOW)
    assert reads_of(kluis, person) == before
    erasure.erase_person(kluis, ADMIN, person, NOW)
    with pytest.raises(PersonErased):
        timeline.merged(sources(), kluis, session, person, service, NOW)


def test_reaching_a_person_opens_none_of_their_fields(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    with kluis.engine.begin() as conn:
        conn.execute(
            update(people_table).where(people_table.c.id == person).values(given_name=b"x" * 40)
        )
    with pytest.raises(DecryptionFailed):
        people.read_person(kluis, SERVICE, person, "customer_service", NOW)
    with kluis.engine.begin() as conn:
        reached = people.reach(kluis, conn, SERVICE, person, "customer_service")
    assert reached.key == "customer_service"


def test_reach_is_remembered_only_inside_the_timeline_block(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW)
    with kluis.engine.begin() as conn:
        people.reach(kluis, conn, SERVICE, person, "customer_service")
        with reach_memo.remembering(conn):
            with pytest.raises(PurposeRefused):
                people.reach(kluis, conn, SERVICE, person, "invoicing")
            first = people.reach(kluis, conn, SERVICE, person, "customer_service")
            key = (SERVICE.ref, person, "customer_service")
            assert reach_memo.recall(conn, key) is first
            assert reach_memo.recall(conn, (SERVICE.ref, person, "invoicing")) is None
        assert reach_memo.recall(conn, key) is None
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    with kluis.engine.begin() as conn, pytest.raises(Restricted):
        people.reach(kluis, conn, SERVICE, person, "customer_service")


def test_a_sent_message_is_on_the_person_page_timeline_in_time_order(
    kluis: Kluis, smtp: MailServer
) -> None:
    """Issue 18: the timeline holds activities, consent events, messages sent and requests;
    a message the person was sent shows between the moments around it, by its topic."""
    person, event, call = consented(kluis)
    url = smtp.url
    sent = messaging.send_message(
        kluis,
        SERVICE,
        person,
        "transactional",
        "offers",
        messaging.Content(
            template="notice", params={"subject": "Openingstijden", "body": "Maandag dicht."}
        ),
        NOW - timedelta(days=3),
        lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None),
    )
    assert sent.status == "sent"
    client, _csrf = signed_in(kluis, "service", "customer_service")
    page = client.get(f"/app/contacts/{person}")
    assert page.status_code == 200, page.text
    shown = page.text[page.text.index('id="person-timeline"') :]
    refs = re.findall(r'data-ref="([a-z]+:[^"]+)"', shown[: shown.index("</ol>")])
    assert refs == [f"activity:{call}", f"message:{sent.id}", f"consent:{event}"]
