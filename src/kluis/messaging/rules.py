"""Pure rules of e-mail: the unsubscribe headers and footer every commercial message carries,
and the language a person is written in.

RFC 2369 gives ``List-Unsubscribe`` (an https link and a mailto), RFC 8058 the one-click
``List-Unsubscribe-Post: List-Unsubscribe=One-Click`` that mail clients POST to without a page
in between; ``List-Id`` (RFC 2919) lets clients group a list's messages. The brief (point 12)
asks a clear unsubscribe option in the footer of every commercial e-mail.
"""

from __future__ import annotations

from kluis.actors import ALL_PURPOSES_ROLES, Role

LANGUAGES = ("nl", "en")


def pick_language(preferred: str | None, available: tuple[str, ...] = LANGUAGES) -> str:
    """The person's language when the message has it, else the first available one."""
    if preferred in available:
        return str(preferred)
    return available[0]


def unsubscribe_links(unsubscribe_url: str, mailto: str | None) -> list[str]:
    """What ``List-Unsubscribe`` offers, in order: the one-click link, then the mailto."""
    links = [unsubscribe_url]
    if mailto:
        links.append(f"mailto:{mailto}?subject=unsubscribe")
    return links


def list_headers(unsubscribe_url: str, mailto: str | None, list_id: str) -> dict[str, str]:
    links = unsubscribe_links(unsubscribe_url, mailto)
    return {
        "List-Unsubscribe": ", ".join(f"<{link}>" for link in links),
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "List-Id": list_id,
    }


def list_id(topic: str, host: str) -> str:
    """``<topic.host>`` as RFC 2919 wants: a dot-atom under a domain the sender controls."""
    safe = "".join(c if c.isalnum() or c == "-" else "-" for c in topic)
    return f"<{safe}.{host}>"


NO_ADDRESS = "no e-mail address"
INTERRUPTED = "the sender stopped while this was being sent"
KLUIS_ERRORS = frozenset({NO_ADDRESS, INTERRUPTED})
"""Errors Kluis itself writes; they quote nothing and everyone who sees the message sees them."""

SEND_ERROR_WITHHELD = (
    "the mail server did not take the message; its answer, which can quote the address, is "
    "shown to admins and the privacy officer"
)


def shown_error(error: str | None, role: Role | None) -> str | None:
    """The mail server's answer stored with a failed message, as ``role`` may see it. A
    server's answer often quotes the recipient's address (``550 <...>: no such user``); the
    transport stores only its reply codes, and this keeps even those from roles that need not
    know more than that the message failed (Art. 5(1)(c), 32): admins and the privacy
    officer, who answer for delivery problems, see it whole. ``None`` for ``role`` is the
    person themselves (their own access package, Art. 15)."""
    if error is None or error in KLUIS_ERRORS or role is None or role in ALL_PURPOSES_ROLES:
        return error
    return SEND_ERROR_WITHHELD
