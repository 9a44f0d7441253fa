"""The rejects file (``--rejects``): every record not imported as it stood, as it was read."""

from __future__ import annotations

import os
from pathlib import Path
from typing import IO, Any

from kluis.csvout import Writer
from kluis.transfer.rules.notes import LineNote, Skip


class RejectsFile:
    """The rejects CSV: each row not imported as it stood (rejected, or skipped as a duplicate)
    as it was read, after its line, outcome, code, column and reason. It holds personal data (the
    rows as given), so it is created readable by the owner only."""

    def __init__(self, path: Path | None, headers: list[str], offset: int) -> None:
        self.path = path
        self.headers = headers
        self.offset = offset
        self.handle: IO[str] | None = None
        self.writer: Any = None

    def __enter__(self) -> RejectsFile:
        if self.path is None:
            return self
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        self.handle = os.fdopen(fd, "r+", encoding="utf-8", newline="")
        self.handle.truncate(self.offset)
        self.handle.seek(self.offset)
        self.writer = Writer(self.handle)
        if self.offset == 0:
            self.writer.writerow(["line", "outcome", "code", "column", "reason", *self.headers])
            self.flush()
        return self

    def write(self, note: LineNote, cells: list[str]) -> None:
        if self.writer is not None:
            outcome = "skipped" if isinstance(note, Skip) else "rejected"
            self.writer.writerow([note.line, outcome, note.code, note.column, note.reason, *cells])

    def flush(self) -> int:
        if self.handle is None:
            return 0
        self.handle.flush()
        self.offset = self.handle.tell()
        return self.offset

    def __exit__(self, *exc: object) -> None:
        if self.handle is not None:
            self.handle.close()
