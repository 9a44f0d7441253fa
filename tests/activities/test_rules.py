"""The pure rules of activities, exhaustively: purpose check, past or scheduled, validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from kluis.activities import rules
from kluis.actors import Role
from kluis.errors import InvalidField, PurposeRefused

NOW = datetime(2026, 3, 14, 9, 30, tzinfo=UTC)


def draft(**kw: object) -> rules.Draft:
    values: dict[str, object] = {"type": "call", "subject": "Terugbelverzoek"}
    values.update(kw)
    return rules.Draft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("held_by", [(), ("service",), ("sales", "service")])
@pytest.mark.parametrize("collected", [(), ("customer_service",), ("invoicing",)])
def test_a_purpose_needs_the_role_and_the_collection(
    role: Role, held_by: tuple[str, ...], collected: tuple[str, ...]
) -> None:
    holds = role in (Role.ADMIN, Role.PRIVACY_OFFICER) or role.value in held_by
    was_collected = "customer_service" in collected
    reason = rules.why_not_log(role, "customer_service", held_by, collected)
    assert (reason is None) == (holds and was_collected)
    if not holds:
        assert reason is not None
        assert "does not hold" in reason
    elif not was_collected:
        assert reason is not None
        assert "not collected" in reason
    if reason is not None:
        with pytest.raises(PurposeRefused) as refused:
            rules.check_purpose(role, "customer_service", held_by, collected)
        assert refused.value.field == "purpose"


def test_a_moment_after_now_is_scheduled_and_does_not_move_the_last_interaction() -> None:
    later = NOW + timedelta(minutes=1)
    assert rules.is_scheduled(later, NOW)
    assert not rules.is_scheduled(NOW, NOW)
    assert not rules.moves_last_interaction(later, NOW, NOW - timedelta(days=9))
    assert rules.moves_last_interaction(NOW, NOW, NOW - timedelta(days=9))
    assert not rules.moves_last_interaction(NOW - timedelta(days=10), NOW, NOW - timedelta(days=9))


def test_a_valid_draft_is_trimmed_cleaned_and_put_in_utc() -> None:
    amsterdam = timezone(timedelta(hours=1))
    checked = rules.check(
        draft(
            subject="  Terug\u200bbellen ",
            body="  ",
            occurred_at=datetime(2026, 3, 14, 11, 0, tzinfo=amsterdam),
            duration_minutes=0,
        ),
        NOW,
    )
    assert checked.subject == "Terugbellen"
    assert checked.body is None
    assert checked.occurred_at == datetime(2026, 3, 14, 10, 0, tzinfo=UTC)
    assert checked.scheduled
    assert rules.check(draft(), NOW).occurred_at == NOW


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"type": "fax"}, "type"),
        ({"subject": ""}, "subject"),
        ({"subject": " \u200b "}, "subject"),
        ({"subject": "x" * (rules.SUBJECT_MAX + 1)}, "subject"),
        ({"body": "x" * (rules.BODY_MAX + 1)}, "body"),
        ({"occurred_at": datetime(2026, 3, 14, 9, 30)}, "occurred_at"),
        ({"occurred_at": NOW + timedelta(days=6 * 366)}, "occurred_at"),
        ({"occurred_at": datetime(1969, 12, 31, tzinfo=UTC)}, "occurred_at"),
        ({"duration_minutes": -1}, "duration"),
        ({"duration_minutes": rules.DURATION_MAX + 1}, "duration"),
    ],
)
def test_each_refusal_names_its_field_and_not_the_value(
    changes: dict[str, object], field: str
) -> None:
    with pytest.raises(InvalidField) as refused:
        rules.check(draft(**changes), NOW)
    assert refused.value.field == field
    value = changes.get("subject") or changes.get("body")
    if isinstance(value, str) and value.strip():
        assert value not in refused.value.detail


@pytest.mark.parametrize("kind", rules.TYPES)
def test_only_calls_and_meetings_carry_a_recording(kind: str) -> None:
    if kind in rules.RECORDED_TYPES:
        rules.check_recording(kind)
    else:
        with pytest.raises(InvalidField):
            rules.check_recording(kind)
