"""What an entry of the registry (``kluis.slices``) is made of: a slice, its commands and its
command groups; and ``Deferred``, a hook that a slice's on-open hook registers by path. Kept
apart from the list itself so the registry stays one list of entries as it grows; like the
registry, these name everything by ``module:attribute`` and import nothing of Kluis (ground
floor).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Command:
    """A command at the top of ``kluis`` (``kluis <name>``), found by name in ``source``, a
    ``kluis.console.Commands``; ``help`` is its docstring."""

    name: str
    help: str
    source: str


@dataclass(frozen=True)
class Group:
    """A command group (``kluis <name> <command>``) made of the commands of ``sources``, in
    order: a group may gather commands of several slices (``kluis contacts import`` is the
    transfer's, ``kluis contacts end-contract`` the retention's)."""

    name: str
    help: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Slice:
    name: str
    api: tuple[str, ...] = ()
    """Routers mounted under ``/api/v1``."""
    staff_pages: tuple[str, ...] = ()
    """Routers of the staff pages (``/app``)."""
    public_pages: tuple[str, ...] = ()
    """Routers of the pages for the people in the database (sign-up, preferences, notices)."""
    person_panels: tuple[str, ...] = ()
    """Panels of a person's staff page (``kluis.contacts.panels.PersonPanel``), in page order."""
    cli: tuple[Command | Group, ...] = ()
    on_open: str | None = None
    """A ``(kluis, now) -> None`` run on every opening of Kluis, after the stores are open."""
    jobs: tuple[str, ...] = ()
    """The slice's background jobs (``kluis.jobs.Job``), run by the job queue's workers."""
    home_panels: tuple[str, ...] = ()
    """Sections of the staff home page (``kluis.auth.home.HomePanel``), in page order."""
    timeline: tuple[str, ...] = ()
    """Sources of a person's timeline (``kluis.contacts.timeline.TimelineSource``)."""
    deal_panels: tuple[str, ...] = ()
    """Panels of a deal's staff page (``kluis.deals.work.DealPanel``): the work linked to it."""
    demo: tuple[str, ...] = ()
    """The slice's part of ``kluis demo`` (``kluis.transfer.demo.DemoPart``), run after the
    invented people and companies exist, in registry order."""


class Deferred:
    """A function named by its ``module:attribute`` path, its module imported at the first call
    (then kept): what an on-open hook registers on ``kluis.contacts.hooks`` or
    ``kluis.audit.observers``, so opening Kluis imports none of the services behind the hooks
    (``kluis.messaging.campaigns`` alone took ~0.3 s of every command's start). Only a command
    that erases a person, logs a contact moment or is told of a change loads them, when it does.
    """

    __slots__ = ("_target", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self._target: Callable[..., Any] | None = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._target is None:
            module, _, attribute = self.path.partition(":")
            self._target = getattr(importlib.import_module(module), attribute)
        return self._target(*args, **kwargs)

    def __repr__(self) -> str:
        return f"Deferred({self.path!r})"
