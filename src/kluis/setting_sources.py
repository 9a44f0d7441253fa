"""Where settings come from besides the environment: the TOML file and secret files.

Kluis reads, from strongest to weakest: the arguments a program passes (tests), the environment
(``KLUIS_<NAME>``), a secret file the environment names (``KLUIS_<NAME>_FILE``, the way container
secrets arrive), the configuration file, the default. The server and every command read the same
file, so a command needs no copy of the server's environment.

The file is found before anything else is read, so it cannot say where it is itself:

1. ``KLUIS_CONFIG`` names it; it must exist, and it may set ``data_dir``;
2. otherwise it is ``kluis.toml`` in the data directory (the ``data_dir`` passed in, else
   ``KLUIS_DATA_DIR``, else the default); it may be missing, and it may not move ``data_dir``.

A typo in the file must not silently do nothing: an unknown key is an error naming it and its
line, and so is a section (settings are top-level keys). This module knows no Kluis setting; it
serves any ``BaseSettings`` class whose fields it is given.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, get_args
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr
from pydantic_core import ErrorDetails
from pydantic_settings import BaseSettings, InitSettingsSource, TomlConfigSettingsSource

PREFIX = "KLUIS_"
CONFIG_VARIABLE = "KLUIS_CONFIG"
FILE_NAME = "kluis.toml"
SECRET_SUFFIXES = ("_key", "_token", "_password", "_secret", "_url")
"""Settings whose name ends so are secrets (masked when shown, readable from a secret file), as
are those of type ``SecretStr`` and those marked ``json_schema_extra={"secret": True}``: a URL
may hold a password."""
MASK = "********"
NOT_SETTINGS = ("KLUIS_CONFIG", "KLUIS_BIN", "KLUIS_HOST", "KLUIS_PORT", "KLUIS_MIGRATE")
"""``KLUIS_`` variables that are read by something other than the settings: the file's name, and
the container entrypoint's (``deploy/entrypoint.sh``)."""
NOT_SETTING_PREFIXES = ("KLUIS_TEST_", "KLUIS_BENCH_", "KLUIS_SCALE_", "KLUIS_HYPOTHESIS_")
"""Variables of the test suite and the benchmarks."""
EXPECTED = {int: "a whole number", bool: "true or false", Path: "a path"}
"""A type in words; anything else is ``text``."""

_LINE = re.compile(
    r"""^\s*(?:\[\[?\s*(?P<table>[^\]]+?)\s*\]|(?P<q>["']?)(?P<key>[\w.-]+)(?P=q)\s*=)"""
)


class SourceError(ValueError):
    """A configuration that cannot be read as written; ``problems`` each name the variable,
    key or file and what to do."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def variable(name: str) -> str:
    return f"{PREFIX}{name.upper()}"


def is_secret(settings_cls: type[BaseSettings], name: str) -> bool:
    field = settings_cls.model_fields[name]
    extra = field.json_schema_extra
    marked = isinstance(extra, dict) and extra.get("secret") is True
    typed = "SecretStr" in str(field.annotation)
    return marked or typed or name.endswith(SECRET_SUFFIXES)


def masked(value: object) -> str:
    """A secret as it may be shown: a URL without its password, anything else as ``MASK``."""
    if value is None:
        return ""
    text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
    if "://" in text:
        parts = urlsplit(text)
        if parts.password is None:
            return text
        user = f"{parts.username}:{MASK}@" if parts.username else f":{MASK}@"
        host = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=user + host))
    return MASK if text else ""


@dataclass(frozen=True)
class ConfigFile:
    path: Path
    named: bool
    """Named by ``KLUIS_CONFIG`` (must exist, may set ``data_dir``) rather than found in the
    data directory."""


def config_file(
    settings_cls: type[BaseSettings], init: Mapping[str, Any], environ: Mapping[str, str]
) -> ConfigFile:
    """The configuration file, in the order of the module's docstring."""
    named = environ.get(CONFIG_VARIABLE)
    if named:
        return ConfigFile(Path(named).expanduser(), True)
    data_dir = init.get("data_dir") or environ.get(variable("data_dir"))
    if data_dir is None:
        data_dir = settings_cls.model_fields["data_dir"].default
    return ConfigFile(Path(data_dir).expanduser() / FILE_NAME, False)


def key_lines(text: str) -> dict[str, int]:
    """The line of each top-level key and each ``[section]`` (as ``[name]``) of a TOML text."""
    lines: dict[str, int] = {}
    in_table = False
    for number, line in enumerate(text.splitlines(), start=1):
        found = _LINE.match(line)
        if found is None:
            continue
        if found["table"] is not None:
            in_table = True
            lines.setdefault(f"[{found['table'].split('.')[0].strip()}]", number)
        elif not in_table:
            lines.setdefault(found["key"].split(".")[0], number)
    return lines


class TomlFile(TomlConfigSettingsSource):
    """The configuration file (pydantic-settings' TOML source), refusing what it does not know."""

    def __init__(self, settings_cls: type[BaseSettings], found: ConfigFile) -> None:
        self.found = found
        self.lines: dict[str, int] = {}
        path = found.path
        if found.named and not path.is_file():
            raise SourceError(
                [
                    f"{CONFIG_VARIABLE} names {path}, which is not a file: "
                    "correct the name or unset it"
                ]
            )
        try:
            super().__init__(settings_cls, toml_file=path)
            if path.is_file():
                self.lines = key_lines(path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise SourceError([f"{path} is not valid TOML: {exc}"]) from None
        except (OSError, UnicodeDecodeError) as exc:
            raise SourceError([f"{path} cannot be read: {exc}"]) from None
        problems = [self._refusal(key) for key in self.toml_data if self._refused(key)]
        if problems:
            raise SourceError(problems)

    def _refused(self, key: str) -> bool:
        fields = self.settings_cls.model_fields
        table = isinstance(self.toml_data[key], dict)
        return table or key not in fields or (key == "data_dir" and not self.found.named)

    def _refusal(self, key: str) -> str:
        where = self.where(key)
        if isinstance(self.toml_data[key], dict):
            return (
                f"{where}: section [{key}] is not a setting; settings are top-level keys "
                "(see `kluis config show` for their names)"
            )
        if key == "data_dir":
            return (
                f"{where}: data_dir cannot be set in the file inside the data directory; set "
                f"{variable('data_dir')}, or name a file elsewhere with {CONFIG_VARIABLE}"
            )
        return f"{where}: unknown setting {key!r}; `kluis config show` lists the settings"

    def where(self, key: str) -> str:
        """``path, line N`` of ``key`` (or its section), for messages."""
        line = self.lines.get(key) or self.lines.get(f"[{key}]")
        return f"{self.found.path}, line {line}" if line else str(self.found.path)


class SecretFiles(InitSettingsSource):
    """``KLUIS_<NAME>_FILE``: a secret setting read from the file the variable names (Docker and
    Kubernetes mount secrets as files, keeping them out of the environment and ``ps``)."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self.variables: dict[str, str] = {}
        values: dict[str, str] = {}
        problems = []
        for name in settings_cls.model_fields:
            named = environ.get(f"{variable(name)}_FILE")
            if named is None or not is_secret(settings_cls, name):
                continue
            self.variables[name] = f"{variable(name)}_FILE"
            if variable(name) in environ:
                problems.append(
                    f"both {variable(name)} and {variable(name)}_FILE are set: keep one"
                )
                continue
            try:
                values[name] = Path(named).read_text(encoding="utf-8").strip()
            except (OSError, UnicodeDecodeError) as exc:
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
                problems.append(
                    f"{variable(name)}_FILE names {named}, which cannot be read ({reason}): "
                    "mount the secret there or correct the variable"
                )
        if problems:
            raise SourceError(problems)
        super().__init__(settings_cls, values)


def origins(
    settings_cls: type[BaseSettings],
    environ: Mapping[str, str],
    init: Mapping[str, Any] | None = None,
) -> dict[str, str]:
    """Where each setting's value comes from: ``argument``, ``environment KLUIS_X``, ``secret
    file KLUIS_X_FILE``, ``file PATH, line N`` or ``default``, in the order they win."""
    given = dict(init or {})
    toml = TomlFile(settings_cls, config_file(settings_cls, given, environ))
    secrets = SecretFiles(settings_cls, environ)
    upper = {key.upper() for key in environ}
    found = {}
    for name in settings_cls.model_fields:
        if name in given:
            found[name] = "argument"
        elif variable(name) in upper:
            found[name] = f"environment {variable(name)}"
        elif name in secrets.init_kwargs:
            found[name] = f"secret file {secrets.variables[name]}"
        elif name in toml.toml_data:
            found[name] = f"file {toml.where(name)}"
        else:
            found[name] = "default"
    return found


def unknown_variables(settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> list[str]:
    """Each ``KLUIS_`` variable of the environment that no setting reads, with the nearest
    setting's variable when one is close: ``KLUIS_SMTP_ULR`` would otherwise be ignored
    without a word and mail would stay off, the same silent typo the file refuses. A warning
    rather than an error, because the environment is shared with other programs."""
    names = {variable(name) for name in settings_cls.model_fields}
    readable = names | {f"{variable(n)}_FILE" for n in settings_cls.model_fields}
    found = []
    for key in sorted(environ):
        upper = key.upper()
        if not upper.startswith(PREFIX) or upper in readable or upper in NOT_SETTINGS:
            continue
        if upper.startswith(NOT_SETTING_PREFIXES):
            continue
        near = difflib.get_close_matches(upper, sorted(readable), n=1, cutoff=0.8)
        hint = f"; did you mean {near[0]}?" if near else "; `kluis config show` lists them"
        found.append(f"{key} is not a Kluis setting and is ignored{hint}")
    return found


def expected(settings_cls: type[BaseSettings], name: str) -> str:
    """What a setting takes, in words (``a whole number``, ``text``)."""
    annotation = settings_cls.model_fields[name].annotation
    kinds = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    return EXPECTED.get(kinds[0], "text") if isinstance(kinds[0], type) else "text"


def invalid(
    settings_cls: type[BaseSettings],
    errors: list[ErrorDetails],
    environ: Mapping[str, str],
    given: Mapping[str, Any],
) -> list[str]:
    """Each invalid value as ``name (where it came from): what is wrong; expected ...``."""
    try:
        where = origins(settings_cls, environ, given)
    except SourceError:
        where = {}
    problems = []
    for error in errors:
        name = str(error["loc"][0]) if error["loc"] else "?"
        if name not in settings_cls.model_fields:
            problems.append(f"{name}: {error['msg']}")
            continue
        problems.append(
            f"{name} ({where.get(name, 'given')}): {error['msg']}; "
            f"expected {expected(settings_cls, name)}"
        )
    return problems
