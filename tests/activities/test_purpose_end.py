"""The end of a purpose takes the activities logged under it (their foreign key) and, in the
same transaction, their recordings, except a recording a consent event cites as its evidence
(Art. 7(1)), which stays with the ledger; the person's latest activity is computed again from
what is left (``activities.purpose_end``). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from activity_helpers import WAV, log_call
from conftest import ADMIN, NOW, PRIVACY
from factories import add_notice, add_person, grant_consent
from kluis.activities import reads
from kluis.activities.tables import Activity, LatestActivity
from kluis.consent.evidence import Recording
from kluis.consent.tables import Evidence
from kluis.contacts import erasure
from kluis.runtime import Kluis


def _evidence(kluis: Kluis, person_id: str) -> set[int]:
    with kluis.engine.connect() as conn:
        return set(
            conn.execute(select(Evidence.id).where(Evidence.person_id == person_id)).scalars()
        )


def _latest(kluis: Kluis, person_id: str) -> object:
    with kluis.engine.connect() as conn:
        return conn.execute(
            select(LatestActivity.occurred_at).where(LatestActivity.person_id == person_id)
        ).scalar_one_or_none()


def _recording(kluis: Kluis, activity_id: str) -> int:
    view = reads.show(kluis, ADMIN, activity_id, "privacy_requests", NOW)
    assert view.recording_id is not None
    return view.recording_id


def test_a_purpose_that_ends_takes_its_recordings_but_not_consent_evidence(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    other = add_person(kluis, ADMIN, NOW, 2, purposes=("customer_service", "sales_follow_up"))
    stays = log_call(kluis, person, occurred_at=NOW - timedelta(days=20))
    plain = log_call(
        kluis,
        person,
        purpose="sales_follow_up",
        actor=ADMIN,
        occurred_at=NOW - timedelta(days=2),
        recording=Recording("audio/wav", WAV, "gesprek.wav"),
    )
    proof = log_call(
        kluis,
        person,
        purpose="sales_follow_up",
        actor=ADMIN,
        occurred_at=NOW - timedelta(days=3),
        recording=Recording("audio/wav", WAV, "toestemming.wav"),
    )
    log_call(
        kluis,
        other,
        purpose="sales_follow_up",
        actor=ADMIN,
        recording=Recording("audio/wav", WAV),
    )
    gone, cited = _recording(kluis, plain), _recording(kluis, proof)
    grant_consent(
        kluis,
        person,
        "phone",
        "offers",
        add_notice(kluis),
        at=NOW - timedelta(days=3),
        method="phone_recording",
        evidence_id=cited,
    )
    assert _latest(kluis, person) == NOW - timedelta(days=2)
    others = _evidence(kluis, other)

    with kluis.engine.begin() as conn:
        erasure.keep_only(
            kluis, PRIVACY, person, ["customer_service"], NOW, reason="test", conn=conn
        )

    with kluis.engine.connect() as conn:
        left = conn.execute(select(Activity.id).where(Activity.person_id == person)).scalars()
        assert list(left) == [stays]
    assert _evidence(kluis, person) == {cited}
    assert gone not in _evidence(kluis, person)
    assert _latest(kluis, person) == NOW - timedelta(days=20)
    assert _evidence(kluis, other) == others
    assert _latest(kluis, other) is not None


def test_the_last_activity_goes_when_every_activity_goes(kluis: Kluis) -> None:
    person = add_person(kluis, ADMIN, NOW, purposes=("customer_service", "sales_follow_up"))
    log_call(kluis, person, purpose="sales_follow_up", actor=ADMIN)
    assert _latest(kluis, person) is not None
    with kluis.engine.begin() as conn:
        erasure.keep_only(
            kluis, PRIVACY, person, ["customer_service"], NOW, reason="test", conn=conn
        )
    assert _latest(kluis, person) is None
    assert reads.count_quiet(kluis, NOW, 90) == 1
