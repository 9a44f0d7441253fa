"""The access-log rule: request targets lose their query string, link tokens and anything that
looks like a person's value; ids and page paths stay readable."""

from __future__ import annotations

import logging

import pytest

from kluis.accesslog import REDACTED, RedactAccess, redact_target
from kluis.ops.logs import log_config

TOKEN = "eyJwIjoiMDE5NWQ3YjQtMmI1Ny03YzNlLWE0ZTMtNmYwYjUxYjUwYjAxIn0.Z9Q2aA.sT0kEn-sig_nature"
PERSON = "0195d7b4-2b57-7c3e-a4e3-6f0b51b50b01"


@pytest.mark.parametrize(
    ("target", "logged"),
    [
        ("/", "/"),
        ("/app/contacts", "/app/contacts"),
        (f"/api/v1/contacts/{PERSON}", f"/api/v1/contacts/{PERSON}"),
        (f"/app/contacts/{PERSON}/edit", f"/app/contacts/{PERSON}/edit"),
        ("/static/htmx-2.0.4.min.js", "/static/htmx-2.0.4.min.js"),
        ("/api/v1/contacts?purpose=x&q=fenna%40example.com", f"/api/v1/contacts?{REDACTED}"),
        ("/api/v1/contacts?q=+31610000001", f"/api/v1/contacts?{REDACTED}"),
        ("/app/contacts?q=Brouwersma", f"/app/contacts?{REDACTED}"),
        ("/app/contacts?", f"/app/contacts?{REDACTED}"),
        (f"/unsubscribe/{TOKEN}", f"/unsubscribe/{REDACTED}"),
        (f"/preferences/{TOKEN}", f"/preferences/{REDACTED}"),
        (f"/confirm/{TOKEN}", f"/confirm/{REDACTED}"),
        (f"/reconfirm/{TOKEN}", f"/reconfirm/{REDACTED}"),
        (f"/privacy/confirm/{TOKEN}", f"/privacy/confirm/{REDACTED}"),
        (f"/unsubscribe/{TOKEN}?lang=en", f"/unsubscribe/{REDACTED}?{REDACTED}"),
        ("/unsubscribe/short", f"/unsubscribe/{REDACTED}"),
        ("/unsubscribe/", "/unsubscribe/"),
        (f"/somewhere/{TOKEN}", f"/somewhere/{REDACTED}"),
        ("/api/v1/contacts/fenna@example.com", f"/api/v1/contacts/{REDACTED}"),
        ("/api/v1/contacts/Fenna%20Brouwersma", f"/api/v1/contacts/{REDACTED}"),
        ("/api/v1/contacts/+31610000001", f"/api/v1/contacts/{REDACTED}"),
        ("/app/contacts/Élodie", f"/app/contacts/{REDACTED}"),
        ("/a//b", "/a//b"),
        ("*", REDACTED),
    ],
)
def test_redact_target(target: str, logged: str) -> None:
    assert redact_target(target) == logged


def _access_record(target: str) -> logging.LogRecord:
    return logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("192.0.2.1:5000", "GET", target, "1.1", 200),
        None,
    )


def test_the_filter_rewrites_the_target_and_keeps_the_rest() -> None:
    record = _access_record(f"/unsubscribe/{TOKEN}?q=fenna")
    assert RedactAccess().filter(record) is True
    assert record.args == (
        "192.0.2.1:5000",
        "GET",
        f"/unsubscribe/{REDACTED}?{REDACTED}",
        "1.1",
        200,
    )
    assert TOKEN not in record.getMessage()


def test_a_record_of_another_shape_keeps_none_of_its_arguments() -> None:
    record = logging.LogRecord(
        "uvicorn.access", logging.INFO, __file__, 1, "%s", ("fenna@example.com",), None
    )
    assert RedactAccess().filter(record) is True
    assert "fenna" not in record.getMessage()


@pytest.mark.parametrize("log_format", ["text", "json"])
def test_the_log_configuration_filters_the_access_handler_only(log_format: str) -> None:
    config = log_config(log_format)
    assert "redact_access" in config["handlers"]["access"]["filters"]
    assert config["filters"]["redact_access"]["()"] is RedactAccess
    assert "filters" not in config["handlers"]["default"]
    assert config["loggers"]["uvicorn.access"]["handlers"] == ["access"]
    assert log_config(log_format) is not config
