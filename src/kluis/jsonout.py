"""Indented JSON for people to read, written faster than ``json.dumps(indent=2)``.

A person's access package (GDPR Art. 15, 20) is one JSON document of a few hundred KiB that
they open themselves, so it stays indented. In Python 3.11 an ``indent`` makes ``json.dumps``
leave its C encoder for the pure-Python one, a generator per nested value: that was about half
the CPU of an access export (``docs/performance.md``). ``dumps`` writes the same bytes as
``json.dumps(value, ensure_ascii=False, indent=2)`` (and its ``default``) by a plain recursion
that puts each string through the C string encoder the standard library uses
(``json.encoder.encode_basestring``); ``tests/test_jsonout.py`` holds the two to the same output.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

_string: Callable[[str], str] = json.encoder.encode_basestring
_INDENT = "  "


def _float(value: float) -> str:
    """As the standard encoder writes a float (``allow_nan`` on, its default)."""
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: Any) -> str:
    """A dict key as JSON text: a string, or a number, boolean or None said as one."""
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True:
        return "true"
    if key is False:
        return "false"
    if key is None:
        return "null"
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {key.__class__.__name__}")


def _scalar(value: Any) -> str | None:
    """The JSON text of a string, number, boolean or None; None for anything else."""
    if isinstance(value, str):
        return _string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    return None


def _write(
    value: Any,
    newline: str,
    out: list[str],
    default: Callable[[Any], Any] | None,
    seen: set[int],
) -> None:
    """Append ``value``'s text to ``out``; ``newline`` is a line break and the current indent."""
    text = _scalar(value)
    if text is not None:
        out.append(text)
        return
    if isinstance(value, list | tuple):
        if not value:
            out.append("[]")
            return
        _enter(value, seen)
        inner = newline + _INDENT
        opening = "[" + inner
        separator = "," + inner
        for index, item in enumerate(value):
            lead = separator if index else opening
            if type(item) is str:
                out.append(lead + _string(item))
                continue
            text = _scalar(item)
            if text is None:
                out.append(lead)
                _write(item, inner, out, default, seen)
            else:
                out.append(lead + text)
        out.append(newline + "]")
        seen.discard(id(value))
    elif isinstance(value, dict):
        if not value:
            out.append("{}")
            return
        _enter(value, seen)
        inner = newline + _INDENT
        opening = "{" + inner
        separator = "," + inner
        first = True
        for key, item in value.items():
            lead = (opening if first else separator) + _string(
                key if type(key) is str else _key(key)
            )
            first = False
            if type(item) is str:
                out.append(lead + ": " + _string(item))
                continue
            text = _scalar(item)
            if text is None:
                out.append(lead + ": ")
                _write(item, inner, out, default, seen)
            else:
                out.append(lead + ": " + text)
        out.append(newline + "}")
        seen.discard(id(value))
    elif default is None:
        raise TypeError(f"Object of type {value.__class__.__name__} is not JSON serializable")
    else:
        _enter(value, seen)
        _write(default(value), newline, out, default, seen)
        seen.discard(id(value))


def _enter(value: Any, seen: set[int]) -> None:
    if id(value) in seen:
        raise ValueError("Circular reference detected")
    seen.add(id(value))


def dumps(value: Any, *, default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(value, ensure_ascii=False, indent=2, default=default)``, the same text."""
    out: list[str] = []
    _write(value, "\n", out, default, set())
    return "".join(out)
