"""Delivering notices, on SQLite and PostgreSQL: a rotation keeps the old secret signing for a
day, a receiver that refuses the signature is retried until the window closes and the notice
fails, an e-mail system gets a mail at its privacy contact in the configured language, and only
admins and the privacy officer confirm a notice by hand."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import ADMIN, MARKETING, NOW
from factories import add_person
from kluis.connected import delivery, rules, service, tracking
from kluis.contacts import flags, rectify
from kluis.errors import InvalidField, PermissionDenied
from kluis.messaging.transport import SmtpTransport, parse_smtp_url
from kluis.runtime import Kluis
from mailserver import MailServer
from webhook_receiver import Receiver, check_schema, serving


def _webhook(kluis: Kluis, url: str) -> tuple[int, str]:
    added = service.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Shop",
        kind="processor",
        reach="webhook",
        purposes=["customer_service"],
        webhook_url=url,
    )
    assert added.secret is not None
    return added.system.id, added.secret


def test_after_a_rotation_both_secrets_sign_for_a_day(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 1)
    with serving(Receiver(["done", "done"])) as receiver:
        system, old = _webhook(kluis, receiver.url)
        service.link(kluis, ADMIN, person, system, "shop-1", NOW)
        new = service.rotate_secret(kluis, ADMIN, system, NOW)
        assert service.show(kluis, ADMIN, system, NOW).secrets == 2
        receiver.secrets = [old]
        receiver.now = NOW
        flags.set_flag(kluis, ADMIN, person, "restriction", True, "email", NOW)
        assert delivery.deliver_due(kluis, NOW).confirmed == 1
        day_after = NOW + timedelta(hours=25)
        assert service.show(kluis, ADMIN, system, day_after).secrets == 1
        flags.set_flag(kluis, ADMIN, person, "restriction", False, "email", day_after)
        receiver.now = day_after
        assert delivery.deliver_due(kluis, day_after).retried == 1  # the old one signs no more
        receiver.secrets = [new]
        retry = day_after + rules.backoff(1)
        receiver.now = retry
        assert delivery.deliver_due(kluis, retry).confirmed == 1
    assert receiver.refused == 1


def test_a_receiver_that_refuses_the_signature_fails_after_the_window(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 2)
    with serving(Receiver([])) as receiver:
        system, _ = _webhook(kluis, receiver.url)
        receiver.secrets = [rules.new_secret()]
        service.link(kluis, ADMIN, person, system, "shop-2", NOW)
        flags.set_flag(kluis, ADMIN, person, "objection", True, "email", NOW)
        at, outcomes = NOW, []
        for _ in range(30):
            receiver.now = at
            done = delivery.deliver_due(kluis, at)
            outcomes.append((done.retried, done.failed))
            if done.failed:
                break
            at += timedelta(hours=12)
    assert outcomes[-1] == (0, 1)
    assert at - NOW <= timedelta(days=kluis.settings.connected_retry_days)
    assert receiver.acted == []
    [notice] = tracking.for_request(kluis, person)
    assert notice.state == "failed"
    assert tracking.overdue(kluis, NOW + timedelta(days=7)).failed == 1


def test_an_email_system_gets_a_mail_at_its_privacy_contact(kluis: Kluis, smtp: MailServer) -> None:
    person = add_person(kluis, ADMIN, NOW, 3)
    added = service.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Mailhouse",
        kind="processor",
        reach="email",
        purposes=["customer_service"],
        contact_email="privacy@mailhouse.example.com",
    )
    service.link(kluis, ADMIN, person, added.system.id, "MH-77", NOW)
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    url = smtp.url
    done = delivery.deliver_due(
        kluis, NOW, transport=lambda: SmtpTransport(parse_smtp_url(url), sleep=lambda _s: None)
    )
    assert done.sent == 1
    [mail] = smtp.received
    assert mail["To"] == "privacy@mailhouse.example.com"
    body = mail.get_content()
    assert "MH-77" in body
    assert "beperking van de verwerking" in body  # KLUIS_CONNECTED_MAIL_LANGUAGE: nl
    assert "/connected/confirm/" in body
    [notice] = tracking.for_request(kluis, person)
    assert notice.state == "sent"


def test_only_those_answerable_confirm_by_hand(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 4)
    service.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Paper",
        kind="recipient",
        reach="manual",
        purposes=["customer_service"],
        instructions="Shred the card.",
    )
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "letter", NOW)
    [notice] = tracking.for_request(kluis, person)
    assert notice.instructions == "Shred the card."
    with pytest.raises(PermissionDenied):
        delivery.tick(kluis, MARKETING, notice.id, NOW)
    assert delivery.tick(kluis, ADMIN, notice.id, NOW) is True
    assert delivery.tick(kluis, ADMIN, notice.id, NOW) is False


def test_the_register_refuses_what_cannot_work(kluis: Kluis) -> None:
    for reach, extra in (
        ("webhook", {"webhook_url": "ftp://x.example.com"}),
        ("email", {"contact_email": "nobody"}),
        ("carrier pigeon", {}),
    ):
        with pytest.raises(InvalidField):
            service.add_system(kluis, ADMIN, NOW, name="X", kind="processor", reach=reach, **extra)
    with pytest.raises(InvalidField):
        service.add_system(
            kluis, ADMIN, NOW, name="Y", kind="processor", reach="manual", purposes=["nope"]
        )
    with pytest.raises(PermissionDenied):
        service.add_system(kluis, MARKETING, NOW, name="Z", kind="processor", reach="manual")


def test_a_system_set_to_receive_values_gets_the_new_ones_only(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 5)
    with serving(Receiver(["done", "done"])) as receiver:
        added = service.add_system(
            kluis,
            ADMIN,
            NOW,
            name="Delivery service",
            kind="processor",
            reach="webhook",
            purposes=["customer_service"],
            webhook_url=receiver.url,
            send_values=True,
        )
        assert added.secret is not None
        receiver.secrets.append(added.secret)
        receiver.now = NOW
        service.link(kluis, ADMIN, person, added.system.id, "DS-5", NOW)
        rectify.update_person(
            kluis, ADMIN, person, "customer_service", {"phone": "+31 6 55512345"}, NOW
        )
        flags.set_flag(kluis, ADMIN, person, "restriction", True, "email", NOW)
        assert delivery.deliver_due(kluis, NOW).confirmed == 2
    rectified, restricted = (body["data"] for body in receiver.acted)
    assert rectified["values"] == {"phone": "+31655512345"}
    assert "values" not in restricted
    check_schema(*receiver.acted)
