"""The process's log: one line per event, as text or JSON, never a personal value.

A log is kept for weeks, shipped to collectors and read by people who may not see the CRM's
contents (GDPR Art. 5(1)(f), Art. 32; OWASP Logging Cheat Sheet). So:

- one line per event, whatever the event: a collector (journald, Docker, Loki) takes a line as
  an entry, and a traceback spread over lines becomes many entries;
- ``KLUIS_LOG_FORMAT=json`` writes each event as one JSON object; access lines carry their parts
  as fields (client, method, target, status) after ``kluis.accesslog.RedactAccess`` removed
  query strings and link tokens;
- an exception is written as its type and its stack (file, line, function) and never its
  message: messages are where values show up (a driver quoting a row, a parser quoting input);
- Kluis's, the web server's and the job queue's (procrastinate: job names, ids, outcomes)
  loggers log at ``KLUIS_LOG_LEVEL``; every other library stays at
  WARNING, so SQLAlchemy's statement log, which carries parameters, is never switched on.

``log_config`` is the ``logging.config.dictConfig`` dictionary that ``kluis serve`` hands to
uvicorn; ``configure`` installs it in any other process (a worker, a command).
"""

from __future__ import annotations

import json
import logging
import logging.config
import traceback
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from kluis.accesslog import RedactAccess
from kluis.settings import Settings

_ACCESS_FIELDS = ("client", "method", "target", "http_version", "status")


def _moment(record: logging.LogRecord) -> str:
    at = datetime.fromtimestamp(record.created, UTC)
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _stack(tb: TracebackType | None) -> list[str]:
    return [f"{f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(tb)]


def _exception(record: logging.LogRecord) -> dict[str, Any] | None:
    """The exception's type, its causes' types and its stack; no message (see the module)."""
    if not record.exc_info or record.exc_info[1] is None:
        return None
    exc: BaseException | None = record.exc_info[1]
    types: list[str] = []
    stack = _stack(record.exc_info[2])
    while exc is not None and len(types) < 10:
        types.append(f"{type(exc).__module__}.{type(exc).__qualname__}")
        exc = exc.__cause__ or exc.__context__
    return {"type": types[0], "causes": types[1:], "stack": stack}


def _message(record: logging.LogRecord) -> str:
    try:
        return record.getMessage()
    except (TypeError, ValueError):  # arguments that do not fit the format: keep neither
        return f"{record.msg!s} (unformattable arguments left out)"


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC), level, logger, process, message, and the parts of
    an access line or an exception as fields of their own."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _moment(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "message": _message(record),
        }
        args = record.args
        if record.name == "uvicorn.access" and isinstance(args, tuple) and len(args) == 5:
            entry.update(zip(_ACCESS_FIELDS, args, strict=True))
        exception = _exception(record)
        if exception is not None:
            entry["exception"] = exception
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """``time level logger: message`` on one line; an exception follows as its type and stack."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{_moment(record)} {record.levelname} {record.name}: {_message(record)}"
        exception = _exception(record)
        if exception is not None:
            causes = "".join(f" <- {cause}" for cause in exception["causes"])
            line += f" [{exception['type']}{causes} at {' <- '.join(exception['stack'][::-1])}]"
        return line.replace("\r", "\\r").replace("\n", "\\n")


def log_config(log_format: str = "text", level: str = "info") -> dict[str, Any]:
    """The logging configuration of a Kluis process (``logging.config.dictConfig`` schema)."""
    formatter = JsonFormatter if log_format == "json" else TextFormatter
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"kluis": {"()": formatter}},
        "filters": {"redact_access": {"()": RedactAccess}},
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "kluis",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "kluis",
                "filters": ["redact_access"],
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "kluis": {"handlers": ["default"], "level": upper, "propagate": False},
            "uvicorn": {"handlers": ["default"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": ["access"], "level": upper, "propagate": False},
            # the job queue's worker: job names, ids and outcomes (arguments are ids only)
            "procrastinate": {"handlers": ["default"], "level": upper, "propagate": False},
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
    }


def configure(settings: Settings) -> None:
    """Install the configuration of ``settings`` (``KLUIS_LOG_FORMAT``, ``KLUIS_LOG_LEVEL``) in
    this process: for processes that do not run uvicorn (``kluis worker``, commands)."""
    logging.config.dictConfig(log_config(settings.log_format, settings.log_level))
