"""Configuration (pydantic-settings): ``KLUIS_*`` environment variables over a TOML file.

Everything has a default that works on a laptop: a data directory with an SQLite data file, a
separate SQLite keyring file and a master-key file. The keyring is kept apart from the data on
purpose: a data backup must never carry the keys that decrypt it (DESIGN.md, *Keys, erasure and
backups*).

Each setting is read, strongest first, from the arguments given, ``KLUIS_<NAME>``,
``KLUIS_<NAME>_FILE`` (secrets only), the configuration file (``KLUIS_CONFIG``, else
``kluis.toml`` in the data directory) and the default; ``kluis.setting_sources`` says how the
file is found. A setting that cannot be read is a ``ConfigError`` naming it and where it came
from, so the server and every command stop with one clear line instead of a traceback.
"""

from __future__ import annotations

import ipaddress
import os
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

from kluis import setting_sources
from kluis.errors import KluisError


class ConfigError(KluisError):
    """The configuration cannot be used as written; ``problems`` each name a setting, where it
    came from and what is wrong."""

    slug = "configuration"
    title = "Configuration error"
    status = 500

    def __init__(self, problems: list[str], field: str | None = None) -> None:
        super().__init__("; ".join(problems), field=field)
        self.problems = problems


class Settings(BaseSettings):
    """Kluis settings; each field is read from ``KLUIS_<NAME>`` or the configuration file."""

    model_config = SettingsConfigDict(env_prefix="KLUIS_", extra="ignore")

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except setting_sources.SourceError as exc:
            raise ConfigError(exc.problems) from None
        except ValidationError as exc:
            errors = exc.errors()
            raise ConfigError(
                setting_sources.invalid(type(self), errors, os.environ, values),
                field=str(errors[0]["loc"][0]) if errors and errors[0]["loc"] else None,
            ) from None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, environment, secret files, the TOML file; no ``.env`` file and no
        secrets directory (one way to give a secret: ``KLUIS_<NAME>_FILE``)."""
        del dotenv_settings, file_secret_settings
        init = getattr(init_settings, "init_kwargs", {})
        found = setting_sources.config_file(settings_cls, init, os.environ)
        return (
            init_settings,
            env_settings,
            setting_sources.SecretFiles(settings_cls, os.environ),
            setting_sources.TomlFile(settings_cls, found),
        )

    data_dir: Path = Field(
        default=Path("kluis-data"),
        description="Directory holding the SQLite files and the master-key file.",
    )
    database_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the data store; default the SQLite file kluis.db "
        "in the data directory. postgresql+psycopg://user@host/db works.",
    )
    keyring_url: str | None = Field(
        default=None,
        description="SQLAlchemy URL of the keyring store (person keys and erasure register); "
        "default its own SQLite file keyring.db in the data directory.",
    )
    master_key: SecretStr | None = Field(
        default=None,
        description="Base64 (URL-safe) of 32 random bytes. When unset, the file master.key "
        "in the data directory is used, created with mode 0600 at first start.",
    )
    base_url: str = Field(
        default="http://127.0.0.1:8000",
        description="Public address of this Kluis, used in links sent to people.",
    )
    default_region: str = Field(
        default="NL",
        description="ISO 3166 country whose numbering plan applies to phone numbers written "
        "without a country code.",
    )
    soft_opt_in_channels: str = Field(
        default="email",
        description="Comma-separated channels on which customers may receive commercial "
        "messages without consent until they opt out (soft opt-in; ePrivacy Art. 13(2)).",
    )
    evidence_max_bytes: int = Field(
        default=25 * 1024 * 1024,
        description="Largest consent evidence file accepted (a call recording, a scan).",
    )
    smtp_url: str | None = Field(
        default=None,
        description="Mail server: smtp://host:25, smtp+starttls://user:pass@host:587 or "
        "smtps://user:pass@host:465.",
    )
    mail_from_transactional: str = Field(
        default="service@localhost",
        description="Sender of transactional mail (service messages, confirmations).",
    )
    mail_from_commercial: str = Field(
        default="news@localhost",
        description="Sender of commercial mail (campaigns); kept apart so replies and "
        "reputation of the two kinds do not mix.",
    )
    unsubscribe_mailto: str | None = Field(
        default=None,
        description="Address for mailto: unsubscribe requests in List-Unsubscribe (RFC 2369).",
    )
    marketing_purpose: str = Field(
        default="email_marketing",
        description="Purpose a commercial message sent on consent needs: the person must have "
        "been collected for it, and the address is read under it.",
    )
    soft_opt_in_purpose: str = Field(
        default="existing_customer_marketing",
        description="Purpose a commercial message sent under the customer soft opt-in needs "
        "(ePrivacy Art. 13(2)): held by customers told at the sale; the address is read under it.",
    )
    service_purpose: str = Field(
        default="customer_service",
        description="Purpose a transactional message needs: the person must have been "
        "collected for it, and the address is read under it.",
    )
    privacy_purpose: str = Field(
        default="privacy_requests",
        description="Purpose under which privacy requests read and answer a person "
        "(it must cover everyone).",
    )
    privacy_link_hours: int = Field(
        default=72,
        ge=1,
        description="How long the link that verifies a request made on the public /privacy "
        "page stays valid.",
    )
    reconfirm_days_before: int = Field(
        default=30,
        ge=1,
        description="How many days before a consent's re-confirm-by date the person is asked, "
        "once, to re-confirm it.",
    )
    schedule_hours: int = Field(
        default=24,
        ge=0,
        description="How often the server runs the retention sweep and the re-confirmation "
        "mailing, in hours; 0 turns the schedule off (run the CLI commands from cron).",
    )
    session_idle_minutes: int = Field(
        default=30,
        ge=1,
        le=720,
        description="A staff web session ends after this many minutes without a request (and "
        "after 12 hours in all).",
    )
    backup_dir: Path | None = Field(
        default=None,
        description="Where `kluis backup create` and `prune` work when no directory is given; "
        "`kluis check` looks here for keyring snapshots past their window.",
    )
    keyring_backup_days: int = Field(
        default=35,
        ge=1,
        description="How long keyring snapshots are kept before `kluis backup prune` deletes "
        "them: after this window no copy of an erased person's key exists anywhere.",
    )
    pg_bindir: Path | None = Field(
        default=None,
        description="Directory of the PostgreSQL client tools (pg_dump, pg_restore) for "
        "backups; default: found on PATH or under /usr/lib/postgresql.",
    )
    link_max_age_days: int = Field(
        default=90,
        description="How long unsubscribe and preference links in e-mail stay valid.",
    )
    signup_ttl_hours: int = Field(
        default=72,
        ge=1,
        description="How long a sign-up waits for its double opt-in confirmation: after that "
        "its link stops working and the unconfirmed sign-up is deleted.",
    )
    organisation_name: str = Field(
        default="My organisation",
        description="Name of the controller, shown in notices and the record of processing.",
    )
    organisation_address: str = Field(
        default="",
        description="Postal address of the controller (Art. 13(1)(a), 30(1)(a)).",
    )
    organisation_contact: str = Field(
        default="privacy@localhost",
        description="E-mail address people and the authority use to reach the controller about "
        "privacy (Art. 13(1)(a), 30(1)(a)).",
    )
    representative: str | None = Field(
        default=None,
        description="Name and contact of the representative in the EU (Art. 27), for a "
        "controller established outside it; none otherwise.",
    )
    dpo_name: str | None = Field(
        default=None,
        description="Name of the data protection officer (Art. 37), if one is designated.",
    )
    dpo_contact: str | None = Field(
        default=None,
        description="Contact details of the data protection officer (Art. 13(1)(b)).",
    )
    supervisory_authority: str = Field(
        default="Autoriteit Persoonsgegevens, https://autoriteitpersoonsgegevens.nl",
        description="The supervisory authority people may complain to (Art. 13(2)(d)).",
    )

    # --- observe ---
    log_format: Literal["text", "json"] = Field(
        default="text",
        description="How the server writes its log: `text` (one line per event, for a console) or "
        "`json` (one JSON object per line, for a log collector). Never a personal value.",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info",
        description="Level of Kluis's own and the web server's loggers; other libraries stay at "
        "`warning` (SQL statements and their parameters are never logged).",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="Bearer token a scraper sends for `GET /metrics` (Prometheus format); "
        "unset: `/metrics` answers 404.",
    )

    @field_validator("log_format", "log_level", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        """``KLUIS_LOG_LEVEL=DEBUG`` as well as ``debug``: the level names of Python's logging."""
        return value.lower() if isinstance(value, str) else value

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.data_dir / 'kluis.db').resolve()}"

    @property
    def resolved_keyring_url(self) -> str:
        return self.keyring_url or f"sqlite:///{(self.data_dir / 'keyring.db').resolve()}"

    @property
    def master_key_file(self) -> Path:
        return self.data_dir / "master.key"

    # --- config ---
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses or networks (CIDR) of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto (or Forwarded, KLUIS_PROXY_HEADER) headers give "
        "the client's address and scheme; "
        "from anyone else those headers are ignored. Empty: no proxy is trusted.",
    )
    hsts_seconds: int = Field(
        default=31_536_000,
        ge=0,
        description="max-age of the Strict-Transport-Security header (RFC 6797) sent on "
        "requests that arrived over HTTPS; 0 sends none.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _addresses(cls, value: str) -> str:
        """A host name would trust nothing (uvicorn compares it as text): refuse it."""
        for item in (part.strip() for part in value.split(",")):
            if not item or item == "*":
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"{item!r} is not an IP address or network (CIDR such as 10.0.0.0/8)"
                ) from None
        return value

    # --- discover ---
    discover_capture_days: int = Field(
        default=30,
        ge=1,
        description="Days the identifiers captured at an erasure (sealed with a key of their "
        "own) stay usable for `kluis discover` searches of old files; then the key is "
        "destroyed.",
    )
    discover_upload_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1,
        description="Largest old file accepted by the request page's search upload (kept only "
        "for the search, then removed).",
    )

    # --- admin ---
    import_max_bytes: int = Field(
        default=50 * 1024 * 1024,
        ge=1024,
        description="The largest file the staff pages accept for an import (bytes); a larger "
        "one is refused with a clear message before it is read. `kluis contacts import` has "
        "no limit.",
    )

    # --- tasks ---
    time_zone: str = Field(
        default="Europe/Amsterdam",
        description="The organisation's time zone (IANA name): when a task's day begins and "
        "ends (overdue, today, this week), when the daily task reminder goes out, and the "
        "clock the dates and times on staff pages are said in.",
    )
    task_reminder_hour: int = Field(
        default=7,
        ge=0,
        le=23,
        description="The hour of the day (in `time_zone`) from which the daily task reminder "
        "mail goes to staff who asked for it; 0-23.",
    )

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        """An unknown zone would fail at the first task list, not at start: refuse it here."""
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"{value!r} is not a time zone name (such as Europe/Amsterdam)"
            ) from None
        return value

    # --- channels ---
    sms_url: str | None = Field(
        default=None,
        description="SMS provider: twilio://ACCOUNT_SID:AUTH_TOKEN@/?from=%2B3197010000000 "
        "(the sender number or a messaging service id MG...). Unset: SMS is refused. "
        "docs/channels.md",
    )
    whatsapp_url: str | None = Field(
        default=None,
        description="WhatsApp provider: twilio://ACCOUNT_SID:AUTH_TOKEN@/?from=%2B3197010000000 "
        "(the WhatsApp sender). Unset: WhatsApp is refused. docs/channels.md",
    )

    # --- connected ---
    connected_retry_days: int = Field(
        default=3,
        ge=1,
        description="Days a notice to a connected system's webhook or mailbox is retried, with "
        "exponential backoff, before it is marked failed (Art. 19).",
    )
    connected_confirm_days: int = Field(
        default=7,
        ge=1,
        description="Days after which a notice to a connected system that is still unconfirmed "
        "is a finding of `kluis check`.",
    )
    connected_deliver_hours: int = Field(
        default=1,
        ge=0,
        description="Hours between the runs of the job that sends the due notices to connected "
        "systems (connected.deliver); 0 turns it off (send with `kluis systems deliver`).",
    )
    connected_timeout_seconds: float = Field(
        default=10.0,
        gt=0,
        description="Timeout of one webhook call to a connected system.",
    )
    connected_mail_language: str = Field(
        default="nl",
        pattern="^(nl|en)$",
        description="Language of the e-mail notices to connected systems' privacy contacts "
        "(nl or en).",
    )
    # --- post ---
    post_font: str | None = Field(
        default=None,
        description="A TrueType font file embedded in the labels and letters of post mailings "
        "(e.g. /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf); without it they use Helvetica, "
        "whose Latin-1 covers Dutch, and other characters print as their nearest Latin-1 letter.",
    )

    # --- reqmail ---
    request_final_days: int = Field(
        default=3,
        ge=0,
        description="Days before a request's deadline at which the final erasure certificate is "
        "sent even though connected systems have not all confirmed (it lists them as not yet).",
    )
    request_mail_late_hours: int = Field(
        default=24,
        ge=1,
        description="Hours after which a request mail still not sent is a finding of "
        "`kluis check`.",
    )

    # --- reqjobs ---
    proxy_header: Literal["x-forwarded", "forwarded", "both"] = Field(
        default="x-forwarded",
        description="Which header of a trusted proxy gives the client's address and scheme: "
        "x-forwarded (X-Forwarded-For and X-Forwarded-Proto), forwarded (RFC 7239 Forwarded), "
        "or both (Forwarded when present, else X-Forwarded-*; only when the proxy strips or "
        "overwrites both, or a client could name its own address).",
    )

    # --- channels ---
    post_file_minutes: int = Field(
        default=60,
        ge=1,
        le=7 * 24 * 60,
        description="Minutes a post mailing's file made as a job (CSV, labels, letters) is kept, "
        "sealed, for the staff member who asked, when they do not download it (the download "
        "deletes it at once).",
    )
