"""The one reading of a staff form's posted file: its limit and its content type."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import pytest
from starlette.datastructures import FormData, Headers, UploadFile

from kluis.errors import InvalidField
from kluis.ui.uploads import AUDIO_ALIASES, Upload, content_type, read_upload

T = TypeVar("T")


def _run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` on a loop of its own in another thread: an earlier test in this worker
    may have left an event loop running in this one, where ``asyncio.run`` refuses."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def _file(data: bytes, filename: str, given: str | None) -> UploadFile:
    headers = Headers({"content-type": given}) if given is not None else None
    return UploadFile(io.BytesIO(data), filename=filename, headers=headers)


def test_content_type_drops_parameters_and_maps_aliases() -> None:
    assert content_type(_file(b"", "a.wav", "Audio/X-WAV; codecs=1"), AUDIO_ALIASES) == "audio/wav"
    assert content_type(_file(b"", "a.wav", "audio/x-wav"), {}) == "audio/x-wav"


@pytest.mark.parametrize("given", [None, "application/octet-stream"])
def test_content_type_falls_back_to_the_file_name(given: str | None) -> None:
    assert content_type(_file(b"", "scan.PDF", given), {}) == "application/pdf"


def test_read_upload_within_the_limit() -> None:
    form = FormData([("evidence", _file(b"12345", "note.txt", "text/plain"))])
    got = _run(read_upload(form, "evidence", 5, "too large", {}))
    assert got == Upload("text/plain", b"12345", "note.txt")


def test_read_upload_refuses_one_byte_over_the_limit() -> None:
    form = FormData([("evidence", _file(b"123456", "note.txt", "text/plain"))])
    with pytest.raises(InvalidField) as refused:
        _run(read_upload(form, "evidence", 5, "too large", {}))
    assert refused.value.field == "evidence"


@pytest.mark.parametrize("posted", [[], [("evidence", "")], [("evidence", _file(b"x", "", None))]])
def test_read_upload_without_a_chosen_file(posted: list[tuple[str, str | UploadFile]]) -> None:
    assert _run(read_upload(FormData(posted), "evidence", 5, "too large", {})) is None
