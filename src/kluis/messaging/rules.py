"""Pure rules of e-mail: the unsubscribe headers and footer every commercial message carries,
and the language a person is written in.

RFC 2369 gives ``List-Unsubscribe`` (an https link and a mailto), RFC 8058 the one-click
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` that mail clients POST to without a page
in between; ``List-Id`` (RFC 2919) lets clients group a list's messages. The brief (point 12)
asks a clear unsubscribe option in the footer of every commercial e-mail.
"""

from __future__ import annotations

LANGUAGES = ("nl", "en")

FOOTER = {
    "en": (
        "You receive this message from {organisation} because of your choices for {topic}.",
        "Unsubscribe",
        "Change your preferences",
    ),
    "nl": (
        "Je ontvangt dit bericht van {organisation} op basis van je keuzes voor {topic}.",
        "Afmelden",
        "Je voorkeuren wijzigen",
    ),
}


def pick_language(preferred: str | None, available: tuple[str, ...] = LANGUAGES) -> str:
    """The person's language when the message has it, else the first available one."""
    if preferred in available:
        return str(preferred)
    return available[0]


def list_headers(unsubscribe_url: str, mailto: str | None, list_id: str) -> dict[str, str]:
    links = [f"<{unsubscribe_url}>"]
    if mailto:
        links.append(f"<mailto:{mailto}?subject=unsubscribe>")
    return {
        "List-Unsubscribe": ", ".join(links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": list_id,
    }


def list_id(topic: str, host: str) -> str:
    """``<topic.host>`` as RFC 2919 wants: a dot-atom under a domain the sender controls."""
    safe = "".join(c if c.isalnum() or c == "-" else "-" for c in topic)
    return f"<{safe}.{host}>"
