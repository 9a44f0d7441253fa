"""The seam to the activities slice: "completing a task can log the activity it was about in one
step" (issue 18).

Activities are kept by another slice. Tasks calls it through the function registered here, so
that this slice works (and is tested) with or without it: with nothing registered, completing a
task logs nothing and the pages do not offer to. The activities slice stands on a lower floor
(10) than tasks (11) and may not import this module; the registration is therefore made from this
side, by a module of tasks that imports the activities service (see docs/tasks.md, "Activities").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from kluis.actors import Actor
from kluis.runtime import Kluis


@dataclass(frozen=True)
class ActivityFromTask:
    """What a completed task tells the activity to log: the person and purpose it was about (the
    activity is sealed with the same person's key and worked under the same purpose), its
    company, the activity the task was about (a follow-up), and the subject and body the user
    gave (by default the task's title)."""

    task_id: str
    person_id: str
    purpose_key: str
    company_id: int | None
    activity_id: str | None
    kind: str
    subject: str
    body: str | None
    at: datetime


ActivityLogger = Callable[[Kluis, Actor, ActivityFromTask, datetime], str]
"""(kluis, actor, what to log, now) -> the new activity's id; audited by the activities slice."""

_logger: list[ActivityLogger] = []


def register_activity_logger(logger: ActivityLogger) -> None:
    """A second call replaces the first."""
    _logger[:] = [logger]


def activity_logger() -> ActivityLogger | None:
    return _logger[0] if _logger else None


def clear() -> None:
    """For tests: back to no activities slice."""
    _logger.clear()
