"""What tests of phone call lists share: a phone campaign's values, a tiny WAV recording, and a
Kluis whose marketing purposes may read phone numbers."""

from __future__ import annotations

from kluis.runtime import Kluis
from text_helpers import with_provider

PHONE = {
    "channel": "phone",
    "name": "Spring calls",
    "topic": "offers",
    "body_nl": "Goedemiddag, u spreekt met Kluis over onze lente-aanbieding.",
    "body_en": "Good afternoon, this is Kluis about our spring offer.",
}
WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28


class _NoProvider:
    def url(self, channel: str) -> str:
        return ""


def phone_kluis(kluis: Kluis) -> Kluis:
    """Marketing purposes may read phone numbers (as for SMS); no provider is needed."""
    return with_provider(kluis, _NoProvider(), base_url=None)  # type: ignore[arg-type]
