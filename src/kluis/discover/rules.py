"""Finding one person in old files: what is looked for, and how a piece of text is judged.

The controller must find a person's data wherever it still lies to erase it (Art. 17(1)) or to
give a complete copy (Art. 15(1)), old exports and backups included. This module is pure: it
turns the person's identifiers (e-mail addresses, phone numbers, full names) into a ``Matcher``
that a reader (``kluis.discover.scan``) asks in two steps:

1. ``Matcher.candidate`` on raw bytes (lower-cased, ASCII-compatible: UTF-8, Windows-1252,
   Latin-1): plain substring searches that run at memory speed, so a file without the person
   is read once and thrown away. The needles are the lower-cased e-mail address, the phone
   number's national significant digits (searched in the bytes with separators removed) and
   the longest accent-free token of each name.
2. ``Matcher.judge`` on the few records that passed, decoded: the exact rule, which says which
   identifier matched and in which field, and never returns the value itself.

Phone numbers are compared by their digits in the notations people write (ITU-T E.164 with
``+`` or the international prefix ``00``, the national notation with the trunk prefix, and the
``+31 (0)6`` hybrid), using phonenumbers' metadata for the prefixes. Names are compared folded
(Unicode NFKD without combining marks, case-folded, whitespace collapsed) as "given family" or
"family, given" (or the two in adjacent columns), never as a prefix of a longer name.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import phonenumbers

KINDS = ("email", "phone", "name")
"""What a hit can say matched; the value itself is never part of a hit."""

PHONE_SEPARATORS = b" -./()\t"
"""Bytes people put between the digits of a phone number (and that names and addresses
contain): ``squeeze`` removes them, so one pass serves every needle."""

_LOWER = bytes.maketrans(bytes(range(65, 91)), bytes(range(97, 123)))


def squeeze(data: bytes) -> bytes:
    """ASCII lower-case without ``PHONE_SEPARATORS``: the prefilter's form of text and needles
    alike, made in one pass (``bytes.translate``)."""
    return data.translate(_LOWER, PHONE_SEPARATORS)


_PHONE_RUN = re.compile(r"\+?\(?\d[\d \-./()\t\u00a0]{4,}\d")
_NAME_SEPARATOR = r"[\s,;|\"']+"
"""Between given and family name: spaces, or the delimiters of adjacent columns."""
_COMMA = r"\s*,\s*"
"""Between family and given name ("family, given")."""
_BOUNDARY_BEFORE = r"(?<![\w@.-])"
_BOUNDARY_AFTER = r"(?![\w@-]|\.\w)"


@dataclass(frozen=True)
class Identifiers:
    """What identifies the person in other files: kept only in memory during a scan."""

    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    """In E.164 (``+31612345678``), as Kluis stores them."""
    names: tuple[tuple[str, str], ...] = ()
    """(given, family) pairs."""

    def __bool__(self) -> bool:
        return bool(self.emails or self.phones or self.names)

    def __repr__(self) -> str:
        # a traceback or a log line must not show the values
        return (
            f"Identifiers(emails={len(self.emails)}, phones={len(self.phones)}, "
            f"names={len(self.names)})"
        )


@dataclass(frozen=True)
class Hit:
    """One place where the person was found: the file, the place in it (line; sheet and cell;
    message id; page; card) and which kind of identifier matched."""

    file: str
    place: str
    kind: str


def fold(text: str) -> str:
    """Names compared without case, accents or spacing differences: NFKD, combining marks
    dropped, case-folded, runs of whitespace made one space."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


def fold_bytes(text: str) -> bytes:
    """The prefilter's fold: accents dropped, ASCII lower-case (fast on a whole chunk)."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").lower()


def phone_forms(e164: str) -> tuple[str, ...]:
    """The digit strings a phone number is written as: ``+CC NSN``/``00 CC NSN`` (and the
    country's own international prefix), ``0 NSN`` (the trunk prefix) and ``CC 0 NSN``."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return ()
    nsn = phonenumbers.national_significant_number(number)
    if number.country_code is None:
        return ()
    code = str(number.country_code)
    region = phonenumbers.region_code_for_number(number)
    metadata = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(
        number.country_code, region or ""
    )
    forms = {code + nsn, "00" + code + nsn}
    if metadata is not None:
        idd = metadata.preferred_international_prefix or metadata.international_prefix or ""
        if idd.isdigit():
            forms.add(idd + code + nsn)
        trunk = metadata.national_prefix or ""
        if trunk.isdigit():
            forms.add(trunk + nsn)
            forms.add(code + trunk + nsn)
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def _longest_token(tokens: Iterable[str]) -> str:
    return max(tokens, key=len, default="")


@dataclass(frozen=True)
class _Name:
    pattern: re.Pattern[str]
    needle: bytes
    """Empty: no reliable needle (a name whose fold loses letters); every record is judged."""


def _name(given: str, family: str) -> _Name | None:
    given_tokens, family_tokens = fold(given).split(), fold(family).split()
    if not given_tokens or not family_tokens:
        return None
    g = r"\s+".join(re.escape(t) for t in given_tokens)
    f = r"\s+".join(re.escape(t) for t in family_tokens)
    pattern = re.compile(
        f"{_BOUNDARY_BEFORE}(?:{g}{_NAME_SEPARATOR}{f}|{f}{_COMMA}{g}){_BOUNDARY_AFTER}"
    )
    token = _longest_token(given_tokens + family_tokens)
    needle = fold_bytes(token)
    # the prefilter and the judge must agree on the token, or the prefilter could miss it
    if needle.decode("ascii") != token or len(needle) < 2:
        needle = b""
    return _Name(pattern, needle)


@dataclass
class Matcher:
    """The compiled identifiers of one person. Build with ``matcher``."""

    emails: list[tuple[bytes, re.Pattern[str]]] = field(default_factory=list)
    phones: list[tuple[bytes, tuple[str, ...]]] = field(default_factory=list)
    """(national significant digits, the digit forms) per number."""
    names: list[_Name] = field(default_factory=list)
    _needles: list[bytes] | None = None

    @property
    def empty(self) -> bool:
        return not (self.emails or self.phones or self.names)

    @property
    def judge_everything(self) -> bool:
        """A name without a reliable needle: every record goes to ``judge``."""
        return any(not n.needle for n in self.names)

    def needles(self) -> list[bytes]:
        """What ``candidate`` searches for, in ``squeeze``d form."""
        return [squeeze(e) for e, _ in self.emails] + [
            *(nsn for nsn, _ in self.phones),
            *(squeeze(n.needle) for n in self.names if n.needle),
        ]

    def candidate(self, raw: bytes, encoding: str = "utf-8") -> bool:
        """Whether ``raw`` (a record or a chunk of them, in ``encoding``, an ASCII-compatible
        one) may hold the person: False is certain, True means ``judge`` must look. One pass
        (``squeeze``) and a substring search per needle."""
        if self.judge_everything:
            return True
        squeezed = squeeze(raw)
        needles = self._needles if self._needles is not None else self._compile()
        if any(needle in squeezed for needle in needles):
            return True
        if self.names and not squeezed.isascii():
            folded = squeeze(fold_bytes(raw.decode(encoding, "replace")))
            return any(squeeze(n.needle) in folded for n in self.names if n.needle)
        return False

    def _compile(self) -> list[bytes]:
        self._needles = self.needles()
        return self._needles

    def judge(self, fields: Sequence[str]) -> list[tuple[str, int]]:
        """Which identifiers are in a record given as its fields (one field for a line of
        text; the cells of a row): ``(kind, index of the field)`` for each kind found, first
        place only."""
        found: list[tuple[str, int]] = []
        for index, text in enumerate(fields):
            if any(p.search(text) for _, p in self.emails):
                found.append(("email", index))
                break
        for index, text in enumerate(fields):
            if self.phones and _has_phone(text, self.phones):
                found.append(("phone", index))
                break
        if self.names:
            folded = [fold(text) for text in fields]
            joined = " ; ".join(folded)
            for name in self.names:
                match = name.pattern.search(joined)
                if match is not None:
                    found.append(("name", _field_at(folded, match.start())))
                    break
        return found


def _field_at(folded: Sequence[str], offset: int) -> int:
    position = 0
    for index, text in enumerate(folded):
        position += len(text) + 3
        if offset < position:
            return index
    return len(folded) - 1


def _has_phone(text: str, phones: Sequence[tuple[bytes, tuple[str, ...]]]) -> bool:
    """A run of digits and separators in ``text`` that is one of the numbers in one of its
    forms, starting and ending on a digit boundary (so a longer number does not match)."""
    for run in _PHONE_RUN.finditer(text):
        chars = run.group()
        positions = [i for i, c in enumerate(chars) if c.isdigit()]
        digits = "".join(chars[i] for i in positions)
        for nsn, forms in phones:
            if nsn.decode("ascii") not in digits:
                continue
            for form in forms:
                start = digits.find(form)
                while start >= 0:
                    end = start + len(form)
                    first, last = positions[start], positions[end - 1]
                    before = chars[first - 1] if first > 0 else " "
                    after = chars[last + 1] if last + 1 < len(chars) else " "
                    # a form that begins with a trunk prefix must not be the tail of +CC 0...
                    if not before.isdigit() and not after.isdigit():
                        return True
                    start = digits.find(form, start + 1)
    return False


def matcher(identifiers: Identifiers) -> Matcher:
    """Compile the person's identifiers; values that cannot be used (an unparsable number, a
    name without letters) are left out rather than matching everything."""
    found = Matcher()
    for email in dict.fromkeys(e.strip() for e in identifiers.emails):
        if "@" not in email:
            continue
        pattern = re.compile(r"(?<![\w.+-])" + re.escape(email) + r"(?![\w-])(?!\.\w)", re.I)
        found.emails.append((email.lower().encode("utf-8"), pattern))
    for phone in dict.fromkeys(identifiers.phones):
        forms = phone_forms(phone)
        if forms:
            nsn = phonenumbers.national_significant_number(phonenumbers.parse(phone, None))
            found.phones.append((nsn.encode("ascii"), forms))
    for given, family in dict.fromkeys(identifiers.names):
        name = _name(given, family)
        if name is not None:
            found.names.append(name)
    return found


def count_by_kind(hits: Iterable[Hit]) -> dict[str, int]:
    """How many hits of each kind (for the audit event and the summary)."""
    counts = dict.fromkeys(KINDS, 0)
    for hit in hits:
        counts[hit.kind] += 1
    return counts
