"""Reading old files for one person: which reader a file needs, text and CSV at speed, ZIP
archives (nested), and the walk over the paths given.

Every reader streams: text is read in chunks of ``CHUNK`` bytes, a ZIP member through its own
stream, and only a nested archive or a spreadsheet inside an archive (both need seeking) is
spooled to a temporary file, so memory stays bounded whatever the size (a mail message and a
PDF page are read whole). A file is named in hits by its path, an archive member as
``archive.zip!member`` (nested: ``a.zip!b.zip!c.csv``); nothing of its content is reported.
"""

from __future__ import annotations

import codecs
import os
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from kluis.discover import readers
from kluis.discover.rules import Hit, Matcher

CHUNK = 4 * 1024 * 1024
"""Bytes of text read at once: large enough that the byte searches dominate."""

SPOOL = 8 * 1024 * 1024
"""An archive member that must be seekable stays in memory up to this size, then on disk."""

TEXT_SUFFIXES = frozenset({".csv", ".txt", ".tsv", ".text", ".log", ".json", ".xml", ".html"})


@dataclass
class Searched:
    """One file read (an archive member counts as a file): its name, its kind, its hits, or
    why it could not be read."""

    name: str
    kind: str
    hits: list[Hit] = field(default_factory=list)
    error: str | None = None


def kind_of(name: str, head: bytes) -> str:
    """The reader a file needs, from its first bytes and then its name."""
    suffix = Path(name.rsplit("!", 1)[-1]).suffix.lower()
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx" if suffix in (".xlsx", ".xlsm") else "zip"
    if head.startswith(b"%PDF"):
        return "pdf"
    if suffix in (".vcf", ".vcard") or head.lstrip().upper().startswith(b"BEGIN:VCARD"):
        return "vcard"
    if suffix == ".mbox" or head.startswith(b"From "):
        return "mbox"
    if suffix == ".eml":
        return "eml"
    return "text"


def detect_encoding(head: bytes) -> str:
    """UTF-16 and UTF-8 by their byte-order mark, UTF-8 when the head decodes as such, else
    Windows-1252 (what old Dutch and English exports use; Latin-1 is its subset)."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _utf8_chunks(stream: IO[bytes], encoding: str, first: bytes) -> Iterator[bytes]:
    """The stream's bytes in an ASCII-compatible encoding: as they are, or UTF-16 re-encoded."""
    if encoding != "utf-16":
        yield first
        while block := stream.read(CHUNK):
            yield block
        return
    decoder = codecs.getincrementaldecoder("utf-16")(errors="replace")
    block = first
    while block:
        yield decoder.decode(block).encode("utf-8")
        block = stream.read(CHUNK)
    yield decoder.decode(b"", final=True).encode("utf-8")


def scan_text(name: str, stream: IO[bytes], m: Matcher, first: bytes = b"") -> Iterator[Hit]:
    """Text and CSV of any delimiter, by line: one pass of byte searches over each chunk, and
    only a chunk that may hold the person is split into lines and judged."""
    head = first or stream.read(CHUNK)
    encoding = detect_encoding(head[:65536])
    decode_as = "utf-8" if encoding in ("utf-16", "utf-8-sig") else encoding
    line = 1
    rest = b""
    for block in _utf8_chunks(stream, encoding, head):
        data = rest + block
        cut = data.rfind(b"\n") + 1
        if cut == 0:
            rest = data
            continue
        whole, rest = data[:cut], data[cut:]
        if m.candidate(whole, decode_as):
            yield from _judge_lines(name, whole, line, m, decode_as)
        line += whole.count(b"\n")
    if rest and m.candidate(rest, decode_as):
        yield from _judge_lines(name, rest, line, m, decode_as)


def _judge_lines(name: str, data: bytes, first_line: int, m: Matcher, enc: str) -> Iterator[Hit]:
    for offset, raw in enumerate(data.split(b"\n")):
        if raw and m.candidate(raw, enc):
            text = raw.decode(enc, "replace").rstrip("\r")
            for kind, _ in m.judge([text]):
                yield Hit(name, f"line {first_line + offset}", kind)


def scan_stream(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Searched]:
    """Every file ``stream`` is (one, or an archive's members), searched."""
    head = stream.read(CHUNK)
    kind = kind_of(name, head)
    if kind == "text":
        yield _searched(name, kind, lambda: scan_text(name, stream, m, head))
        return
    whole = _rejoined(head, stream)
    try:
        if kind == "zip":
            yield from _scan_zip(name, whole, m)
        else:
            yield _searched(name, kind, lambda: readers.READERS[kind](name, whole, m))
    finally:
        if whole is not stream:
            whole.close()


def _searched(name: str, kind: str, hits: Callable[[], Iterator[Hit]]) -> Searched:
    searched = Searched(name, kind)
    try:
        searched.hits = list(hits())
    except Exception as exc:  # a damaged file is reported, never the end of the scan
        searched.error = type(exc).__name__
    return searched


def _rejoined(head: bytes, stream: IO[bytes]) -> IO[bytes]:
    """The stream from its start again: seek back in a file, else spool it (an archive member
    seeks by decompressing again from its start, too slow for a reader that jumps about)."""
    if stream.seekable() and not isinstance(stream, zipfile.ZipExtFile):
        stream.seek(0)
        return stream
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL)  # noqa: SIM115 (closed by the caller)
    spool.write(head)
    shutil.copyfileobj(stream, spool, CHUNK)
    spool.seek(0)
    return spool


def _scan_zip(name: str, stream: IO[bytes], m: Matcher) -> Iterator[Searched]:
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError) as exc:
        yield Searched(name, "zip", error=type(exc).__name__)
        return
    with archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            member = f"{name}!{info.filename}"
            try:
                with archive.open(info) as inner:
                    yield from scan_stream(member, inner, m)
            except (zipfile.BadZipFile, RuntimeError, OSError) as exc:  # encrypted, damaged
                yield Searched(member, "zip", error=type(exc).__name__)


def walk(paths: list[Path]) -> Iterator[Path]:
    """The files under ``paths`` (directories recursively, in name order)."""
    for path in paths:
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs.sort()
                for file in sorted(files):
                    yield Path(root) / file
        else:
            yield path


def scan_paths(paths: list[Path], m: Matcher) -> Iterator[Searched]:
    """Every file under ``paths``, searched; a file that cannot be opened is reported."""
    for path in walk(paths):
        try:
            with path.open("rb") as stream:
                yield from scan_stream(str(path), stream, m)
        except OSError as exc:
            yield Searched(str(path), "unknown", error=type(exc).__name__)
