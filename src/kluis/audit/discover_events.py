"""Audit events of searching old files for a person (``kluis.discover``): which request, which
paths, how many hits; never an identifier or anything a file contains."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from kluis.audit.events import AuditEvent


@dataclass(frozen=True)
class DiscoverScanned(AuditEvent):
    """Files were searched for the person of a privacy request (Art. 15, 17)."""

    action: ClassVar[str] = "discover.scanned"
    person_id: str
    request_id: int
    source: str
    """``command`` (``kluis discover``) or ``upload`` (the request page)."""
    identifiers: str
    """Where what was looked for came from: ``person`` (read now) or ``capture``."""
    paths: tuple[str, ...]
    files: int
    files_found: int
    hits: int
    redacted: int


@dataclass(frozen=True)
class DiscoverCaptured(AuditEvent):
    """The person's identifiers were kept, sealed, for searches after their erasure."""

    action: ClassVar[str] = "discover.captured"
    person_id: str
    request_id: int
    kinds: tuple[str, ...]
    keep_until: str


@dataclass(frozen=True)
class DiscoverCaptureDestroyed(AuditEvent):
    """The key of a capture was destroyed and its sealed row deleted."""

    action: ClassVar[str] = "discover.capture_destroyed"
    person_id: str | None
    request_id: int
    reason: str
    """``expired`` (``KLUIS_DISCOVER_CAPTURE_DAYS`` passed) or ``forgotten`` (staff)."""
