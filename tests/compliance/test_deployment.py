"""Findings about the deployment (``kluis.compliance.deployment``): each is triggered by a
configuration or state a first installation leaves, and cleared by its fix."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from cli_helpers import run
from conftest import ADMIN, MARKETING, NOW
from factories import EVERY_PAIR, add_person
from kluis.auth import service as auth
from kluis.auth.tables import User
from kluis.backup import service as backup
from kluis.backup.service import DATA_PREFIX, STAMP
from kluis.compliance import deployment, findings
from kluis.compliance.rules import Finding, Severity
from kluis.consent import catalogue
from kluis.consent import ledger as consent
from kluis.runtime import Kluis

DEPLOYED = {
    "organisation_name": "Bakkerij Jansen",
    "organisation_contact": "privacy@bakkerij-jansen.example.com",
    "smtp_url": "smtp://mail.example.com:25",
    "base_url": "https://crm.example.com",
}


def deployed(kluis: Kluis, backups: Path, **changes: object) -> None:
    """``kluis`` configured as a real deployment (a fresh backup in ``backups``), then
    ``changes``."""
    snapshot = backups / f"{DATA_PREFIX}{(NOW - timedelta(hours=3)).strftime(STAMP)}"
    snapshot.mkdir(parents=True, exist_ok=True)
    values = {**DEPLOYED, "backup_dir": backups, **changes}
    kluis.settings = kluis.settings.model_copy(update=values)


def found(kluis: Kluis, at=NOW) -> list[Finding]:  # type: ignore[no-untyped-def]
    return [f for f in findings.findings(kluis, ADMIN, at) if f.code in deployment.CODES]


def test_a_deployed_kluis_has_no_deployment_findings(kluis: Kluis, tmp_path: Path) -> None:
    deployed(kluis, tmp_path)
    assert found(kluis) == []


def test_the_default_organisation_is_found(kluis: Kluis, tmp_path: Path) -> None:
    deployed(kluis, tmp_path, organisation_contact="privacy@localhost")
    (finding,) = found(kluis)
    assert (finding.code, finding.severity) == ("deployment.organisation_default", Severity.MEDIUM)
    assert finding.details == {"settings": ["organisation_contact"]}
    assert "organisation_contact" in finding.fix
    deployed(
        kluis,
        tmp_path,
        organisation_name="My organisation",
        organisation_contact="privacy@localhost",
    )
    assert found(kluis)[0].details == {"settings": ["organisation_name", "organisation_contact"]}


def test_no_backup_directory_is_found(kluis: Kluis, tmp_path: Path) -> None:
    deployed(kluis, tmp_path, backup_dir=None)
    (finding,) = found(kluis)
    assert finding.code == "deployment.no_backup_dir"
    assert "backup_dir" in finding.fix


def test_no_backup_in_two_days_is_found_and_cleared_by_a_backup(
    kluis: Kluis, tmp_path: Path
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    deployed(kluis, tmp_path)
    kluis.settings = kluis.settings.model_copy(update={"backup_dir": empty})
    (finding,) = found(kluis)
    assert finding.code == "deployment.no_recent_backup"
    assert finding.message.endswith("there is none")
    backup.create(kluis, ADMIN, empty, NOW - timedelta(days=3))
    (stale,) = found(kluis)
    assert "the newest is from" in stale.message
    backup.create(kluis, ADMIN, empty, NOW - timedelta(hours=1))
    assert found(kluis) == []


def test_an_admin_without_two_step_sign_in_is_found(kluis: Kluis, tmp_path: Path) -> None:
    deployed(kluis, tmp_path)
    for email, role in (
        ("eigenaar@example.com", "admin"),
        ("fg@example.com", "privacy_officer"),
        ("verkoop@example.com", "sales"),
    ):
        auth.create_user(kluis.engine, ADMIN, email, role, NOW, password="x" * 16)
    assert [(f.code, f.details["role"]) for f in found(kluis)] == [
        ("user.no_second_factor", "admin"),
        ("user.no_second_factor", "privacy_officer"),
    ]
    with kluis.engine.begin() as conn:
        conn.execute(update(User).values(totp_secret=b"sealed"))
    assert found(kluis) == []


def test_consents_awaiting_reconfirmation_without_mail_are_found(
    kluis: Kluis, tmp_path: Path
) -> None:
    deployed(kluis, tmp_path, smtp_url=None)
    assert found(kluis) == []
    person = add_person(kluis, ADMIN, NOW, purposes=("email_marketing",), phone=None)
    notice = catalogue.add_notice(
        kluis, ADMIN, "nl", "Ja, stuur mij aanbiedingen.", NOW, covers=EVERY_PAIR
    )
    consent.record(
        kluis,
        MARKETING,
        person,
        "email",
        "offers",
        "granted",
        NOW,
        consent.Grant(method="web_form", notice_id=notice.id),
    )
    assert found(kluis) == []
    due = NOW + timedelta(days=24 * 30 - 10)
    mail = "deployment.mail_not_configured"
    (finding,) = [f for f in found(kluis, due) if f.code == mail]
    assert finding.count == 1
    assert "smtp_url" in finding.fix
    deployed(kluis, tmp_path)
    assert mail not in {f.code for f in found(kluis, due)}


@pytest.mark.parametrize(
    ("url", "flagged"),
    [
        ("http://crm.example.com", True),
        ("http://192.0.2.10:8000", True),
        ("https://crm.example.com", False),
        ("http://127.0.0.1:31800", False),
        ("http://localhost:8000", False),
        ("http://[::1]:8000", False),
    ],
)
def test_a_plain_http_base_url_off_this_machine_is_high(
    kluis: Kluis, tmp_path: Path, url: str, flagged: bool
) -> None:
    deployed(kluis, tmp_path, base_url=url)
    codes = {f.code: f.severity for f in found(kluis)}
    assert codes == ({"deployment.plain_http": Severity.HIGH} if flagged else {})


@pytest.mark.usefixtures("kluis_env")
def test_kluis_check_reports_them(kluis: Kluis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLUIS_BASE_URL", "http://crm.example.com")
    result = run("check", "--json", "--as-of", NOW.isoformat())
    assert result.exit_code == 1
    reported = {f["code"] for f in json.loads(result.stdout)["findings"]}
    assert {"deployment.plain_http", "deployment.organisation_default"} <= reported
