"""A file posted with a staff form (a consent's evidence, an activity's or a call's recording),
read in one place so that its size limit and its content type are judged alike on every page.

The limit is checked while reading (``limit + 1`` bytes at most), so a large upload is refused
without holding more than the limit in memory. The content type is the browser's (RFC 9110
§8.3) without its parameters, or, when the browser gives none or the generic
``application/octet-stream``, the one its file name suggests; the page then maps the aliases some
browsers send to the name its service's check knows.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Mapping
from dataclasses import dataclass

from starlette.datastructures import FormData, UploadFile

from kluis.errors import InvalidField

AUDIO_ALIASES = {
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
}
"""Names browsers give some recording types, mapped to the one the recording checks know."""


@dataclass(frozen=True)
class Upload:
    """A posted file that was within the limit."""

    content_type: str
    data: bytes
    filename: str


def content_type(upload: UploadFile, aliases: Mapping[str, str]) -> str:
    """The upload's media type, lower case, with ``aliases`` mapped to their common name."""
    given = (upload.content_type or "").split(";")[0].strip().lower()
    if given in ("", "application/octet-stream"):
        given = (mimetypes.guess_type(upload.filename or "")[0] or given).lower()
    return aliases.get(given, given)


async def read_upload(
    form: FormData, field: str, limit: int, too_large: str, aliases: Mapping[str, str]
) -> Upload | None:
    """The file posted as ``field``, or None when none was chosen; raises ``InvalidField`` with
    ``too_large`` on ``field`` when it has more than ``limit`` bytes."""
    upload = form.get(field)
    if not isinstance(upload, UploadFile) or not upload.filename:
        return None
    data = await upload.read(limit + 1)
    if len(data) > limit:
        raise InvalidField(too_large, field=field)
    return Upload(content_type(upload, aliases), data, upload.filename)
