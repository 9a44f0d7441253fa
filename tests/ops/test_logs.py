"""The log's formatters: one line per event, JSON when asked, an exception as its type and stack
but never its message, and access lines redacted before either format sees them."""

from __future__ import annotations

import json
import logging
import logging.config
import sys
from collections.abc import Iterator

import pytest

from kluis.ops.logs import JsonFormatter, TextFormatter, configure, log_config
from kluis.settings import Settings

SECRET = "wiebrenda.zwartkruis@example.com"
CONFIGURED = ("", "kluis", "uvicorn", "uvicorn.error", "uvicorn.access")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """Put back the loggers a configuration changes, so that later tests' ``caplog`` still sees
    Kluis's records (the configuration stops them propagating to the root)."""
    kept = []
    for name in CONFIGURED:
        logger = logging.getLogger(name)
        kept.append((logger, list(logger.handlers), logger.level, logger.propagate))
    try:
        yield
    finally:
        for logger, handlers, level, propagate in kept:
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate = propagate


def _record(
    name: str, msg: str, args: tuple[object, ...] = (), *, failing: bool = False
) -> logging.LogRecord:
    exc_info = None
    if failing:
        try:
            try:
                raise KeyError(SECRET)
            except KeyError as inner:
                raise ValueError(f"no such person {SECRET}\nsecond line") from inner
        except ValueError:
            exc_info = sys.exc_info()
    return logging.LogRecord(name, logging.ERROR, __file__, 1, msg, args, exc_info)


@pytest.mark.parametrize("formatter", [JsonFormatter(), TextFormatter()])
def test_an_exception_is_one_line_with_its_types_and_stack_but_no_message(
    formatter: logging.Formatter,
) -> None:
    line = formatter.format(_record("kluis.test", "it failed\non two lines", failing=True))
    assert "\n" not in line
    assert SECRET not in line
    assert "ValueError" in line
    assert "KeyError" in line
    assert "test_logs.py" in line


def test_json_lines_carry_the_fields_a_collector_indexes() -> None:
    entry = json.loads(JsonFormatter().format(_record("kluis.test", "%s mails sent", (3,))))
    assert entry["message"] == "3 mails sent"
    assert entry["level"] == "error"
    assert entry["logger"] == "kluis.test"
    assert entry["time"].endswith("Z")
    assert "exception" not in entry


def test_an_access_line_is_redacted_and_split_into_fields(
    capsys: pytest.CaptureFixture[str],
) -> None:
    logging.config.dictConfig(log_config("json", "info"))
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d',
        "127.0.0.1:5000",
        "GET",
        f"/unsubscribe/eyJhbGciOiJIUzI1NiJ9.token?email={SECRET}",
        "1.1",
        200,
    )
    [line] = capsys.readouterr().out.splitlines()
    entry = json.loads(line)
    assert entry["target"] == "/unsubscribe/[redacted]?[redacted]"
    assert (entry["method"], entry["status"], entry["client"]) == ("GET", 200, "127.0.0.1:5000")
    assert SECRET not in line


@pytest.mark.usefixtures("restored_logging")
def test_sql_statements_stay_out_of_the_log_at_debug() -> None:
    configure(Settings(log_level="debug"))
    assert logging.getLogger("kluis.anything").isEnabledFor(logging.DEBUG)
    assert logging.getLogger("uvicorn.error").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("sqlalchemy.engine.Engine").isEnabledFor(logging.INFO)


def test_settings_take_the_names_in_either_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLUIS_LOG_FORMAT", "JSON")
    monkeypatch.setenv("KLUIS_LOG_LEVEL", "DEBUG")
    assert (Settings().log_format, Settings().log_level) == ("json", "debug")
