"""``kluis check``'s findings about connected systems, on SQLite and PostgreSQL: a notice still
unconfirmed after seven days, and a request whose deadline nears while its person's systems
have not all confirmed; both gone once the systems confirm."""

from __future__ import annotations

from datetime import timedelta

from conftest import ADMIN, NOW
from factories import add_person
from kluis.compliance import findings
from kluis.connected import delivery, service, tracking
from kluis.contacts import flags
from kluis.requests import service as requests
from kluis.runtime import Kluis


def _codes(kluis: Kluis, at: object) -> dict[str, list[str | None]]:
    out: dict[str, list[str | None]] = {}
    for f in findings.findings(kluis, ADMIN, at):  # type: ignore[arg-type]
        if f.code.startswith("connected."):
            out.setdefault(f.code, []).append(f.subject)
    return out


def test_unconfirmed_notices_and_a_deadline_near_are_found(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, 1)
    service.add_system(
        kluis,
        ADMIN,
        NOW,
        name="Paper",
        kind="recipient",
        reach="manual",
        purposes=["customer_service"],
    )
    request = requests.create(kluis, ADMIN, "restriction", NOW, person_id=person)
    flags.set_flag(kluis, ADMIN, person, "restriction", True, "privacy_request", NOW)
    assert _codes(kluis, NOW + timedelta(days=6)) == {}
    week = NOW + timedelta(days=7)
    assert _codes(kluis, week) == {"connected.unconfirmed": [None]}
    near = request.deadline - timedelta(days=3)
    assert _codes(kluis, near) == {
        "connected.unconfirmed": [None],
        "connected.deadline_near": [f"request:{request.id}"],
    }
    [notice] = tracking.for_request(kluis, person)
    delivery.tick(kluis, ADMIN, notice.id, week)
    assert _codes(kluis, near) == {}
