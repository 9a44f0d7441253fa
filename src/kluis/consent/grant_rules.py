"""Pure rules of recording consent: what a grant must be to be consent (Art. 4(11), 7, Recital
32), which (channel, topic) pairs a notice asks consent for and whether a cited notice covers an
event (consent is specific), and what evidence of consent may be kept (Art. 7(1)).

No I/O and no clock, like ``consent.rules``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from kluis.consent.rules import Channel, Method
from kluis.locale import N_


class ConsentRefused(ValueError):
    """A grant that is not consent in the sense of Art. 4(11), 7 and Recital 32."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def check_grant(
    method: str | None,
    notice_id: int | None,
    *,
    pre_ticked: bool = False,
    implied: bool = False,
    imported_without_proof: bool = False,
) -> Method:
    """Refuse anything that is not a freely given, specific, informed and unambiguous
    indication (Art. 4(11)); return the method when the grant may be recorded."""
    if pre_ticked:
        raise ConsentRefused(
            "a pre-ticked box is not consent (GDPR Recital 32); the person must tick it themselves",
            "pre_ticked",
        )
    if implied:
        raise ConsentRefused(
            "silence or inactivity is not consent (GDPR Recital 32); record an explicit "
            "statement or act",
            "implied",
        )
    if imported_without_proof:
        raise ConsentRefused(
            "consent without proof cannot be recorded (GDPR Art. 7(1)); import it with the "
            "method and notice of the forms you hold",
            "imported_without_proof",
        )
    if not method:
        choices = ", ".join(m.value for m in Method)
        raise ConsentRefused(f"say how consent was given: one of {choices}", "method")
    try:
        parsed = Method(method)
    except ValueError:
        choices = ", ".join(m.value for m in Method)
        raise ConsentRefused(f"method is not one of {choices}", "method") from None
    if notice_id is None:
        raise ConsentRefused(
            "name the notice (the exact wording) the person agreed to; add one with "
            "`kluis notices add`",
            "notice",
        )
    return parsed


Cover = tuple[str, str]
"""A (channel, topic) pair a notice asks consent for."""


@dataclass(frozen=True)
class NoticeScope:
    """What a notice asks for: the (channel, topic) pairs its wording names, in one language.
    Consent is specific (Art. 4(11), 6(1)(a)) and informed (Art. 7(2)): a grant is given to the
    wording that asked for that channel and topic, not to any wording on file."""

    id: int
    language: str
    covers: frozenset[Cover]


def covers(scope: NoticeScope, channel: str, topic: str, language: str | None = None) -> bool:
    """Does the notice ask for ``channel`` and ``topic`` (in ``language``, when one is asked)?"""
    if language is not None and scope.language != language:
        return False
    return (channel, topic) in scope.covers


def describe_covers(covered: frozenset[Cover]) -> str:
    """``email/newsletter, sms/offers``, or per channel when it names several topics."""
    by_channel: dict[str, list[str]] = {}
    for channel, topic in sorted(covered):
        by_channel.setdefault(channel, []).append(topic)
    return (
        ", ".join(
            f"{c}/{ts[0]}" if len(ts) == 1 else f"{c}/({'|'.join(ts)})"
            for c, ts in by_channel.items()
        )
        or "nothing"
    )


def check_notice(scope: NoticeScope, channel: str, topic: str, language: str | None = None) -> None:
    """Refuse (``ConsentRefused`` on ``notice``) a consent event citing a notice that does not
    ask for its channel and topic, or is not in the language the wording was shown in: the
    controller must be able to show what the person agreed to (Art. 7(1)), and a wording about
    an e-mail newsletter is no proof of consent to WhatsApp promotions."""
    if language is not None and scope.language != language:
        raise ConsentRefused(
            f"notice {scope.id} is in {scope.language!r}, not {language!r}: cite the wording "
            "in the language it was shown in",
            "notice",
        )
    if (channel, topic) not in scope.covers:
        raise ConsentRefused(
            f"notice {scope.id} does not cover {channel}/{topic}: its wording asks for "
            f"{describe_covers(scope.covers)}; cite a notice that names this channel and topic, "
            f"or add one with `kluis notices add --channel {channel} --topic {topic}`",
            "notice",
        )


def notice_for(
    scopes: Iterable[NoticeScope], channel: str, topic: str, language: str
) -> NoticeScope | None:
    """The newest notice (highest version) in ``language`` asking for ``channel`` and
    ``topic``: the wording a box for that pair shows and records; None when there is none, and
    then the box is not offered."""
    found = [s for s in scopes if covers(s, channel, topic, language)]
    return max(found, key=lambda s: s.id) if found else None


def every(channels: Iterable[str], topics: Iterable[str]) -> frozenset[Cover]:
    """Every channel named with every topic named: what a wording asking for "these topics on
    these channels" covers."""
    return frozenset((c.strip(), t.strip()) for c in channels for t in topics)


def check_covers(pairs: Iterable[Cover], known_topics: Iterable[str]) -> frozenset[Cover]:
    """The pairs a new notice covers, validated: at least one, each channel one of ``Channel``
    and each topic a known one. ValueError names the first problem as ``field: message``
    (``channels`` or ``topics``), so no wording is on file without saying what it asks for."""
    covered = frozenset(pairs)
    if not covered:
        raise ValueError(
            "channels: name the channels and topics the wording asks consent for (channels: "
            + ", ".join(c.value for c in Channel)
            + ")"
        )
    channels = {c.value for c in Channel}
    known = set(known_topics)
    for channel, topic in sorted(covered):
        if channel not in channels:
            raise ValueError(f"channels: {channel!r} is not one of " + ", ".join(sorted(channels)))
        if topic not in known:
            raise ValueError(f"topics: there is no topic {topic!r}; `kluis topics list` shows them")
    return covered


EVIDENCE_TYPES: dict[str, tuple[bytes, ...]] = {
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "audio/wav": (b"RIFF",),
    "audio/ogg": (b"OggS",),
    "audio/webm": (b"\x1a\x45\xdf\xa3",),
    "audio/mp4": (),
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "message/rfc822": (),
    "text/plain": (),
}
"""Evidence kinds accepted (a call recording, a scanned form, an e-mail), with their signatures."""


class EvidenceRefused(ValueError):
    """Evidence that is not what it claims to be or does not fit, with the sentence a page
    shows (``msgid`` and its ``values``) beside the English the API and CLI keep."""

    def __init__(self, message: str, msgid: str, **values: object) -> None:
        super().__init__(message)
        self.msgid = msgid
        self.values = values


def check_evidence(content_type: str, data: bytes, max_bytes: int) -> str:
    """The content type when ``data`` is what it claims to be and fits; else EvidenceRefused."""
    kind = content_type.split(";")[0].strip().lower()
    if kind not in EVIDENCE_TYPES:
        accepted = ", ".join(sorted(EVIDENCE_TYPES))
        raise EvidenceRefused(
            "this content type is not accepted as evidence; send one of " + accepted,
            N_("This kind of file is not accepted as evidence; send one of %(accepted)s."),
            accepted=accepted,
        )
    if not data:
        raise EvidenceRefused("the evidence file is empty", N_("The evidence file is empty."))
    if len(data) > max_bytes:
        raise EvidenceRefused(
            f"the evidence is {len(data)} bytes; at most {max_bytes} are accepted",
            N_("The evidence is %(size)s bytes; at most %(most)s are accepted."),
            size=len(data),
            most=max_bytes,
        )
    signatures = EVIDENCE_TYPES[kind]
    if kind == "audio/wav":
        ok = data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    elif kind == "audio/mp4":
        ok = data[4:8] == b"ftyp"
    elif kind in ("message/rfc822", "text/plain"):
        ok = _is_text(data) and (kind == "text/plain" or b":" in data.split(b"\n", 1)[0])
    else:
        ok = any(data.startswith(s) for s in signatures)
    if not ok:
        raise EvidenceRefused(
            f"the file's content is not {kind}",
            N_("The file's content is not what its kind says (%(kind)s)."),
            kind=kind,
        )
    return kind


def _is_text(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return b"\x00" not in data
