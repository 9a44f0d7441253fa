"""An erasure told to every connected system, on SQLite and PostgreSQL (issue 21's quality bar):
two webhook systems (one answers 202 and calls the signed confirmation link back, one fails
twice and then answers done) and one manual step ticked by staff; the certificate lists all
three in registration order; a confirmation link with a bad signature is refused; a replayed
webhook is ignored by the reference receiver."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import urlsplit

from sqlalchemy import select

from api_helpers import client_for
from conftest import ADMIN, NOW
from factories import add_person
from kluis.connected import delivery, rules
from kluis.connected.tables import ConnectedNotice
from kluis.runtime import Kluis
from webhook_receiver import Receiver, check_schema, serving

REQUESTS = "/api/v1/requests"


def test_an_erasure_reaches_two_webhooks_and_a_manual_step_until_each_confirms(
    kluis: Kluis,
) -> None:
    person = add_person(kluis, ADMIN, NOW, 5, purposes=("customer_service",))
    client = client_for(kluis, "privacy_officer", now=NOW)
    with serving(Receiver(["accepted"])) as shop, serving(Receiver([500, 503, "done"])) as mails:
        made = {}
        for name, receiver in (("Webshop", shop), ("Newsletter", mails)):
            answer = client.post(
                "/api/v1/systems",
                json={
                    "name": name,
                    "reach": "webhook",
                    "webhook_url": receiver.url,
                    "purposes": ["customer_service"],
                },
            )
            assert answer.status_code == 201, answer.text
            receiver.secrets.append(answer.json()["secret"])
            made[name] = answer.json()["system"]["id"]
        manual = client.post(
            "/api/v1/systems",
            json={
                "name": "Accounting",
                "reach": "manual",
                "kind": "recipient",
                "instructions": "Remove the debtor card in the accounting package.",
                "purposes": ["customer_service"],
            },
        )
        assert manual.status_code == 201, manual.text
        assert manual.json()["secret"] is None
        for name, external in (("Webshop", "shop-4711"), ("Newsletter", "nl-0815")):
            linked = client.put(
                f"/api/v1/people/{person}/systems/{name}", json={"external_id": external}
            )
            assert linked.status_code == 204, linked.text

        request = client.post(REQUESTS, json={"type": "erasure", "person_id": person})
        assert request.status_code == 201, request.text
        rid = request.json()["id"]
        client.post(f"{REQUESTS}/{rid}/verify", json={"verified_by": "known_address"})
        done = client.post(f"{REQUESTS}/{rid}/process", json={"mail": False})
        assert done.status_code == 200, done.text
        files = done.json()["files"]
        certificate = json.loads(files[f"erasure-certificate-{rid}.json"])
        assert [s["system"] for s in certificate["connected_systems"]] == [
            "Webshop",
            "Newsletter",
            "Accounting",
        ]
        assert not any(s["confirmed"] for s in certificate["connected_systems"])
        assert kluis.vault.erased([person]) == {person}

        # the first round: the shop accepts, the newsletter tool is down
        shop.now = mails.now = NOW
        first = delivery.deliver_due(kluis, NOW)
        assert (first.sent, first.retried) == (1, 1)
        [body] = shop.acted
        assert body["type"] == "kluis.erasure"
        assert body["data"]["subject"]["id"] == "shop-4711"
        assert body["data"]["subject"]["kluis_ref"] == person
        # nothing is due before the backoff has passed
        assert delivery.deliver_due(kluis, NOW + timedelta(seconds=30)) == delivery.Delivered()
        second_at = NOW + rules.backoff(1)
        mails.now = second_at
        assert delivery.deliver_due(kluis, second_at).retried == 1
        third_at = second_at + rules.backoff(2)
        mails.now = third_at
        assert delivery.deliver_due(kluis, third_at).confirmed == 1
        assert mails.calls == 3
        assert mails.acted[0]["data"]["subject"]["id"] == "nl-0815"
        check_schema(*shop.acted, *mails.acted)

        # a replay of the same webhook is ignored by the receiver
        headers, raw = mails.raw[-1]
        status, answer = delivery.http_post(mails.url, raw, headers, 5.0)
        assert (status, json.loads(answer)["status"]) == (200, "duplicate")
        assert mails.replays == 1
        assert len(mails.acted) == 1

        # the shop calls back: a forged link is refused, the signed one confirms
        [confirm_url] = shop.confirm_urls
        path = urlsplit(confirm_url).path
        forged = client.post(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
        assert forged.status_code == 403
        later = client_for(kluis, "privacy_officer", now=third_at + timedelta(hours=1))
        assert later.post(path).status_code == 200
        assert later.post(path).status_code == 200  # a second call changes nothing

        # staff tick the manual step
        notices = client.get(f"/api/v1/people/{person}/notices").json()
        [step] = [n for n in notices if n["reach"] == "manual"]
        assert step["state"] == "pending"
        ticked = client_for(kluis, "privacy_officer", now=third_at + timedelta(hours=2))
        assert ticked.post(f"/api/v1/notices/{step['id']}/confirm").json() == {"confirmed": True}

    states = client.get(f"/api/v1/people/{person}/notices").json()
    assert [(n["system"], n["state"], n["confirmed_by"]) for n in states] == [
        ("Webshop", "confirmed", "callback"),
        ("Newsletter", "confirmed", "response"),
        ("Accounting", "confirmed", "staff"),
    ]
    with kluis.engine.connect() as conn:
        sealed = conn.scalars(select(ConnectedNotice.sealed_subject)).all()
    assert sealed == [None, None, None]  # the identifiers went with the confirmations
