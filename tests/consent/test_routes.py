"""Consent through the JSON API, on SQLite and PostgreSQL, with a real token per role: the
ledger, evidence, objection and restriction, decisions, permissions, audiences, receipts, notices
and topics, and the errors each can give."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from api_helpers import TestClient, anonymous_client, assert_problem, client_for
from conftest import NOW
from factories import marketed, person_fields
from kluis.consent.rules import REASONS, Reason
from kluis.runtime import Kluis

PEOPLE = "/api/v1/contacts"
NOTICES = "/api/v1/notices"
TOPICS = "/api/v1/topics"
DECISIONS = "/api/v1/decisions"
LATER = NOW + timedelta(days=3)
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 64
WORDING = "Ja, ik wil aanbiedingen per e-mail ontvangen. Afmelden kan altijd."


def add_person(kluis: Kluis, n: int = 1, relationship: str = "prospect") -> str:
    admin = client_for(kluis, "admin")
    body = {
        "relationship": relationship,
        "purposes": list(marketed(relationship)),
        **person_fields(n),
    }
    response = admin.post(PEOPLE, json=body)
    assert response.status_code == 201, response.text
    person_id: str = response.json()["id"]
    return person_id


ALL_CHANNELS = ["email", "phone", "sms", "whatsapp", "post"]
DEFAULT_TOPICS = ["product_info", "offers", "promotions", "newsletter"]


def add_notice(
    client: TestClient,
    text: str = WORDING,
    language: str = "nl",
    *,
    topics: list[str] = DEFAULT_TOPICS,
) -> int:
    """A notice added through the API by the privacy officer (only they and admins may add
    one); ``client`` names the store."""
    officer = client_for(client.app.state.kluis, "privacy_officer")
    response = officer.post(NOTICES, json=notice_body(text, language, topics=topics))
    assert response.status_code in (200, 201), response.text
    notice_id: int = response.json()["id"]
    return notice_id


def notice_body(
    text: str = WORDING, language: str = "nl", *, topics: list[str] = DEFAULT_TOPICS
) -> dict[str, Any]:
    return {"language": language, "text": text, "channels": ALL_CHANNELS, "topics": topics}


def grant_body(notice_id: int, /, **overrides: Any) -> dict[str, Any]:
    return {
        "channel": "email",
        "topic": "offers",
        "action": "granted",
        "method": "web_form",
        "notice_id": notice_id,
        **overrides,
    }


def post_consent(client: TestClient, person_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{PEOPLE}/{person_id}/consents", json=body)
    assert response.status_code == 201, response.text
    answer: dict[str, Any] = response.json()
    return answer


def decision(
    client: TestClient,
    person_id: str,
    channel: str = "email",
    kind: str = "commercial",
    topic: str = "offers",
) -> dict[str, Any]:
    response = client.get(
        DECISIONS, params={"contact": person_id, "channel": channel, "kind": kind, "topic": topic}
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


def upload(
    client: TestClient,
    person_id: str,
    data: bytes = WAV,
    content_type: str = "audio/wav",
    purpose: str = "privacy_requests",
) -> Any:
    return client.post(
        f"{PEOPLE}/{person_id}/evidence",
        params={"purpose": purpose},
        files={"file": ("call.wav", data, content_type)},
    )


def erase(kluis: Kluis, person_id: str) -> None:
    response = client_for(kluis, "admin").delete(f"{PEOPLE}/{person_id}")
    assert response.status_code == 204, response.text


def audit_entries(kluis: Kluis, **params: Any) -> list[dict[str, Any]]:
    response = client_for(kluis, "admin").get("/api/v1/audit", params={"limit": 1000, **params})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = response.json()
    return entries


# Recording consent and deciding


def test_a_grant_flips_the_decision_and_says_why(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    marketing = client_for(kluis, "marketing")
    before = decision(marketing, person_id)
    assert (before["allowed"], before["basis"], before["reason"]) == (False, "none", "no_consent")
    assert before["evidence_event_id"] is None

    notice_id = add_notice(marketing)
    body = grant_body(notice_id, source_ip="192.0.2.7", user_agent="Firefox/140.0")
    recorded = post_consent(marketing, person_id, body)
    event_id = recorded["id"]
    assert isinstance(event_id, int)
    assert recorded["decision"] == {
        "allowed": True,
        "basis": "consent",
        "reason": "consent",
        "reason_en": REASONS[Reason.CONSENT][0],
        "reason_nl": REASONS[Reason.CONSENT][1],
        "evidence_event_id": event_id,
        "purpose": "email_marketing",
    }

    after = decision(marketing, person_id)
    assert (after["allowed"], after["basis"], after["evidence_event_id"]) == (
        True,
        "consent",
        event_id,
    )
    assert decision(marketing, person_id, topic="promotions")["allowed"] is False
    assert decision(marketing, person_id, channel="sms")["allowed"] is False
    transactional = decision(marketing, person_id, channel="sms", kind="transactional")
    assert (transactional["allowed"], transactional["basis"]) == (True, "contract")

    (recorded_entry,) = audit_entries(kluis, person_id=person_id, action="consent.recorded")
    assert recorded_entry["details"]["event_id"] == event_id
    assert len(audit_entries(kluis, person_id=person_id, action="consent.decided")) >= 4


def test_a_consent_lapses_at_its_reconfirm_by_date(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    marketing = client_for(kluis, "marketing")
    post_consent(marketing, person_id, grant_body(add_notice(marketing)))
    lapsed = client_for(kluis, "marketing", now=NOW + timedelta(days=2 * 366))
    answer = decision(lapsed, person_id)
    assert (answer["allowed"], answer["reason"]) == (False, "expired")


def test_grants_that_are_not_consent_are_refused_naming_the_field(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    sales = client_for(kluis, "sales")
    notice_id = add_notice(sales)
    url = f"{PEOPLE}/{person_id}/consents"
    for flag in ("pre_ticked", "implied", "imported_without_proof"):
        response = sales.post(url, json=grant_body(notice_id, **{flag: True}))
        body = assert_problem(response, 422, "urn:kluis:problem:consent-refused", flag)
        assert "Recital 32" in body["detail"] or "Art. 7(1)" in body["detail"]
    body = assert_problem(
        sales.post(url, json=grant_body(notice_id, pre_ticked=True)), 422, field="pre_ticked"
    )
    assert "pre-ticked" in body["detail"]

    no_method = {k: v for k, v in grant_body(notice_id).items() if k != "method"}
    assert_problem(
        sales.post(url, json=no_method), 422, "urn:kluis:problem:consent-refused", "method"
    )
    assert_problem(
        sales.post(url, json=grant_body(notice_id, method="unsubscribe_link")),
        422,
        "urn:kluis:problem:consent-refused",
        "method",
    )
    assert_problem(
        sales.post(url, json=grant_body(notice_id, notice_id=None)),
        422,
        "urn:kluis:problem:consent-refused",
        "notice_id",
    )
    assert_problem(
        sales.post(url, json=grant_body(999)), 422, "urn:kluis:problem:invalid-field", "notice_id"
    )
    ledger = sales.get(url, params={"purpose": "customer_service"}).json()
    assert ledger["events"] == []
    assert decision(sales, person_id)["allowed"] is False


def test_bad_event_values_name_their_field(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    admin = client_for(kluis, "admin")
    notice_id = add_notice(admin)
    url = f"{PEOPLE}/{person_id}/consents"
    cases: list[tuple[dict[str, Any], str]] = [
        (grant_body(notice_id, channel="pigeon"), "channel"),
        (grant_body(notice_id, action="maybe"), "action"),
        (grant_body(notice_id, method="telepathy"), "method"),
        (grant_body(notice_id, source_ip="not an address"), "source_ip"),
        (grant_body(notice_id, notice_id=0), "notice_id"),
        (grant_body(notice_id, evidence_id=2**31), "evidence_id"),
        ({**grant_body(notice_id), "note": "x"}, "note"),
        ({k: v for k, v in grant_body(notice_id).items() if k != "action"}, "action"),
    ]
    for body, field in cases:
        assert_problem(admin.post(url, json=body), 422, "urn:kluis:problem:invalid-field", field)
    response = admin.post(url, json=grant_body(notice_id, topic="astrology"))
    body = assert_problem(response, 422, "urn:kluis:problem:invalid-field", "topic")
    assert "astrology" in body["detail"]
    assert admin.get(url, params={"purpose": "privacy_requests"}).json()["events"] == []


def test_a_withdrawal_by_the_person_refuses_and_the_ledger_lists_both(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    marketing = client_for(kluis, "marketing")
    granted = post_consent(
        marketing,
        person_id,
        grant_body(add_notice(marketing), source_ip="192.0.2.7", user_agent="Firefox/140.0"),
    )
    later = client_for(kluis, "marketing", now=LATER)
    withdrawn = post_consent(
        later,
        person_id,
        {
            "channel": "email",
            "topic": "offers",
            "action": "withdrawn",
            "method": "unsubscribe_link",
            "captured_by_person": True,
        },
    )
    assert withdrawn["decision"]["allowed"] is False
    assert withdrawn["decision"]["reason"] == "withdrawn"
    assert withdrawn["decision"]["evidence_event_id"] == withdrawn["id"]
    assert decision(later, person_id)["reason"] == "withdrawn"

    admin = client_for(kluis, "admin", now=LATER)
    response = admin.get(f"{PEOPLE}/{person_id}/consents", params={"purpose": "privacy_requests"})
    assert response.status_code == 200, response.text
    ledger = response.json()
    assert ledger["person_id"] == person_id
    first, second = ledger["events"]
    assert (first["id"], first["action"], first["method"]) == (granted["id"], "granted", "web_form")
    assert first["captured_by"].startswith("user:")
    assert first["source_ip"] == "192.0.2.7"
    assert first["user_agent"] == "Firefox/140.0"
    assert first["reconfirm_by"] is not None
    assert (second["id"], second["action"], second["method"]) == (
        withdrawn["id"],
        "withdrawn",
        "unsubscribe_link",
    )
    assert second["captured_by"] == "person"
    assert second["reconfirm_by"] is None
    assert ledger["flags"] == []
    assert ledger["evidence"] == []

    shown_to_marketing = later.get(
        f"{PEOPLE}/{person_id}/consents", params={"purpose": "email_marketing"}
    ).json()
    assert [e["action"] for e in shown_to_marketing["events"]] == ["granted", "withdrawn"]
    assert shown_to_marketing["events"][0]["source_ip"] is None
    shown = later.get(f"{PEOPLE}/{person_id}/consents", params={"purpose": "email_marketing"})
    assert "192.0.2.7" not in shown.text
    assert audit_entries(kluis, person_id=person_id, action="consent.ledger_read")


def test_a_withdrawal_needs_no_notice_but_a_way_of_withdrawing(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    service = client_for(kluis, "service")
    url = f"{PEOPLE}/{person_id}/consents"
    body = {"channel": "phone", "topic": "newsletter", "action": "withdrawn", "method": "phone"}
    assert service.post(url, json=body).status_code == 201
    bare = {k: v for k, v in body.items() if k != "method"}
    assert service.post(url, json=bare).status_code == 201
    reconfirm = {"channel": "sms", "topic": "newsletter", "action": "reconfirmed"}
    assert_problem(service.post(url, json=reconfirm), 422, field="action")


# Permissions


def test_permissions_show_status_basis_and_reasons_in_both_languages(kluis: Kluis) -> None:
    person_id = add_person(kluis, relationship="customer")
    marketing = client_for(kluis, "marketing")
    event_id = post_consent(marketing, person_id, grant_body(add_notice(marketing), channel="sms"))[
        "id"
    ]
    response = marketing.get(
        f"{PEOPLE}/{person_id}/permissions", params={"purpose": "email_marketing"}
    )
    assert response.status_code == 200, response.text
    rows = {(p["channel"], p["topic"]): p for p in response.json()}
    topics = {"product_info", "offers", "promotions", "newsletter"}
    assert set(rows) == {
        (c, t) for c in ("email", "phone", "sms", "whatsapp", "post") for t in topics
    }

    sms = rows[("sms", "offers")]
    assert sms["status"] == "granted"
    assert sms["since"] is not None
    assert sms["reconfirm_by"] is not None
    assert sms["decision"]["allowed"] is True
    assert sms["decision"]["basis"] == "consent"
    assert sms["decision"]["evidence_event_id"] == event_id
    assert sms["decision"]["reason_en"] == REASONS[Reason.CONSENT][0]
    assert sms["decision"]["reason_nl"] == REASONS[Reason.CONSENT][1]

    email = rows[("email", "newsletter")]
    assert email["status"] is None
    assert (email["decision"]["allowed"], email["decision"]["basis"]) == (True, "soft_opt_in")
    assert "soft opt-in" in email["decision"]["reason_en"]
    assert "Telecommunicatiewet" in email["decision"]["reason_nl"]

    phone = rows[("phone", "offers")]
    assert (phone["status"], phone["decision"]["allowed"]) == (None, False)
    assert phone["decision"]["reason"] == "no_consent"
    assert phone["decision"]["reason_nl"] == REASONS[Reason.NO_CONSENT][1]


# Evidence


def test_evidence_is_uploaded_cited_and_downloaded_by_an_admin_only(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    service = client_for(kluis, "service")
    response = upload(service, person_id, purpose="customer_service")
    assert response.status_code == 201, response.text
    evidence_id = response.json()["id"]
    event = post_consent(
        service,
        person_id,
        grant_body(
            add_notice(service), channel="phone", method="phone_recording", evidence_id=evidence_id
        ),
    )

    admin = client_for(kluis, "admin")
    ledger = admin.get(
        f"{PEOPLE}/{person_id}/consents", params={"purpose": "privacy_requests"}
    ).json()
    assert ledger["events"][0]["evidence_id"] == evidence_id
    (listed,) = ledger["evidence"]
    assert listed["id"] == evidence_id
    assert listed["content_type"] == "audio/wav"
    assert listed["size"] == len(WAV)
    assert listed["cited_by"] == [event["id"]]

    for role in ("admin", "privacy_officer"):
        downloaded = client_for(kluis, role).get(f"/api/v1/evidence/{evidence_id}")
        assert downloaded.status_code == 200, downloaded.text
        assert downloaded.content == WAV
        assert downloaded.headers["content-type"] == "audio/wav"
        disposition = downloaded.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        assert str(evidence_id) in disposition
        assert downloaded.headers["cache-control"] == "no-store"
    assert audit_entries(kluis, person_id=person_id, action="evidence.read")

    for role in ("marketing", "service", "sales"):
        refused = client_for(kluis, role).get(f"/api/v1/evidence/{evidence_id}")
        assert_problem(refused, 403, "urn:kluis:problem:permission-denied")
        assert b"WAVE" not in refused.content
    missing = admin.get("/api/v1/evidence/999")
    assert_problem(missing, 404, "urn:kluis:problem:not-found", "evidence_id")


def test_evidence_that_is_not_what_it_claims_is_refused(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    marketing = client_for(kluis, "marketing")
    cases = [
        (b"RIFF\x00\x00\x00\x00AVI LIST", "audio/wav"),
        (b"just some text", "audio/wav"),
        (WAV, "text/html"),
        (b"", "audio/wav"),
        (b"\x00\x01binary", "text/plain"),
    ]
    for data, content_type in cases:
        response = upload(marketing, person_id, data, content_type, purpose="email_marketing")
        assert_problem(response, 422, "urn:kluis:problem:invalid-field", "file")
    missing_file = marketing.post(
        f"{PEOPLE}/{person_id}/evidence", params={"purpose": "email_marketing"}, data={"other": "x"}
    )
    assert_problem(missing_file, 422, "urn:kluis:problem:invalid-field", "file")
    assert (
        client_for(kluis, "admin")
        .get(f"{PEOPLE}/{person_id}/consents", params={"purpose": "privacy_requests"})
        .json()["evidence"]
        == []
    )


def test_evidence_over_the_size_limit_is_refused(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    limit = kluis.settings.evidence_max_bytes
    kluis.settings.evidence_max_bytes = len(WAV)
    try:
        admin = client_for(kluis, "admin")
        assert upload(admin, person_id).status_code == 201
        body = assert_problem(upload(admin, person_id, WAV + b"\x00"), 422, field="file")
        assert str(len(WAV)) in body["detail"]
    finally:
        kluis.settings.evidence_max_bytes = limit


def test_evidence_of_another_person_cannot_be_cited(kluis: Kluis) -> None:
    first, second = add_person(kluis, 1), add_person(kluis, 2)
    admin = client_for(kluis, "admin")
    evidence_id = upload(admin, first).json()["id"]
    response = admin.post(
        f"{PEOPLE}/{second}/consents",
        json=grant_body(add_notice(admin), method="phone_recording", evidence_id=evidence_id),
    )
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "evidence_id")


# Objection and restriction


def test_an_objection_stops_commercial_messages_until_lifted(kluis: Kluis) -> None:
    person_id = add_person(kluis, relationship="customer")
    marketing = client_for(kluis, "marketing")
    post_consent(marketing, person_id, grant_body(add_notice(marketing)))
    assert decision(marketing, person_id)["allowed"] is True

    url = f"{PEOPLE}/{person_id}/objection"
    response = marketing.post(url, json={"method": "phone"})
    assert response.status_code == 201, response.text
    flag = response.json()
    assert (flag["flag"], flag["active"], flag["method"]) == ("objection", True, "phone")
    assert flag["captured_by"].startswith("user:")

    for channel in ("email", "sms", "post"):
        refused = decision(marketing, person_id, channel=channel)
        assert (refused["allowed"], refused["reason"]) == (False, "objected")
        assert "21(3)" in refused["reason_en"]
    assert decision(marketing, person_id, kind="transactional")["allowed"] is True

    lift = {"active": False, "method": "email"}
    assert_problem(marketing.post(url, json=lift), 403, "urn:kluis:problem:permission-denied")
    assert decision(marketing, person_id)["reason"] == "objected"
    privacy = client_for(kluis, "privacy_officer", now=LATER)
    assert privacy.post(url, json=lift).status_code == 201
    assert decision(marketing, person_id)["allowed"] is True

    flags = privacy.get(
        f"{PEOPLE}/{person_id}/consents", params={"purpose": "privacy_requests"}
    ).json()["flags"]
    assert [(f["flag"], f["active"], f["method"]) for f in flags] == [
        ("objection", True, "phone"),
        ("objection", False, "email"),
    ]
    assert_problem(marketing.post(url, json={"method": "fax"}), 422, field="method")
    assert_problem(marketing.post(url, json={}), 422, field="method")


def test_a_restriction_is_for_admins_and_stops_every_message(kluis: Kluis) -> None:
    person_id = add_person(kluis, relationship="customer")
    url = f"{PEOPLE}/{person_id}/restriction"
    for role in ("marketing", "sales", "service"):
        response = client_for(kluis, role).post(url, json={"method": "privacy_request"})
        assert_problem(response, 403, "urn:kluis:problem:permission-denied")
    marketing = client_for(kluis, "marketing")
    assert decision(marketing, person_id)["allowed"] is True

    admin = client_for(kluis, "admin")
    response = admin.post(url, json={"method": "privacy_request"})
    assert response.status_code == 201, response.text
    assert response.json()["flag"] == "restriction"
    for kind in ("commercial", "transactional"):
        refused = decision(marketing, person_id, kind=kind)
        assert (refused["allowed"], refused["reason"]) == (False, "restricted")
    assert admin.post(url, json={"active": False, "method": "email"}).status_code == 201
    assert decision(marketing, person_id, kind="transactional")["allowed"] is True


# Receipts


def test_a_receipt_follows_kantara_and_names_no_personal_value(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    marketing = client_for(kluis, "marketing")
    notice_id = add_notice(marketing)
    event_id = post_consent(
        marketing,
        person_id,
        grant_body(notice_id, source_ip="192.0.2.7", user_agent="Firefox/140.0"),
    )["id"]
    response = marketing.get(f"/api/v1/consents/{event_id}/receipt")
    assert response.status_code == 200, response.text
    receipt = response.json()
    assert receipt["version"] == "KI-CR-v1.1.0"
    assert str(uuid.UUID(receipt["consentReceiptID"])) == receipt["consentReceiptID"]
    assert receipt["piiPrincipalId"] == person_id
    assert receipt["consentTimestamp"] == int(NOW.timestamp())
    assert receipt["collectionMethod"] == "web_form"
    assert receipt["language"] == "nl"
    assert receipt["jurisdiction"] == "EU"
    assert receipt["piiControllers"][0]["piiController"]
    assert receipt["services"][0]["service"] == "email:offers"
    purposes = receipt["services"][0]["purposes"]
    assert purposes
    assert all(p["consentType"] == "EXPLICIT" for p in purposes)
    assert receipt["kluis"]["eventId"] == event_id
    assert receipt["kluis"]["noticeId"] == notice_id
    assert receipt["kluis"]["noticeText"] == WORDING

    again = marketing.get(f"/api/v1/consents/{event_id}/receipt").json()
    assert again["consentReceiptID"] == receipt["consentReceiptID"]
    fields = person_fields(1)
    for value in (fields["email"], fields["given_name"], fields["family_name"], "192.0.2.7"):
        assert value not in response.text
    assert "Firefox" not in response.text
    assert audit_entries(kluis, person_id=person_id, action="consent.receipt_issued")

    missing = marketing.get("/api/v1/consents/999/receipt")
    assert_problem(missing, 404, "urn:kluis:problem:not-found", "event_id")
    assert_problem(marketing.get("/api/v1/consents/0/receipt"), 422, field="event_id")


# Audiences


def test_audience_counts_the_allowed_and_the_refused_by_reason(kluis: Kluis) -> None:
    marketing = client_for(kluis, "marketing")
    notice_id = add_notice(marketing)
    add_person(kluis, 1, relationship="customer")
    consenting = add_person(kluis, 2)
    add_person(kluis, 3)
    withdrawing = add_person(kluis, 4, relationship="customer")
    objecting = add_person(kluis, 5)
    post_consent(marketing, consenting, grant_body(notice_id))
    post_consent(
        marketing,
        withdrawing,
        {"channel": "email", "topic": "offers", "action": "withdrawn", "captured_by_person": True},
    )
    post_consent(marketing, objecting, grant_body(notice_id))
    marketing.post(f"{PEOPLE}/{objecting}/objection", json={"method": "email"})

    response = marketing.get("/api/v1/audiences", params={"channel": "email", "topic": "offers"})
    assert response.status_code == 200, response.text
    assert response.json() == {
        "channel": "email",
        "topic": "offers",
        "allowed": 2,
        "refused": {"no_consent": 1, "withdrawn": 1, "objected": 1},
    }
    sms = marketing.get("/api/v1/audiences", params={"channel": "sms", "topic": "offers"}).json()
    assert sms["allowed"] == 0
    assert sum(sms["refused"].values()) == 5
    unknown = marketing.get("/api/v1/audiences", params={"channel": "email", "topic": "x_y"})
    assert_problem(unknown, 422, "urn:kluis:problem:invalid-field", "topic")
    bad = marketing.get("/api/v1/audiences", params={"channel": "fax", "topic": "offers"})
    assert_problem(bad, 422, "urn:kluis:problem:invalid-field", "channel")


# Notices


def test_notices_are_versions_and_the_same_text_is_the_same_version(kluis: Kluis) -> None:
    officer = client_for(kluis, "privacy_officer")
    marketing = client_for(kluis, "marketing")
    assert_problem(
        marketing.post(NOTICES, json=notice_body()), 403, "urn:kluis:problem:permission-denied"
    )
    response = officer.post(NOTICES, json=notice_body())
    assert response.status_code == 201, response.text
    notice = response.json()
    assert response.headers["location"] == f"{NOTICES}/{notice['id']}"
    assert (notice["language"], notice["text"]) == ("nl", WORDING)
    assert len(notice["content_hash"]) == 64

    again = officer.post(NOTICES, json=notice_body(f"  {WORDING}\n"))
    assert again.status_code == 200, again.text
    assert again.json() == notice
    english = officer.post(NOTICES, json=notice_body(WORDING, "en"))
    assert english.status_code == 201
    assert english.json()["id"] != notice["id"]
    reworded = officer.post(NOTICES, json=notice_body(WORDING + " Echt."))
    assert reworded.status_code == 201

    listed = marketing.get(NOTICES).json()
    assert [n["id"] for n in listed] == sorted(n["id"] for n in listed)
    assert len(listed) == 3
    assert marketing.get(f"{NOTICES}/{notice['id']}").json() == notice
    assert len(audit_entries(kluis, action="notice.added")) == 3

    assert_problem(marketing.get(f"{NOTICES}/999"), 404, "urn:kluis:problem:not-found", "notice_id")
    assert_problem(
        officer.post(NOTICES, json=notice_body() | {"language": "de"}), 422, field="language"
    )
    assert_problem(officer.post(NOTICES, json=notice_body("ja")), 422, field="text")
    assert_problem(officer.post(NOTICES, json=notice_body(" " * 12)), 422, field="text")
    admin = client_for(kluis, "admin")
    assert admin.patch(f"{NOTICES}/{notice['id']}", json={"text": "x" * 20}).status_code == 405
    assert admin.delete(f"{NOTICES}/{notice['id']}").status_code == 405
    assert admin.get(f"{NOTICES}/{notice['id']}").json() == notice


# Topics


def test_topics_are_listed_added_and_changed_by_the_privacy_officer(kluis: Kluis) -> None:
    marketing = client_for(kluis, "marketing")
    listed = marketing.get(TOPICS).json()
    assert [t["key"] for t in listed] == ["newsletter", "offers", "product_info", "promotions"]
    assert {t["reconfirm_months"] for t in listed} == {24}
    offers = next(t for t in listed if t["key"] == "offers")
    assert (offers["name_en"], offers["name_nl"]) == ("Offers", "Aanbiedingen")

    new = {"key": "events", "name_en": "Events", "name_nl": "Evenementen", "reconfirm_months": 12}
    assert_problem(marketing.post(TOPICS, json=new), 403, "urn:kluis:problem:permission-denied")
    privacy = client_for(kluis, "privacy_officer")
    response = privacy.post(TOPICS, json=new)
    assert response.status_code == 201, response.text
    assert response.json() == new
    assert_problem(privacy.post(TOPICS, json=new), 409, "urn:kluis:problem:conflict", "key")
    assert_problem(privacy.post(TOPICS, json={**new, "key": "Events!"}), 422, field="key")
    assert_problem(privacy.post(TOPICS, json={**new, "key": "e" * 41}), 422, field="key")
    assert_problem(privacy.post(TOPICS, json={**new, "key": "x", "name_en": ""}), 422)
    assert_problem(privacy.post(TOPICS, json={**new, "reconfirm_months": 0}), 422)

    changed = privacy.patch(f"{TOPICS}/events", json={"name_nl": "Evenementen en beurzen"})
    assert changed.status_code == 200, changed.text
    assert changed.json() == {**new, "name_nl": "Evenementen en beurzen"}
    assert privacy.patch(f"{TOPICS}/events", json={}).json() == changed.json()
    assert_problem(
        marketing.patch(f"{TOPICS}/events", json={"name_en": "Fairs"}),
        403,
        "urn:kluis:problem:permission-denied",
    )
    assert_problem(
        privacy.patch(f"{TOPICS}/nothing", json={"name_en": "X"}),
        404,
        "urn:kluis:problem:not-found",
        "key",
    )
    for body, field in (
        ({"reconfirm_months": None}, "reconfirm_months"),
        ({"name_en": None}, "name_en"),
        ({"reconfirm_months": 121}, "reconfirm_months"),
        ({"key": "other"}, "key"),
    ):
        assert_problem(privacy.patch(f"{TOPICS}/events", json=body), 422, field=field)

    person_id = add_person(kluis)
    granted = post_consent(
        marketing, person_id, grant_body(add_notice(marketing, topics=["events"]), topic="events")
    )
    assert granted["decision"]["allowed"] is True
    (event,) = marketing.get(
        f"{PEOPLE}/{person_id}/consents", params={"purpose": "email_marketing"}
    ).json()["events"]
    assert event["reconfirm_by"].startswith("2027-03-14")
    permissions = marketing.get(
        f"{PEOPLE}/{person_id}/permissions", params={"purpose": "email_marketing"}
    ).json()
    assert len(permissions) == 5 * 5


# Unknown, erased, unauthenticated


def test_unknown_people_are_not_found(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    notice_id = add_notice(admin)
    nobody = str(uuid.uuid4())
    responses = [
        admin.post(f"{PEOPLE}/{nobody}/consents", json=grant_body(notice_id)),
        admin.get(f"{PEOPLE}/{nobody}/consents", params={"purpose": "privacy_requests"}),
        admin.get(f"{PEOPLE}/{nobody}/permissions", params={"purpose": "privacy_requests"}),
        upload(admin, nobody),
        admin.post(f"{PEOPLE}/{nobody}/objection", json={"method": "email"}),
        admin.post(f"{PEOPLE}/{nobody}/restriction", json={"method": "email"}),
    ]
    for response in responses:
        assert_problem(response, 404, "urn:kluis:problem:not-found", "id")
    response = admin.get(
        DECISIONS,
        params={"contact": nobody, "channel": "email", "kind": "commercial", "topic": "offers"},
    )
    assert_problem(response, 404, "urn:kluis:problem:not-found", "contact")
    person_id = add_person(kluis)
    response = admin.get(
        DECISIONS,
        params={"contact": person_id, "channel": "email", "kind": "commercial", "topic": "x_y"},
    )
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "topic")
    for params, field in (({"kind": "spam"}, "kind"), ({"channel": "fax"}, "channel")):
        query = {"contact": person_id, "channel": "email", "kind": "commercial", "topic": "offers"}
        assert_problem(admin.get(DECISIONS, params={**query, **params}), 422, field=field)


def test_an_erased_person_is_gone_from_every_consent_endpoint(kluis: Kluis) -> None:
    person_id = add_person(kluis)
    admin = client_for(kluis, "admin")
    notice_id = add_notice(admin)
    evidence_id = upload(admin, person_id).json()["id"]
    event_id = post_consent(
        admin, person_id, grant_body(notice_id, method="phone_recording", evidence_id=evidence_id)
    )["id"]
    erase(kluis, person_id)

    responses = [
        admin.post(f"{PEOPLE}/{person_id}/consents", json=grant_body(notice_id)),
        admin.get(f"{PEOPLE}/{person_id}/consents", params={"purpose": "privacy_requests"}),
        admin.get(f"{PEOPLE}/{person_id}/permissions", params={"purpose": "privacy_requests"}),
        upload(admin, person_id),
        admin.post(f"{PEOPLE}/{person_id}/objection", json={"method": "email"}),
        admin.post(f"{PEOPLE}/{person_id}/restriction", json={"method": "email"}),
    ]
    for response in responses:
        assert_problem(response, 410, "urn:kluis:problem:person-erased")
    refused = decision(admin, person_id, kind="transactional")
    assert (refused["allowed"], refused["reason"]) == (False, "erased")
    assert_problem(admin.get(f"/api/v1/evidence/{evidence_id}"), 404, field="evidence_id")
    assert_problem(admin.get(f"/api/v1/consents/{event_id}/receipt"), 404, field="event_id")


def test_every_consent_endpoint_needs_a_token(kluis: Kluis) -> None:
    anonymous = anonymous_client(kluis)
    person = f"{PEOPLE}/{uuid.uuid4()}"
    for method, url in (
        ("POST", f"{person}/consents"),
        ("GET", f"{person}/consents"),
        ("GET", f"{person}/permissions"),
        ("POST", f"{person}/evidence"),
        ("POST", f"{person}/objection"),
        ("POST", f"{person}/restriction"),
        ("GET", "/api/v1/evidence/1"),
        ("GET", f"{DECISIONS}?contact=x&channel=email&kind=commercial&topic=offers"),
        ("GET", "/api/v1/audiences?channel=email&topic=offers"),
        ("GET", "/api/v1/consents/1/receipt"),
        ("GET", NOTICES),
        ("POST", NOTICES),
        ("GET", f"{NOTICES}/1"),
        ("GET", TOPICS),
        ("POST", TOPICS),
        ("PATCH", f"{TOPICS}/offers"),
    ):
        response = anonymous.request(method, url)
        assert_problem(response, 401, "urn:kluis:problem:unauthenticated")


def test_a_nul_character_is_an_invalid_value_on_every_backend(kluis: Kluis) -> None:
    admin = client_for(kluis, "admin")
    response = admin.get("/api/v1/audiences", params={"channel": "email", "topic": "\x00"})
    assert_problem(response, 422, "urn:kluis:problem:invalid-field")
    response = admin.post(NOTICES, json=notice_body("Yes\x00, send me offers.", "en"))
    assert_problem(response, 422, "urn:kluis:problem:invalid-field", "text")
    response = admin.get(f"{PEOPLE}/%00/permissions", params={"purpose": "privacy_requests"})
    assert response.status_code in (404, 422), response.text
