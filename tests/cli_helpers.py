"""Running ``kluis`` commands in tests as a person would see them: exit codes, stdout, and the
one ``error [field]: ...`` line on stderr that every refusal prints."""

from __future__ import annotations

import json
import re
from typing import Any

from typer.testing import CliRunner, Result

from kluis.cli import app

ERROR_LINE = re.compile(r"^error(?: \[(?P<field>[a-z0-9_]+)\])?: (?P<detail>.+)$", re.MULTILINE)

runner = CliRunner()


def run(*args: str) -> Result:
    return runner.invoke(app, list(args))


def ok(*args: str, quiet: bool = True) -> Result:
    """A command that succeeds; ``quiet`` also wants nothing on stderr (progress bars go there)."""
    result = run(*args)
    assert result.exit_code == 0, (result.exit_code, result.output, result.exception)
    if quiet:
        assert result.stderr == ""
    return result


def ok_json(*args: str, quiet: bool = True) -> Any:
    return json.loads(ok(*args, "--json", quiet=quiet).stdout)


def refused(*args: str, field: str | None) -> str:
    """A command that fails as a person sees it: exit 1, one ``error [field]: ...`` line on
    stderr, nothing on stdout. Returns the detail."""
    result = run(*args)
    assert result.exit_code == 1, (result.exit_code, result.output, result.exception)
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.stdout == ""
    match = ERROR_LINE.fullmatch(result.stderr.strip())
    assert match is not None, result.stderr
    assert match["field"] == field, result.stderr
    return match["detail"]
