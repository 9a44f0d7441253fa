"""A campaign sent a page at a time keeps every promise a message at a time kept: each person is
decided when their page comes, every decision and read is audited, everyone gets exactly one
message after a crash mid-page (one sent again carries the same Message-ID), and the rate is
kept."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import pytest

from conftest import ADMIN, MARKETING, NOW
from factories import add_marketed_person as add_person
from job_helpers import message_ids
from kluis.audit import service as audit
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.messaging import campaigns, delivery, repository, sender
from kluis.messaging.tables import MessageRow
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer

SPRING = {
    "name": "Spring",
    "topic": "offers",
    "subject_en": "Spring offer",
    "body_en": "Hello {{ given_name }},\n\nAll cheese half price.",
    "subject_nl": "Lenteaanbieding, {{ given_name }}",
    "body_nl": "Hallo {{ given_name }},\n\nAlle kaas halve prijs, één keer per jaar.",
}


def clock() -> datetime:
    return NOW


def transport(server: MailServer):  # type: ignore[no-untyped-def]
    return lambda: SmtpTransport(parse_smtp_url(server.url), sleep=lambda _s: None)


def recipients(smtp: MailServer) -> Counter[str]:
    return Counter(str(m["To"]) for m in smtp.received)


def customers(kluis: Kluis, count: int, first: int = 10) -> list[str]:
    return [add_person(kluis, ADMIN, NOW, n) for n in range(first, first + count)]


def test_a_page_holds_at_most_a_second_of_sending_at_the_rate() -> None:
    assert campaigns.page_size(200, 100_000) == 200
    assert campaigns.page_size(200, 600) == 10
    assert campaigns.page_size(200, 1) == 1
    assert campaigns.page_size(2, 600) == 2


def test_someone_who_unsubscribes_while_earlier_pages_go_is_refused(
    kluis: Kluis, smtp: MailServer
) -> None:
    people = customers(kluis, 3)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)

    def progress(done: int, _total: int) -> None:
        if done == 1:  # the first page went; the last person unsubscribes meanwhile
            consent.record(kluis, MARKETING, people[2], "email", "offers", "withdrawn", NOW)

    sent = campaigns.send_campaign(
        kluis,
        MARKETING,
        draft.id,
        clock,
        transport(smtp),
        batch=1,
        progress=progress,
        sleep=lambda _s: None,
    )
    assert sent.counts == {"sent": 2, "refused": 1}
    assert campaigns.refused_when_sending(kluis, draft.id) == {"withdrawn": 1}
    assert "fenna.brouwersma12@example.com" not in recipients(smtp)


def test_every_decision_and_read_is_audited_in_one_write_per_page(
    kluis: Kluis, smtp: MailServer
) -> None:
    people = customers(kluis, 5)
    consent.record(kluis, MARKETING, people[0], "email", "offers", "withdrawn", NOW)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    before = audit.list_entries(kluis.engine, limit=10_000)[-1].seq
    campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), batch=2, sleep=lambda _s: None
    )
    entries = audit.list_entries(kluis.engine, after=before, limit=10_000)
    decided = [e for e in entries if e.action == "consent.decided"]
    read = [e for e in entries if e.action == "person.read"]
    assert Counter(e.person_id for e in decided) == Counter(people[1:])  # queued: allowed ones
    assert sorted(str(e.person_id) for e in read) == sorted(people[1:])
    assert {e.purpose for e in read} == {"existing_customer_marketing"}
    assert {e.details["via"] for e in read} == {"message"}
    assert all(e.details["fields"] == ["email", "family_name", "given_name"] for e in read)
    assert audit.verify(kluis.engine).ok
    pages = [e.action for e in entries if e.action in ("consent.decided", "person.read")]
    assert pages == ["consent.decided", "person.read"] * 4
    assert len(recipients(smtp)) == 4


class Killed(BaseException):
    """Stands for the process being stopped mid-page by an exception."""


def test_an_exception_mid_page_gives_the_unsent_back_and_sends_nobody_twice(
    kluis: Kluis, smtp: MailServer
) -> None:
    customers(kluis, 6)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)

    class Dying(SmtpTransport):
        sends = 0

        def send(self, message):  # type: ignore[no-untyped-def]
            Dying.sends += 1
            if Dying.sends == 2:
                raise Killed
            super().send(message)

    with pytest.raises(Killed):
        campaigns.send_campaign(
            kluis,
            MARKETING,
            draft.id,
            clock,
            lambda: Dying(parse_smtp_url(smtp.url)),
            batch=4,
            sleep=lambda _s: None,
        )
    # the first went, the second may have reached the server: sent again with its Message-ID;
    # the rest of the page was never handed over and is queued again
    assert campaigns.get_campaign(kluis, draft.id).counts == {
        "sent": 1,
        "sending": 1,
        "queued": 4,
    }
    kept = stored_ids(kluis, draft.id)
    resumed = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert resumed.counts == {"sent": 6}
    assert max(recipients(smtp).values()) == 1
    assert len(smtp.received) == 6
    stored = stored_ids(kluis, draft.id)
    assert kept.items() <= stored.items()
    assert {str(m["Message-ID"]) for m in smtp.received} == set(stored.values())


def stored_ids(kluis: Kluis, campaign_id: int) -> dict[int, str]:
    """The Message-ID stored on each of the campaign's rows that has one."""
    with kluis.engine.connect() as conn:
        rows = conn.execute(
            MessageRow.__table__.select().where(MessageRow.campaign_id == campaign_id)
        )
        return {row.id: row.message_id for row in rows if row.message_id}


def test_a_mail_that_arrived_but_was_not_marked_goes_again_as_the_same_message(
    kluis: Kluis, smtp: MailServer
) -> None:
    customers(kluis, 6)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)

    class Dying(SmtpTransport):
        sends = 0

        def send(self, message):  # type: ignore[no-untyped-def]
            super().send(message)
            Dying.sends += 1
            if Dying.sends == 3:
                raise Killed  # the server has it; the row is not marked sent

    with pytest.raises(Killed):
        campaigns.send_campaign(
            kluis,
            MARKETING,
            draft.id,
            clock,
            lambda: Dying(parse_smtp_url(smtp.url)),
            batch=4,
            sleep=lambda _s: None,
        )
    assert len(smtp.received) == 3
    resumed = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert resumed.counts == {"sent": 6}
    # the third person's mail went twice over SMTP, as one message: one distinct Message-ID
    assert len(smtp.received) == 7
    assert sorted(recipients(smtp).values()) == [1, 1, 1, 1, 1, 2]
    assert all(len(ids) == 1 for ids in message_ids(smtp).values())
    assert len(message_ids(smtp)) == 6


def test_a_crash_after_a_page_was_claimed_sends_it_once_on_resume(
    kluis: Kluis, smtp: MailServer
) -> None:
    customers(kluis, 4)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.enqueue(kluis, MARKETING, draft.id, NOW)
    view = campaigns.get_campaign(kluis, draft.id)
    plan = delivery.prepare(kluis, MARKETING, view, {"en": "Offers", "nl": "Aanbiedingen"})
    holder = sender.claim(kluis, draft.id, view.rate_per_minute, NOW)
    with kluis.engine.connect() as conn:
        queued = repository.queued(conn, draft.id, 2)
    page = delivery.claim_page(kluis, plan, holder, queued, NOW)
    assert page is not None
    assert len(page.ready) == 2
    # The process dies here, between claiming and handing over: no exception handler runs.
    # Nothing of the page reached the mail server, so the resume decides and sends it again.
    sender.release(kluis, draft.id, holder)
    resumed = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert resumed.counts == {"sent": 4}
    assert len(smtp.received) == 4
    assert len({str(m["To"]) for m in smtp.received}) == 4


def test_a_crash_while_handing_a_chunk_over_interrupts_that_chunk_only(
    kluis: Kluis, smtp: MailServer
) -> None:
    customers(kluis, 4)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.enqueue(kluis, MARKETING, draft.id, NOW)
    view = campaigns.get_campaign(kluis, draft.id)
    plan = delivery.prepare(kluis, MARKETING, view, {"en": "Offers", "nl": "Aanbiedingen"})
    holder = sender.claim(kluis, draft.id, view.rate_per_minute, NOW)
    with kluis.engine.connect() as conn:
        queued = repository.queued(conn, draft.id, 3)
    page = delivery.claim_page(kluis, plan, holder, queued, NOW)
    assert page is not None
    handed = [row_id for row_id in page.rows if row_id in page.ready][:2]
    with kluis.engine.begin() as conn:
        repository.handing_over(conn, handed, NOW)
    # The process dies while these two may be at the mail server: they are decided again and
    # sent with the Message-IDs they were given; the page's third row, only claimed, and the
    # fourth, never claimed, are decided again and sent.
    sender.release(kluis, draft.id, holder)
    resumed = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert resumed.counts == {"sent": 4}
    assert len(smtp.received) == 4
    got = {str(m["Message-ID"]) for m in smtp.received}
    assert {page.ready[row_id].message_id for row_id in handed} <= got


def test_a_mail_cut_off_mid_hand_over_is_decided_again_before_it_goes_again(
    kluis: Kluis, smtp: MailServer
) -> None:
    people = customers(kluis, 2)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.enqueue(kluis, MARKETING, draft.id, NOW)
    view = campaigns.get_campaign(kluis, draft.id)
    plan = delivery.prepare(kluis, MARKETING, view, {"en": "Offers", "nl": "Aanbiedingen"})
    holder = sender.claim(kluis, draft.id, view.rate_per_minute, NOW)
    with kluis.engine.connect() as conn:
        queued = repository.queued(conn, draft.id, 2)
    page = delivery.claim_page(kluis, plan, holder, queued, NOW)
    assert page is not None
    with kluis.engine.begin() as conn:
        repository.handing_over(conn, list(page.ready), NOW)
    sender.release(kluis, draft.id, holder)
    # between the crash and the resume the first person withdraws: nothing more goes to them
    consent.record(kluis, MARKETING, people[0], "email", "offers", "withdrawn", NOW)
    resumed = campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    assert resumed.counts == {"sent": 1, "refused": 1}
    assert len(smtp.received) == 1


def test_a_sender_that_lost_its_claim_claims_no_page(kluis: Kluis) -> None:
    customers(kluis, 1)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.enqueue(kluis, MARKETING, draft.id, NOW)
    view = campaigns.get_campaign(kluis, draft.id)
    plan = delivery.prepare(kluis, MARKETING, view, {"en": "Offers", "nl": "Aanbiedingen"})
    with kluis.engine.connect() as conn:
        queued = repository.queued(conn, draft.id, 10)
    assert delivery.claim_page(kluis, plan, "not-the-holder", queued, NOW) is None
    assert campaigns.get_campaign(kluis, draft.id).counts == {"queued": 1}


def test_the_rate_is_kept_between_messages_sent(kluis: Kluis, smtp: MailServer) -> None:
    people = customers(kluis, 3)
    consent.record(kluis, MARKETING, people[1], "email", "offers", "withdrawn", NOW)
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING | {"rate_per_minute": 120}, NOW)
    campaigns.enqueue(kluis, MARKETING, draft.id, NOW)
    consent.record(kluis, MARKETING, people[2], "email", "offers", "withdrawn", NOW)
    waits: list[float] = []
    campaigns.send_campaign(kluis, MARKETING, draft.id, clock, transport(smtp), sleep=waits.append)
    assert waits == [0.5]  # one message went; the refused one is not waited for


def test_the_topic_name_in_the_footer_is_in_the_persons_language(
    kluis: Kluis, smtp: MailServer
) -> None:
    add_person(kluis, ADMIN, NOW, 1, language="en")
    add_person(kluis, ADMIN, NOW, 2, language="nl")
    topic = catalogue.topic_row
    draft = campaigns.create_campaign(kluis, MARKETING, SPRING, NOW)
    campaigns.send_campaign(
        kluis, MARKETING, draft.id, clock, transport(smtp), sleep=lambda _s: None
    )
    with kluis.engine.connect() as conn:
        names = topic(conn, "offers")
    by_language = {str(m["Content-Language"]): m for m in smtp.received}
    for language, name in (("en", names.name_en), ("nl", names.name_nl)):
        text = by_language[language].get_body(("plain",))
        assert text is not None
        assert name in str(text.get_content())
        assert str(by_language[language]["List-Unsubscribe-Post"]) == ("List-Unsubscribe=One-Click")
