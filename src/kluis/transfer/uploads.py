"""Where an uploaded import file waits for its import: a private file (mode 0600) in a directory
of its own (``uploads/import-*``, under the data directory, itself mode 0700), which the API's
upload and the admin's import pages share, as does the import job that reads it (a worker on
another machine shares the data directory).

The file is personal data in plain text, so it lives no longer than the import needs (Art.
5(1)(e), 32(1)): the import job removes its directory when the import ends, done or failed;
the pages remove it when the admin cancels; a directory left behind (a review nobody finished,
a queue emptied by hand) is removed by the next upload once it is a day old.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO

from kluis.errors import KluisError, NotFound
from kluis.locale import N_
from kluis.runtime import Kluis

UPLOADS = "uploads"
LEFTOVER_SECONDS = 24 * 3600
SUFFIXES = (".csv", ".vcf", ".vcard", ".txt")
_CHUNK = 1 << 20


class UploadTooLarge(KluisError):
    slug = "upload-too-large"
    title = "Upload too large"
    status = 413


def remove_leftovers(root: Path, now_ts: float, max_age: float = LEFTOVER_SECONDS) -> int:
    """Remove upload directories under ``root`` untouched for ``max_age`` seconds at ``now_ts``
    (seconds since the epoch); how many went. Their imports were cut off with their server."""
    removed = 0
    for folder in root.glob("import-*"):
        try:
            stale = now_ts - folder.stat().st_mtime > max_age
        except FileNotFoundError:  # another process removed it first
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
    return removed


def upload_folder(k: Kluis, now: datetime, prefix: str = "import-") -> Path:
    """A new private directory for one upload (old leftovers are removed first)."""
    root = k.settings.data_dir / UPLOADS
    root.mkdir(mode=0o700, parents=True, exist_ok=True)
    remove_leftovers(root, now.timestamp())
    return Path(tempfile.mkdtemp(prefix=prefix, dir=root))


def save(
    folder: Path, filename: str | None, source: BinaryIO, max_bytes: int | None = None
) -> Path:
    """Copy an upload into ``folder`` as ``upload<suffix>``, readable by the owner only; over
    ``max_bytes`` the folder is removed and ``UploadTooLarge`` raised."""
    suffix = Path(filename or "upload.csv").suffix.lower()
    path = folder / f"upload{suffix if suffix in SUFFIXES else ''}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    written = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := source.read(_CHUNK):
            written += len(chunk)
            if max_bytes is not None and written > max_bytes:
                out.close()
                shutil.rmtree(folder, ignore_errors=True)
                raise too_large(max_bytes)
            out.write(chunk)
    return path


def too_large(max_bytes: int) -> UploadTooLarge:
    megabytes = max(1, max_bytes // (1024 * 1024))
    return UploadTooLarge(
        f"the file is larger than {megabytes} MB (KLUIS_IMPORT_MAX_BYTES); split it, or import "
        "it with `kluis contacts import`",
        field="file",
        msgid=N_(
            "The file is larger than %(megabytes)s MB; split it in parts, or ask the operator to "
            "import it on the command line."
        ),
        values={"megabytes": str(megabytes)},
    )


def owned_prefix(user_id: int | None) -> str:
    """The prefix of an upload directory made by the pages for one staff user."""
    return f"import-u{user_id}-"


_TOKEN = re.compile(r"import-u\d+-[A-Za-z0-9_]+")


def owned_upload(k: Kluis, token: str, user_id: int | None) -> Path:
    """The uploaded file of directory ``token`` when it is this user's; NotFound otherwise (a
    finished import removed it, or it is someone else's)."""
    folder = k.settings.data_dir / UPLOADS / token
    if _TOKEN.fullmatch(token) and token.startswith(owned_prefix(user_id)) and folder.is_dir():
        for path in folder.iterdir():
            if path.name.startswith("upload"):
                return path
    raise NotFound(
        "the upload is gone: the import finished or was cancelled; upload the file again",
        field="upload",
        msgid=N_(
            "This upload is gone: the import finished or was cancelled. Upload the file again."
        ),
    )


def discard(path: Path) -> None:
    """Remove an upload's directory and everything in it."""
    shutil.rmtree(path.parent, ignore_errors=True)
