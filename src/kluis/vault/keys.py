"""The master key and what is derived from it.

One secret (32 random bytes) is kept outside the databases: in ``KLUIS_MASTER_KEY`` or in a file
created with mode 0600. HKDF-SHA256 (RFC 5869) derives independent keys from it, each bound to
its use by the ``info`` label, so that the key that wraps person keys is never the key that makes
blind indexes.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kluis.errors import KluisError

MASTER_KEY_BYTES = 32


class MasterKeyError(KluisError):
    slug = "master-key"
    title = "Master key problem"
    status = 500


@dataclass(frozen=True)
class DerivedKeys:
    """The keys Kluis works with; the master key itself is not kept."""

    key_encryption_key: bytes
    blind_index_key: bytes
    signing_key: bytes = b""
    """Signs the tokens in links sent to people (unsubscribe, preferences, confirmation)."""
    register_key: bytes = b""
    """Authenticates the lines of the erasure register file (``kluis.vault.register``)."""


def _hkdf(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


def derive_keys(master: bytes) -> DerivedKeys:
    if len(master) != MASTER_KEY_BYTES:
        raise MasterKeyError(f"the master key must be {MASTER_KEY_BYTES} bytes, got {len(master)}")
    return DerivedKeys(
        key_encryption_key=_hkdf(master, b"kluis/v1/key-encryption"),
        blind_index_key=_hkdf(master, b"kluis/v1/blind-index"),
        signing_key=_hkdf(master, b"kluis/v1/link-signing"),
        register_key=_hkdf(master, b"kluis/v1/erasure-register"),
    )


def decode_master_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError) as exc:
        raise MasterKeyError(
            "KLUIS_MASTER_KEY is not URL-safe base64 of 32 bytes; make one with "
            "`python -c 'import base64,os;"
            "print(base64.urlsafe_b64encode(os.urandom(32)).decode())'`"
        ) from exc
    if len(raw) != MASTER_KEY_BYTES:
        raise MasterKeyError(
            f"the master key must decode to {MASTER_KEY_BYTES} bytes, it decodes to {len(raw)}"
        )
    return raw


def new_master_key_text() -> str:
    return base64.urlsafe_b64encode(secrets.token_bytes(MASTER_KEY_BYTES)).decode("ascii")


def load_master_key(env_value: str | None, key_file: Path, *, create: bool) -> bytes:
    """The master key from the environment, else from ``key_file`` (created when ``create``).

    The file is created with ``O_EXCL`` and mode 0600 so it is never readable by others, not even
    for an instant; an existing file readable by group or others is refused, as ssh does.
    """
    if env_value:
        return decode_master_key(env_value)
    if key_file.exists():
        mode = stat.S_IMODE(key_file.stat().st_mode)
        if mode & 0o077:
            raise MasterKeyError(
                f"{key_file} is readable by others (mode {mode:o}); run `chmod 600 {key_file}`"
            )
        return decode_master_key(key_file.read_text())
    if not create:
        raise MasterKeyError(
            f"no master key: set KLUIS_MASTER_KEY or run `kluis init` to create {key_file}"
        )
    key_file.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(new_master_key_text() + "\n")
    return decode_master_key(key_file.read_text())
