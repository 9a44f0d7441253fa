"""Domain errors: each says what was wrong and what to do, and carries a stable problem type.

The API turns them into ``application/problem+json`` (RFC 9457) at the edge; the CLI prints the
same text. Nothing below the routes knows about HTTP beyond the suggested status code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class Word(str):
    """A refusal's value that is itself a code the staff catalogue translates (a request's
    status, a campaign's channel): a page shows it in the reader's language, as it shows the
    code elsewhere (``_(status)``); the API and CLI keep the code in ``detail``."""


class KluisError(Exception):
    """Base of every refusal Kluis explains to a person."""

    slug = "error"
    title = "Request refused"
    status = 400

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        msgid: str | None = None,
        values: Mapping[str, object] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.msgid = msgid
        """The English sentence with ``%(name)s`` placeholders that pages translate, when
        ``detail`` holds values; without it a page translates ``detail`` as it is."""
        self.values: dict[str, object] = dict(values or {})
        self.context: tuple[str, dict[str, object]] | None = None
        """Where the refusal arose, said before it (``within``): a message id and its values."""
        self.parts: list[KluisError] = []
        """A refusal that lists several problems at once (an import's header): each problem
        with its own page sentence, which a page says one after the other."""

    def within(self, msgid: str, **values: object) -> None:
        """Say where the refusal arose before it ("person 3: …", which one of a batch or of
        a selection): ``detail`` gets the English, a page the translated ``msgid``. The
        sentence it prefixes keeps its own message id, so a page still translates it."""
        if self.msgid is None:
            self.msgid = self.detail
        self.detail = f"{msgid % values}{self.detail}"
        self.args = (self.detail,)
        self.context = (msgid, dict(values))

    def translated(self, gettext: Callable[[str], str]) -> str:
        """The refusal in a reader's language: ``gettext`` of the message id, then the values
        (a sentence with no translation reads as ``detail``), after where it arose."""
        where = ""
        if self.context is not None:
            msgid, values = self.context
            where = gettext(msgid) % values
        if self.parts:
            return where + " ".join(part.translated(gettext) for part in self.parts)
        if self.msgid is None:
            return where + gettext(self.detail)
        text = gettext(self.msgid)
        if self.values:
            text = text % {
                name: gettext(value) if isinstance(value, Word) else value
                for name, value in self.values.items()
            }
        return where + text

    @property
    def type_uri(self) -> str:
        return f"urn:kluis:problem:{self.slug}"


class InvalidField(KluisError):
    """A value failed validation; ``field`` names it."""

    slug = "invalid-field"
    title = "Invalid value"
    status = 422


class NotFound(KluisError):
    slug = "not-found"
    title = "Not found"
    status = 404


class Conflict(KluisError):
    slug = "conflict"
    title = "Conflict"
    status = 409


class PurposeRefused(KluisError):
    """The actor's role does not hold the purpose, or the purpose may not use a field.

    Purpose limitation, Art. 5(1)(b).
    """

    slug = "purpose-refused"
    title = "Purpose not allowed"
    status = 403


class Restricted(KluisError):
    """Processing of the person is restricted (Art. 18): apart from storage, their data may be
    used only for their own privacy request or under a legal obligation (Art. 18(2))."""

    slug = "restricted"
    title = "Processing restricted"
    status = 409


class Suppressed(KluisError):
    """The e-mail address or phone number is on the suppression list (its holder was erased or
    objected to direct marketing), so it is not added to a marketing purpose again."""

    slug = "suppressed"
    title = "On the suppression list"
    status = 409


class PermissionDenied(KluisError):
    slug = "permission-denied"
    title = "Permission denied"
    status = 403


class Unauthenticated(KluisError):
    slug = "unauthenticated"
    title = "Authentication required"
    status = 401


class PersonErased(KluisError):
    """The person was erased (Art. 17): their key is gone and nothing about them can be read."""

    slug = "person-erased"
    title = "Person erased"
    status = 410


class DecryptionFailed(KluisError):
    """Ciphertext does not open under this person's key for this field.

    It was moved from another person or field, altered, or its key was shredded.
    """

    slug = "decryption-failed"
    title = "Value cannot be decrypted"
    status = 500


def stored(exc: KluisError) -> dict[str, Any]:
    """A refusal as JSON a table keeps (an import job's ``error_said``): its message id and
    values, where it arose and its parts, so a page read later says it in the reader's
    language (Art. 12(1)) while ``detail`` stays the API's and the CLI's English."""
    return {
        "detail": exc.detail,
        "msgid": exc.msgid,
        "values": {k: str(v) if isinstance(v, Word) else v for k, v in exc.values.items()},
        "words": sorted(k for k, v in exc.values.items() if isinstance(v, Word)),
        "context": list(exc.context) if exc.context is not None else None,
        "parts": [stored(part) for part in exc.parts],
    }


def restored(said: Mapping[str, Any]) -> KluisError:
    """The refusal :func:`stored` kept, to translate (``KluisError.translated``)."""
    words = set(said.get("words", ()))
    values = {k: Word(v) if k in words else v for k, v in said.get("values", {}).items()}
    exc = KluisError(str(said.get("detail", "")), msgid=said.get("msgid"), values=values)
    context = said.get("context")
    if context is not None:
        exc.context = (str(context[0]), dict(context[1]))
    exc.parts = [restored(part) for part in said.get("parts", ())]
    return exc
