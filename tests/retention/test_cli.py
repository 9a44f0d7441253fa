"""The retention commands end to end through Typer's CliRunner, on SQLite and PostgreSQL:
``retention run|forecast|reconfirm``, ``holds add|list|lift`` and ``contacts end-contract``.
Every moment is given with ``--as-of`` or ``--at``; a hold's end is far in the future, since
``holds add`` checks it against the clock."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from cli_helpers import ok, ok_json, refused, run
from conftest import ADMIN, NOW
from factories import add_person
from kluis.consent import ledger as consent
from kluis.retention import service
from kluis.runtime import Kluis
from kluis.settings import Settings
from mailserver import MailServer

Grant = Callable[..., int]


def prospect(kluis: Kluis, n: int = 1) -> str:
    return add_person(kluis, ADMIN, NOW, n, relationship="prospect", purposes=("sales_follow_up",))


def test_a_dry_run_lists_who_would_go_and_why_and_changes_nothing(
    kluis: Kluis, kluis_env: Settings
) -> None:
    person = prospect(kluis)
    birth = add_person(
        kluis,
        ADMIN,
        NOW,
        2,
        purposes=("customer_service", "age_verification"),
        birth_date="2001-02-03",
    )
    report = ok_json("retention", "run", "--dry-run", "--as-of", "2027-03-14T10:00")
    assert report["dry_run"] is True
    assert report["as_of"] == "2027-03-14T10:00:00+00:00"
    assert (report["seen"], report["erased"], report["minimised"]) == (2, 1, 1)
    actions = {a["person_id"]: a for a in report["actions"]}
    assert actions[person]["action"] == "erase"
    assert actions[person]["expired"][0]["until"] == "2027-03-14"
    assert actions[birth]["fields"] == ["birth_date"]
    assert not kluis.vault.erased([person])

    text = ok("retention", "run", "--dry-run", "--as-of", "2027-03-14").stdout
    assert "Dry run at 2027-03-14 00:00 UTC, nothing changed: of 2 people, 1 would be erased" in (
        text
    )
    assert "sales_follow_up (P1Y from last_interaction, ended 2027-03-14)" in text
    assert not kluis.vault.erased([person])


def test_a_run_prints_counts_and_erases(kluis: Kluis, kluis_env: Settings) -> None:
    person = prospect(kluis)
    text = ok("retention", "run", "--as-of", "2027-03-13").stdout
    assert "0 erased" in text
    assert not kluis.vault.erased([person])
    text = ok("retention", "run", "--as-of", "2027-03-14T12:00+02:00").stdout
    assert text.startswith("Retention applied at 2027-03-14 10:00 UTC to 1 person: 1 erased")
    assert kluis.vault.erased([person])
    again = ok_json("retention", "run", "--as-of", "2027-03-14T12:00+02:00")
    assert (again["seen"], again["erased"], again["actions"]) == (0, 0, [])


def test_forecast_lists_the_days_ahead(kluis: Kluis, kluis_env: Settings) -> None:
    person = prospect(kluis)
    found = ok_json("retention", "forecast", "--days", "400", "--as-of", "2026-03-14T09:30")
    assert found["days"] == 400
    [item] = found["items"]
    assert (item["on"], item["person_id"], item["action"]) == ("2027-03-14", person, "erase")
    assert ok_json("retention", "forecast", "--days", "364", "--as-of", "2026-03-14")["items"] == []
    text = ok("retention", "forecast", "--days", "400", "--as-of", "2026-03-14").stdout
    assert "2027-03-14" in text
    assert "1 person erased, 0 minimisations" in text
    assert refused("retention", "forecast", "--days", "0", field="days")
    assert refused("retention", "forecast", "--days", "5", "--as-of", "soon", field="as_of")
    assert refused("retention", "run", "--as-of", "9999-01-01", field="as_of")


def test_reconfirm_sends_the_mailing(
    kluis: Kluis,
    kluis_env: Settings,
    grant: Grant,
    smtp: MailServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    person = add_person(
        kluis, ADMIN, NOW, relationship="prospect", purposes=("email_marketing",), phone=None
    )
    grant(person, NOW)
    assert "no mail server" in refused(
        "retention", "reconfirm", "--as-of", "2028-02-20", field=None
    )
    monkeypatch.setenv("KLUIS_SMTP_URL", smtp.url)
    text = ok("retention", "reconfirm", "--as-of", "2028-02-20").stdout
    assert text.startswith("Asked 1 person to re-confirm (2028-02-20 00:00 UTC)")
    [mail] = smtp.received
    assert mail["To"] == "fenna.brouwersma1@example.com"
    again = ok_json("retention", "reconfirm", "--as-of", "2028-02-21")
    assert (again["asked"], again["refused"], again["failed"]) == (0, 0, 0)
    assert len(smtp.received) == 1
    lapsed = ok_json("retention", "run", "--as-of", "2028-03-15")
    assert lapsed["consents_expired"] == 1
    kept = consent.kept_state(kluis, person)
    assert [p.status.value for p in kept.values()] == ["expired"]


def test_holds_are_placed_listed_and_lifted(kluis: Kluis, kluis_env: Settings) -> None:
    person = prospect(kluis)
    hold = ok("holds", "add", person, "--reason", "case 2026-114", "--until", "2099-01-01").stdout
    hold_id = int(hold)
    report = ok_json("retention", "run", "--dry-run", "--as-of", "2027-06-01")
    assert (report["erased"], report["held"]) == (0, 1)
    [action] = report["actions"]
    assert (action["action"], action["would"], action["held_until"]) == (
        "held",
        "erase",
        "2099-01-01",
    )
    assert ok_json("retention", "run", "--as-of", "2027-06-01")["erased"] == 0
    [listed] = ok_json("holds", "list", person)
    assert (listed["id"], listed["reason"], listed["active"], listed["lifted_at"]) == (
        hold_id,
        "case 2026-114",
        True,
        None,
    )
    assert listed["until"] == "2099-01-01T00:00:00+00:00"
    assert "case 2026-114" in ok("holds", "list", person).stdout
    assert ok("holds", "lift", str(hold_id)).stdout.strip() == f"Lifted legal hold {hold_id}."
    assert "lifted" in refused("holds", "lift", str(hold_id), field="hold_id")
    [listed] = ok_json("holds", "list", person)
    assert listed["active"] is False
    assert listed["lifted_by"].startswith("cli:")
    assert "lifted" in ok("holds", "list", person).stdout
    assert ok_json("retention", "run", "--as-of", "2027-06-01")["erased"] == 1


def test_hold_refusals(kluis: Kluis, kluis_env: Settings) -> None:
    person = prospect(kluis)
    assert refused("holds", "add", person, "--reason", "c", "--until", "2000-01-01", field="until")
    assert refused("holds", "add", person, "--reason", " ", "--until", "2099-01-01", field="reason")
    assert refused("holds", "add", person, "--reason", "c", "--until", "someday", field="as_of")
    unknown = "00000000-0000-4000-8000-000000000000"
    assert refused("holds", "add", unknown, "--reason", "c", "--until", "2099-01-01", field="id")
    assert refused("holds", "list", unknown, field="id")
    assert refused("holds", "lift", "12345", field="hold_id")
    assert ok("holds", "list", person).stdout.strip() == "no legal holds"


def test_end_contract_sets_and_clears_the_anchor(kluis: Kluis, kluis_env: Settings) -> None:
    customer = add_person(kluis, ADMIN, NOW, purposes=("invoicing",), phone=None)
    assert refused(
        "contacts", "end-contract", customer, "--at", "2031-06-30", "--clear", field="at"
    )
    text = ok("contacts", "end-contract", customer, "--at", "2031-06-30").stdout
    assert text.strip() == f"The contract of {customer} ended 2031-06-30 00:00 UTC."
    assert ok_json("retention", "run", "--dry-run", "--as-of", "2038-06-29")["erased"] == 0
    assert ok_json("retention", "run", "--dry-run", "--as-of", "2038-06-30")["erased"] == 1
    cleared = ok("contacts", "end-contract", customer, "--clear").stdout
    assert "runs again" in cleared
    assert ok_json("retention", "run", "--dry-run", "--as-of", "2090-01-01")["erased"] == 0
    unknown = "00000000-0000-4000-8000-000000000000"
    assert refused("contacts", "end-contract", unknown, "--at", "2031-06-30", field="id")


def test_an_interrupted_run_says_how_to_finish(
    kluis: Kluis, kluis_env: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(service, "sweep", interrupted)
    result = run("retention", "run", "--as-of", "2027-03-14")
    assert result.exit_code == 130
    assert "run `kluis retention run` again to finish" in result.stderr
