"""Limits on the public forms that send e-mail (the sign-up and the privacy-request page).

Without them anyone could make Kluis mail any address again and again: a nuisance to the person
and a reputation that lands the business's mail in spam. A sliding window per client address
(IP) and per e-mail address (kept as a SHA-256, never the address), in the memory of each server
process; ``now`` is passed in like everywhere else.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from datetime import datetime, timedelta
from typing import Any

PER_CLIENT = 30
"""Form posts that send mail, per client address per hour."""
PER_ADDRESS = 5
"""Mails per e-mail address per hour."""
WINDOW = timedelta(hours=1)
MAX_KEYS = 100_000


class SlidingWindow:
    """At most ``limit`` events per key in any ``window``; the oldest keys are forgotten first
    when more than ``max_keys`` are tracked, so memory stays bounded."""

    def __init__(self, limit: int, window: timedelta, max_keys: int = MAX_KEYS) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._seen: OrderedDict[str, deque[datetime]] = OrderedDict()

    def allow(self, key: str, now: datetime) -> bool:
        """Count an event for ``key`` at ``now`` if it is within the limit; False when not."""
        times = self._seen.pop(key, None) or deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        allowed = len(times) < self.limit
        if allowed:
            times.append(now)
        self._seen[key] = times
        while len(self._seen) > self.max_keys:
            self._seen.popitem(last=False)
        return allowed


class MailLimits:
    def __init__(self) -> None:
        self.clients = SlidingWindow(PER_CLIENT, WINDOW)
        self.addresses = SlidingWindow(PER_ADDRESS, WINDOW)

    def client_allowed(self, client: str | None, now: datetime) -> bool:
        return self.clients.allow(client or "-", now)

    def address_allowed(self, email: str, now: datetime) -> bool:
        digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        return self.addresses.allow(digest, now)


def mail_limits(state: Any) -> MailLimits:
    """The app's limits (one set per app, made on first use)."""
    found = getattr(state, "mail_limits", None)
    if not isinstance(found, MailLimits):
        found = MailLimits()
        state.mail_limits = found
    return found
