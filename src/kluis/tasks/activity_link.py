"""Completing a task logs the activity it was about, in one step (issue 18).

The activities slice stands on the floor below tasks, so tasks calls its service directly: the
activity is logged about the task's person, under the task's purpose (sealed with the same
person's key, checked and audited by the activities slice like any other), with the task's
title as its subject. A task about nobody cannot log one (``service.complete`` refuses it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from kluis.activities import rules as activity_rules
from kluis.activities import service as activities
from kluis.actors import Actor
from kluis.runtime import Kluis


@dataclass(frozen=True)
class ActivityFromTask:
    """What a completed task tells the activity to log: the person and purpose it was about,
    its company, the kind and the subject and body the user gave (by default the title)."""

    task_id: str
    person_id: str
    purpose_key: str
    company_id: int | None
    kind: str
    subject: str
    body: str | None
    at: datetime


def log_from_task(k: Kluis, actor: Actor, item: ActivityFromTask, now: datetime) -> str:
    """The new activity's id; refused (and nothing logged) as ``activities.service.log``
    refuses: a kind it does not know, a purpose the role does not hold."""
    draft = activity_rules.Draft(
        type=item.kind,
        subject=item.subject,
        body=item.body,
        occurred_at=item.at,
        company_id=item.company_id,
    )
    return activities.log(k, actor, item.person_id, item.purpose_key, draft, now)
