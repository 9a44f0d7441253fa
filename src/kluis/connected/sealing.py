"""The keys of connected systems, derived (HKDF, RFC 5869) from the key-encryption key for one
use each: webhook secrets belong to the controller, not to a person, so a person's key would
be wrong for them; an erasure notice's identifier must outlive the person's key until the
system confirms, so it is sealed under a notice key and deleted at the confirmation. The
confirmation link is signed with a third (itsdangerous, HMAC-SHA256)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from itsdangerous import BadSignature, URLSafeSerializer

from kluis.errors import KluisError
from kluis.runtime import Kluis

_NONCE = 12


class ConfirmationInvalid(KluisError):
    slug = "confirmation-invalid"
    title = "Confirmation link not valid"
    status = 403


def _derive(k: Kluis, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(
        k.vault.key_encryption_key
    )


def _seal(key: bytes, label: str, value: str) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + AESGCM(key).encrypt(nonce, value.encode(), label.encode())


def _open(key: bytes, label: str, blob: bytes) -> str:
    try:
        return AESGCM(key).decrypt(blob[:_NONCE], blob[_NONCE:], label.encode()).decode()
    except InvalidTag as exc:
        raise KluisError(f"{label} does not decrypt with this master key") from exc


def seal_secret(k: Kluis, system_id: int, secret: str) -> bytes:
    return _seal(_derive(k, b"kluis/v1/connected-secrets"), f"secret:{system_id}", secret)


def open_secret(k: Kluis, system_id: int, blob: bytes) -> str:
    return _open(_derive(k, b"kluis/v1/connected-secrets"), f"secret:{system_id}", blob)


def seal_subject(k: Kluis, message_id: str, external_id: str) -> bytes:
    return _seal(_derive(k, b"kluis/v1/connected-notices"), f"notice:{message_id}", external_id)


def open_subject(k: Kluis, message_id: str, blob: bytes) -> str:
    return _open(_derive(k, b"kluis/v1/connected-notices"), f"notice:{message_id}", blob)


def _serializer(k: Kluis) -> URLSafeSerializer:
    return URLSafeSerializer(_derive(k, b"kluis/v1/connected-confirm"), salt="connected-confirm")


def confirm_token(k: Kluis, message_id: str) -> str:
    return str(_serializer(k).dumps(message_id))


def confirmed_message(k: Kluis, token: str) -> str:
    """The notice a confirmation link names; a link not signed by this Kluis is refused."""
    try:
        value = _serializer(k).loads(token)
    except BadSignature as exc:
        raise ConfirmationInvalid(
            "this confirmation link is not signed by Kluis; use the confirm_url of the notice"
        ) from exc
    if not isinstance(value, str):
        raise ConfirmationInvalid("this confirmation link names no notice")
    return value
