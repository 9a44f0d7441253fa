"""``kluis config show`` and ``check``, the file ``kluis init`` writes, and the base URL ``kluis
serve`` derives when none is configured."""

from __future__ import annotations

import json
import os
import stat
import tomllib
from pathlib import Path

import pytest

from cli_helpers import ok, run
from kluis import setting_sources
from kluis.cli_init import TEMPLATE
from kluis.cli_serve import served_url, with_base_url
from kluis.settings import Settings

PASSWORD = "s3cret-pw"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for name in list(os.environ):
        if name.startswith("KLUIS_") and not name.startswith("KLUIS_TEST"):
            monkeypatch.delenv(name)
    data_dir = tmp_path / "data"
    monkeypatch.setenv("KLUIS_DATA_DIR", str(data_dir))
    return data_dir


def test_show_lists_every_setting_with_its_source_and_secrets_masked(
    clean_environment: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    clean_environment.mkdir()
    (clean_environment / "kluis.toml").write_text(
        'organisation_name = "Bakkerij Jansen"\n'
        f'smtp_url = "smtp+starttls://kluis:{PASSWORD}@mail.example.com:587"\n'
    )
    secret = tmp_path / "master_key"
    secret.write_text("a-master-key-that-stays-hidden\n")
    monkeypatch.setenv("KLUIS_MASTER_KEY_FILE", str(secret))
    monkeypatch.setenv("KLUIS_SCHEDULE_HOURS", "6")

    shown = ok("config", "show").stdout
    assert PASSWORD not in shown
    assert "a-master-key-that-stays-hidden" not in shown
    lines = {line.split()[0]: line for line in shown.splitlines()[1:]}
    assert set(lines) == set(Settings.model_fields)
    toml = clean_environment / "kluis.toml"
    assert lines["organisation_name"].endswith(f"[file {toml}, line 1]")
    assert "kluis:********@mail.example.com:587" in lines["smtp_url"]
    assert lines["master_key"].split()[1:] == [
        "********",
        "[secret",
        "file",
        "KLUIS_MASTER_KEY_FILE]",
    ]
    assert lines["schedule_hours"].endswith("6  [environment KLUIS_SCHEDULE_HOURS]")
    assert lines["default_region"].endswith("NL  [default]")

    listed = json.loads(ok("config", "show", "--json").stdout)
    assert listed["file"] == str(toml)
    by_name = {row["name"]: row for row in listed["settings"]}
    assert by_name["organisation_name"]["source"] == f"file {toml}, line 1"
    assert by_name["master_key"]["value"] == "********"
    assert by_name["schedule_hours"]["variable"] == "KLUIS_SCHEDULE_HOURS"


def test_check_says_ok(clean_environment: Path) -> None:
    assert ok("config", "check").stdout == "ok\n"


def test_check_warns_of_a_kluis_variable_no_setting_reads(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLUIS_SMTP_ULR", "smtp://mail.example.com")
    monkeypatch.setenv("KLUIS_SOMETHING_ELSE", "1")
    monkeypatch.setenv("KLUIS_CONFIG", "")  # read by the file lookup, not a setting
    monkeypatch.setenv("KLUIS_PORT", "8000")  # the container entrypoint's
    result = run("config", "check")
    assert result.exit_code == 0
    assert result.stdout == "ok\n"
    assert result.stderr.splitlines() == [
        "warning: KLUIS_SMTP_ULR is not a Kluis setting and is ignored; did you mean "
        "KLUIS_SMTP_URL?",
        "warning: KLUIS_SOMETHING_ELSE is not a Kluis setting and is ignored; `kluis config "
        "show` lists them",
    ]


def test_secret_file_variables_are_settings_too(clean_environment: Path) -> None:
    environ = {"KLUIS_MASTER_KEY_FILE": "/run/secrets/key", "KLUIS_TEST_POSTGRES": "1"}
    assert setting_sources.unknown_variables(Settings, environ) == []


def test_check_names_every_problem_and_exits_1(clean_environment: Path) -> None:
    clean_environment.mkdir()
    toml = clean_environment / "kluis.toml"
    toml.write_text('base_url = "https://crm.example.com"\nbase_ulr = "typo"\n[mail]\n')
    result = run("config", "check")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"error: {toml}, line 2: unknown setting 'base_ulr'; `kluis config show` lists the "
        "settings",
        f"error: {toml}, line 3: section [mail] is not a setting; settings are top-level keys "
        "(see `kluis config show` for their names)",
    ]
    toml.write_text('schedule_hours = "daily"\n')
    result = run("config", "check")
    assert result.exit_code == 1
    assert "schedule_hours (file" in result.stderr
    assert "expected a whole number" in result.stderr


def test_other_commands_refuse_a_bad_configuration_in_one_line(clean_environment: Path) -> None:
    clean_environment.mkdir()
    (clean_environment / "kluis.toml").write_text("organisation_nam = 'typo'\n")
    result = run("purposes", "list")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: ")
    assert "unknown setting 'organisation_nam'" in (result.stderr)


def test_the_template_sets_nothing_and_names_only_real_settings() -> None:
    assert tomllib.loads(TEMPLATE) == {}
    named = {
        line[2:].split(" = ")[0]
        for line in TEMPLATE.splitlines()
        if line.startswith("# ") and " = " in line
    }
    assert named <= set(Settings.model_fields)
    assert {"organisation_name", "organisation_contact", "base_url", "smtp_url"} <= named


def test_init_writes_the_file_once(clean_environment: Path) -> None:
    first = ok("init").stdout
    toml = clean_environment / "kluis.toml"
    assert f"Wrote {toml}" in first
    assert toml.read_text() == TEMPLATE
    assert stat.S_IMODE(toml.stat().st_mode) == 0o600
    toml.write_text('organisation_name = "Bakkerij Jansen"\n')
    second = ok("init").stdout
    assert "Wrote" not in second
    assert toml.read_text() == 'organisation_name = "Bakkerij Jansen"\n'
    assert Settings().organisation_name == "Bakkerij Jansen"


@pytest.mark.parametrize(
    ("host", "port", "url"),
    [
        ("127.0.0.1", 31800, "http://127.0.0.1:31800"),
        ("0.0.0.0", 8080, "http://127.0.0.1:8080"),  # noqa: S104
        ("crm.example.com", 80, "http://crm.example.com:80"),
        ("::1", 9000, "http://[::1]:9000"),
    ],
)
def test_served_url(host: str, port: int, url: str) -> None:
    assert served_url(host, port) == url


def test_serve_links_follow_the_port_unless_a_base_url_is_configured(
    clean_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert with_base_url(Settings(), "127.0.0.1", 31800).base_url == "http://127.0.0.1:31800"
    clean_environment.mkdir()
    (clean_environment / "kluis.toml").write_text('base_url = "https://crm.example.com"\n')
    assert with_base_url(Settings(), "127.0.0.1", 31800).base_url == "https://crm.example.com"
    monkeypatch.setenv("KLUIS_BASE_URL", "https://other.example.com")
    assert with_base_url(Settings(), "127.0.0.1", 31800).base_url == "https://other.example.com"
