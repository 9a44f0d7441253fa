"""Where settings come from (``kluis.settings``, ``kluis.setting_sources``): arguments over the
environment over secret files over the TOML file over defaults, and every mistake named with
its key, its line or its variable."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from kluis import setting_sources
from kluis.settings import ConfigError, Settings

SECRET = "postgresql+psycopg://kluis:s3cret-pw@db.example.com/kluis"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No ``KLUIS_*`` of the machine running the tests, and a data directory of the test's own."""
    for name in list(os.environ):
        if name.startswith("KLUIS_") and not name.startswith("KLUIS_TEST"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("KLUIS_DATA_DIR", str(tmp_path / "data"))
    (tmp_path / "data").mkdir()


def config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "data" / "kluis.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(**given: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        Settings(**given)  # type: ignore[arg-type]
    return caught.value.problems


def test_the_file_in_the_data_directory_is_read(tmp_path: Path) -> None:
    config(tmp_path, 'organisation_name = "Bakkerij Jansen"\nschedule_hours = 6\n')
    settings = Settings()
    assert settings.organisation_name == "Bakkerij Jansen"
    assert settings.schedule_hours == 6


def test_the_environment_overrides_the_file_and_arguments_override_both(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(tmp_path, "schedule_hours = 6\nprivacy_link_hours = 10\n")
    monkeypatch.setenv("KLUIS_SCHEDULE_HOURS", "12")
    settings = Settings(privacy_link_hours=20)
    assert (settings.schedule_hours, settings.privacy_link_hours) == (12, 20)
    origins = setting_sources.origins(Settings, os.environ, {"privacy_link_hours": 20})
    assert origins["schedule_hours"] == "environment KLUIS_SCHEDULE_HOURS"
    assert origins["privacy_link_hours"] == "argument"
    assert origins["organisation_name"] == "default"


def test_the_data_directory_given_as_an_argument_finds_its_file(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "kluis.toml").write_text("schedule_hours = 3\n")
    assert Settings(data_dir=elsewhere).schedule_hours == 3


def test_kluis_config_names_a_file_that_may_set_the_data_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    named = tmp_path / "etc" / "kluis.toml"
    named.parent.mkdir()
    named.write_text(f'data_dir = "{tmp_path / "srv"}"\nbase_url = "https://crm.example.com"\n')
    monkeypatch.delenv("KLUIS_DATA_DIR")
    monkeypatch.setenv("KLUIS_CONFIG", str(named))
    settings = Settings()
    assert settings.data_dir == tmp_path / "srv"
    assert settings.base_url == "https://crm.example.com"


def test_a_missing_named_file_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KLUIS_CONFIG", str(tmp_path / "nowhere.toml"))
    (found,) = problems()
    assert "KLUIS_CONFIG" in found
    assert "nowhere.toml" in found


def test_a_missing_file_in_the_data_directory_is_fine() -> None:
    assert Settings().organisation_name == "My organisation"


def test_the_file_in_the_data_directory_cannot_move_it(tmp_path: Path) -> None:
    config(tmp_path, f'data_dir = "{tmp_path}"\n')
    (found,) = problems()
    assert "line 1" in found
    assert "data_dir" in found
    assert "KLUIS_CONFIG" in found


def test_an_unknown_key_is_named_with_its_line(tmp_path: Path) -> None:
    path = config(
        tmp_path, '# first\nbase_url = "https://crm.example.com"\norganisation_nam = "X"\n'
    )
    (found,) = problems()
    assert found.startswith(f"{path}, line 3: unknown setting 'organisation_nam'")


def test_a_section_is_named_with_its_line(tmp_path: Path) -> None:
    config(tmp_path, 'schedule_hours = 1\n\n[mail]\nsmtp_url = "smtp://mail.example.com"\n')
    (found,) = problems()
    assert "line 3: section [mail] is not a setting" in found


def test_every_unknown_key_is_named_at_once(tmp_path: Path) -> None:
    config(tmp_path, "one = 1\ntwo = 2\n")
    assert [p.split(": ", 1)[1] for p in problems()] == [
        "unknown setting 'one'; `kluis config show` lists the settings",
        "unknown setting 'two'; `kluis config show` lists the settings",
    ]


def test_a_wrong_type_names_the_key_where_it_came_from_and_the_type(tmp_path: Path) -> None:
    path = config(tmp_path, 'schedule_hours = "daily"\n')
    with pytest.raises(ConfigError) as caught:
        Settings()
    (found,) = caught.value.problems
    assert found.startswith(f"schedule_hours (file {path}, line 1): ")
    assert found.endswith("expected a whole number")
    assert caught.value.field == "schedule_hours"


def test_a_wrong_type_in_the_environment_names_the_variable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KLUIS_SESSION_IDLE_MINUTES", "soon")
    (found,) = problems()
    assert found.startswith("session_idle_minutes (environment KLUIS_SESSION_IDLE_MINUTES): ")


def test_a_file_that_is_not_toml_is_named(tmp_path: Path) -> None:
    path = config(tmp_path, "base_url = https://crm.example.com\n")
    (found,) = problems()
    assert found.startswith(f"{path} is not valid TOML")


def test_a_secret_comes_from_the_file_its_variable_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = tmp_path / "database_url"
    secret.write_text(SECRET + "\n")
    monkeypatch.setenv("KLUIS_DATABASE_URL_FILE", str(secret))
    key = tmp_path / "master_key"
    key.write_text("a-master-key\n")
    monkeypatch.setenv("KLUIS_MASTER_KEY_FILE", str(key))
    settings = Settings()
    assert settings.database_url == SECRET
    assert settings.master_key == SecretStr("a-master-key")
    origins = setting_sources.origins(
        Settings, {"KLUIS_DATABASE_URL_FILE": str(secret), "KLUIS_DATA_DIR": str(tmp_path)}
    )
    assert origins["database_url"] == "secret file KLUIS_DATABASE_URL_FILE"


def test_a_secret_file_beats_the_configuration_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config(tmp_path, 'smtp_url = "smtp://mail.example.com"\n')
    secret = tmp_path / "smtp"
    secret.write_text("smtps://kluis:pw@mail.example.com:465")
    monkeypatch.setenv("KLUIS_SMTP_URL_FILE", str(secret))
    assert Settings().smtp_url == "smtps://kluis:pw@mail.example.com:465"


def test_an_unreadable_secret_file_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KLUIS_SMTP_URL_FILE", str(tmp_path / "missing"))
    (found,) = problems()
    assert found.startswith(f"KLUIS_SMTP_URL_FILE names {tmp_path / 'missing'}, which cannot")


def test_a_secret_given_twice_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "key"
    secret.write_text("k")
    monkeypatch.setenv("KLUIS_MASTER_KEY_FILE", str(secret))
    monkeypatch.setenv("KLUIS_MASTER_KEY", "k")
    assert problems() == ["both KLUIS_MASTER_KEY and KLUIS_MASTER_KEY_FILE are set: keep one"]


def test_only_secrets_come_from_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hours = tmp_path / "hours"
    hours.write_text("5")
    monkeypatch.setenv("KLUIS_SCHEDULE_HOURS_FILE", str(hours))
    assert Settings().schedule_hours == 24


@pytest.mark.parametrize(
    "name", ["master_key", "database_url", "keyring_url", "smtp_url", "api_token"]
)
def test_secrets_are_known_by_type_or_name(name: str) -> None:
    class WithToken(Settings):
        api_token: str = ""

    assert setting_sources.is_secret(WithToken, name)
    assert not setting_sources.is_secret(WithToken, "organisation_name")


def test_masking_keeps_a_url_but_its_password() -> None:
    assert setting_sources.masked(SECRET) == (
        "postgresql+psycopg://kluis:********@db.example.com/kluis"
    )
    assert setting_sources.masked("smtp://mail.example.com:25") == "smtp://mail.example.com:25"
    assert setting_sources.masked(SecretStr("key")) == "********"
    assert setting_sources.masked(None) == ""


@pytest.mark.parametrize("value", ["10.0.0.0/8", "127.0.0.1, ::1", "", "*"])
def test_trusted_proxies_are_addresses_or_networks(value: str) -> None:
    assert Settings(trusted_proxies=value).trusted_proxies == value


def test_a_host_name_as_a_trusted_proxy_is_refused() -> None:
    (found,) = problems(trusted_proxies="10.0.0.1, proxy.example.com")
    assert "'proxy.example.com' is not an IP address or network" in found


def test_key_lines_skip_keys_inside_sections() -> None:
    text = 'a = 1\n[t]\nb = 2\n"c" = 3\n'
    assert setting_sources.key_lines(text) == {"a": 1, "[t]": 2}
