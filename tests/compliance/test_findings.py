"""Compliance findings: each is triggered by a crafted state and cleared by its fix; ``kluis
check`` exits 1 exactly when a ``high`` finding exists."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update

from api_helpers import assert_problem, client_for
from cli_helpers import ok, ok_json, run
from conftest import ADMIN, MARKETING, NOW
from factories import EVERY_PAIR, add_person
from kluis.audit.tables import AuditRow
from kluis.auth import service as auth
from kluis.compliance import deployment, findings, service
from kluis.compliance.rules import Severity
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.consent.tables import Notice
from kluis.purposes import service as purposes
from kluis.purposes.tables import PurposeRow
from kluis.requests.tables import PrivacyRequest
from kluis.runtime import Kluis


@pytest.fixture(autouse=True)
def data_checks_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests judge the data; the deployment's findings (which a test configuration
    triggers) have tests of their own (test_deployment.py)."""
    kept = tuple(c for c in findings.CHECKS if c not in deployment.CHECKS)
    monkeypatch.setattr(findings, "CHECKS", kept)


def new_breach(**overrides: object) -> service.NewBreach:
    values: dict[str, object] = {
        "detected_at": NOW - timedelta(hours=2),
        "nature": "A laptop was stolen.",
        "categories": ["user.contact.email"],
        "consequences": "E-mail addresses readable.",
        "measures_taken": "Token revoked.",
    }
    values.update(overrides)
    return service.NewBreach(**values)  # type: ignore[arg-type]


def codes(kluis: Kluis, at=NOW) -> dict[str, Severity]:  # type: ignore[no-untyped-def]
    return {f.code: f.severity for f in findings.findings(kluis, ADMIN, at)}


def test_a_fresh_kluis_has_no_findings(kluis: Kluis) -> None:
    assert findings.findings(kluis, ADMIN, NOW) == []


def test_people_past_retention_are_found_and_cleared_by_the_sweep(kluis: Kluis) -> None:
    from factories import new_person
    from kluis.contacts import collect as contacts
    from kluis.retention import service as retention

    contacts.create_person(
        kluis, ADMIN, new_person(1, relationship="prospect", purposes=("sales_follow_up",)), NOW
    )
    later = NOW + timedelta(days=400)
    assert codes(kluis, later)["person.no_live_purpose"] is Severity.HIGH
    retention.sweep(kluis, later)
    assert "person.no_live_purpose" not in codes(kluis, later)


def test_keyring_snapshots_past_the_window_are_found_and_cleared_by_prune(
    kluis: Kluis, tmp_path: Path
) -> None:
    from kluis.backup import service as backup
    from kluis.purposes.rules import parse_duration

    old = backup.create(kluis, ADMIN, tmp_path, NOW - timedelta(days=40))
    assert old.keyring_file.exists()
    kluis.settings = kluis.settings.model_copy(update={"backup_dir": tmp_path})
    assert codes(kluis)["backup.keyring_too_old"] is Severity.HIGH
    backup.prune(tmp_path / "keyrings", parse_duration("P35D"), NOW)
    assert "backup.keyring_too_old" not in codes(kluis)


def test_purpose_without_retention(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        conn.execute(update(PurposeRow).where(PurposeRow.key == "invoicing").values(retention=""))
    found = findings.findings(kluis, ADMIN, NOW)
    assert [(f.code, f.severity, f.subject) for f in found] == [
        ("purpose.no_retention", Severity.HIGH, "invoicing")
    ]
    assert "kluis purposes change invoicing" in found[0].fix
    purposes.change_purpose(kluis.engine, ADMIN, "invoicing", {"retention": "P7Y"}, NOW)
    assert codes(kluis) == {}


def test_purpose_without_lawful_basis_or_stated_interest(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        conn.execute(
            update(PurposeRow)
            .where(PurposeRow.key == "sales_follow_up")
            .values(legitimate_interest=None)
        )
        conn.execute(
            update(PurposeRow).where(PurposeRow.key == "invoicing").values(lawful_basis="")
        )
    assert codes(kluis) == {
        "purpose.no_legitimate_interest": Severity.HIGH,
        "purpose.no_lawful_basis": Severity.HIGH,
    }
    purposes.change_purpose(
        kluis.engine,
        ADMIN,
        "sales_follow_up",
        {"legitimate_interest": "Answering the interest a customer showed."},
        NOW,
    )
    with kluis.engine.begin() as conn:  # a basis Kluis cannot load is repaired in the database
        conn.execute(
            update(PurposeRow)
            .where(PurposeRow.key == "invoicing")
            .values(lawful_basis="legal_obligation")
        )
    assert codes(kluis) == {}


def test_boxes_without_a_wording_and_notices_covering_nothing_are_found(kluis: Kluis) -> None:
    """The public pages leave out a box no wording asks for; staff are told which, per language
    consent is asked in, and about notices that cover nothing (d0013's never-used ones)."""
    catalogue.add_notice(
        kluis, ADMIN, "nl", "Ja, e-mail mij aanbiedingen.", NOW, covers=[("email", "offers")]
    )
    found = [f for f in findings.findings(kluis, ADMIN, NOW) if f.code.startswith("notice.")]
    assert [(f.code, f.severity, f.subject, f.count, f.details) for f in found] == [
        (
            "notice.box_not_offered",
            Severity.LOW,
            "language:nl",
            5 * 4 - 1,
            {"language": "nl", "email_topics": ["newsletter", "product_info", "promotions"]},
        )
    ]
    assert "kluis notices add --lang nl" in found[0].fix
    catalogue.add_notice(kluis, ADMIN, "nl", "Ja, e-mail mij alles.", NOW, covers=EVERY_PAIR)
    assert codes(kluis) == {}
    with kluis.engine.begin() as conn:  # a notice from before d0013 that nobody cited
        conn.execute(
            insert(Notice).values(
                language="en", text="Old wording.", content_hash="0" * 64, created_at=NOW
            )
        )
    (empty,) = [f for f in findings.findings(kluis, ADMIN, NOW) if f.code.startswith("notice.")]
    assert (empty.code, empty.count, empty.details) == (
        "notice.covers_nothing",
        1,
        {"notices": [3]},
    )


def test_consents_past_reconfirmation_still_kept_as_granted(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("email_marketing",), phone=None)
    notice = catalogue.add_notice(
        kluis, ADMIN, "nl", "Ja, stuur mij aanbiedingen.", NOW, covers=EVERY_PAIR
    ).id
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
    later = NOW + timedelta(days=25 * 31)
    assert codes(kluis, NOW) == {}
    found = [f for f in findings.findings(kluis, ADMIN, later) if f.code.startswith("consent.")]
    assert [(f.code, f.severity, f.count, f.details) for f in found] == [
        ("consent.past_reconfirmation", Severity.MEDIUM, 1, {"people": 1})
    ]
    consent.record(kluis, ADMIN, person, "email", "offers", "expired", later)
    assert "consent.past_reconfirmation" not in codes(kluis, later)


def _request(kluis: Kluis, due_days: int) -> int:
    with kluis.engine.begin() as conn:
        return int(
            conn.execute(
                insert(PrivacyRequest)
                .values(
                    type="access",
                    person_id="00000000-0000-4000-8000-000000000001",
                    channel="staff",
                    status="received",
                    language="nl",
                    received_at=NOW,
                    due_at=NOW + timedelta(days=due_days),
                    recipients_to_notify=[],
                    sent=[],
                    created_by=ADMIN.ref,
                    updated_at=NOW,
                )
                .returning(PrivacyRequest.id)
            ).scalar_one()
        )


def test_requests_near_or_past_their_deadline(kluis: Kluis) -> None:
    request_id = _request(kluis, 30)
    assert codes(kluis, NOW) == {}
    soon = NOW + timedelta(days=24)
    found = findings.findings(kluis, ADMIN, soon)
    assert [(f.code, f.severity, f.subject) for f in found] == [
        ("request.due_soon", Severity.MEDIUM, f"request:{request_id}")
    ]
    late = NOW + timedelta(days=31)
    assert codes(kluis, late) == {"request.overdue": Severity.HIGH}
    with kluis.engine.begin() as conn:  # extended by two months (Art. 12(3))
        conn.execute(
            update(PrivacyRequest)
            .where(PrivacyRequest.id == request_id)
            .values(extended_to=NOW + timedelta(days=91), extension_reason="complex")
        )
    assert codes(kluis, late) == {}
    with kluis.engine.begin() as conn:
        conn.execute(
            update(PrivacyRequest)
            .where(PrivacyRequest.id == request_id)
            .values(status="completed", completed_at=late)
        )
    assert codes(kluis, NOW + timedelta(days=200)) == {}


def test_breaches_past_72_hours_without_notification(kluis: Kluis) -> None:
    breach = service.add_breach(
        kluis, ADMIN, new_breach(detected_at=NOW - timedelta(hours=60)), NOW
    )
    found = findings.findings(kluis, ADMIN, NOW)
    assert [(f.code, f.severity, f.subject) for f in found] == [
        ("breach.due_soon", Severity.HIGH, f"breach:{breach.id}")
    ]
    late = NOW + timedelta(hours=13)
    overdue = findings.findings(kluis, ADMIN, late)
    assert [f.code for f in overdue] == ["breach.overdue"]
    assert "--late-reason" in overdue[0].fix
    service.notify_authority(
        kluis, ADMIN, breach.id, late, at=late, late_reason="Scope was unclear until today."
    )
    assert codes(kluis, late) == {}


def test_a_broken_audit_chain(kluis: Kluis) -> None:
    with kluis.engine.begin() as conn:
        original = conn.execute(
            AuditRow.__table__.select().where(AuditRow.seq == 2)  # type: ignore[attr-defined]
        ).one()
        conn.execute(update(AuditRow).where(AuditRow.seq == 2).values(actor="user:99"))
    found = findings.findings(kluis, ADMIN, NOW)
    assert [(f.code, f.severity, f.subject) for f in found] == [
        ("audit.chain_broken", Severity.HIGH, "audit:2")
    ]
    with kluis.engine.begin() as conn:
        conn.execute(update(AuditRow).where(AuditRow.seq == 2).values(actor=original.actor))
    assert codes(kluis) == {}


def test_idle_staff_with_broad_roles(kluis: Kluis) -> None:
    created = NOW - timedelta(days=120)
    auth.create_user(kluis.engine, ADMIN, "officer@example.com", "privacy_officer", created)
    auth.create_user(kluis.engine, ADMIN, "sales@example.com", "sales", created)
    _, token = auth.create_token(kluis.engine, ADMIN, "officer@example.com", created)
    auth.authenticate_token(kluis.engine, token, NOW - timedelta(days=100))
    found = findings.findings(kluis, ADMIN, NOW)
    assert [(f.code, f.severity) for f in found] == [("user.idle_broad_role", Severity.MEDIUM)]
    assert found[0].details == {"email": "officer@example.com", "role": "privacy_officer"}
    assert "was last active" in found[0].message
    auth.authenticate_token(kluis.engine, token, NOW - timedelta(days=1))
    assert codes(kluis) == {}
    # a new broad account is not idle until 90 days have passed without use
    auth.create_user(kluis.engine, ADMIN, "admin2@example.com", "admin", NOW - timedelta(days=10))
    assert codes(kluis) == {}
    assert codes(kluis, NOW + timedelta(days=81)) == {"user.idle_broad_role": Severity.MEDIUM}


def test_findings_over_the_api(kluis: Kluis) -> None:
    client = client_for(kluis, "privacy_officer")
    assert client.get("/api/v1/compliance/findings").json() == {"high": False, "findings": []}
    service.add_breach(kluis, ADMIN, new_breach(detected_at=NOW - timedelta(hours=80)), NOW)
    body = client.get("/api/v1/compliance/findings").json()
    assert body["high"] is True
    assert body["findings"][0]["code"] == "breach.overdue"
    assert body["findings"][0]["article"] == "Art. 33(1)"
    assert_problem(client_for(kluis, "service").get("/api/v1/compliance/findings"), 403)


@pytest.mark.usefixtures("kluis_env")
def test_check_exits_1_only_on_a_high_finding(kluis: Kluis) -> None:
    assert "No findings." in ok("check", "--as-of", "2026-03-14T09:30").stdout
    _request(kluis, 30)
    medium = ok_json("check", "--as-of", "2026-04-08")
    assert medium["high"] is False
    assert medium["findings"][0]["code"] == "request.due_soon"
    result = run("check", "--as-of", "2026-04-20")
    assert result.exit_code == 1, result.output
    assert "Art. 12(3)" in result.stdout
    as_json = run("check", "--json", "--as-of", "2026-04-20")
    assert as_json.exit_code == 1
    assert '"high": true' in as_json.stdout
    assert run("check", "--as-of", "yesterday").exit_code == 1
