"""The key that signs the checkpoints of the chain heads (SPEC 13.4): never in the database.

Read from ``AUDIT_SIGNING_KEY`` (a PEM private key, or the base64 of the
32-byte Ed25519 seed) or from the file ``AUDIT_SIGNING_KEY_FILE`` (the same
two forms). The demo (settings/local.py) makes one in that file at first run;
production without one passes no ``check --deploy`` and signs nothing.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AuditKey:
    private: Ed25519PrivateKey

    @property
    def public(self) -> Ed25519PublicKey:
        return self.private.public_key()

    @property
    def public_raw(self) -> bytes:
        return self.public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @property
    def key_id(self) -> str:
        return key_id_of(self.public_raw)

    @property
    def public_pem(self) -> str:
        return self.public.public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()

    def sign(self, data: bytes) -> str:
        return base64.b64encode(self.private.sign(data)).decode()


def key_id_of(public_raw: bytes) -> str:
    """A short name for a public key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def verify_signature(public_raw: bytes, signature: str, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(base64.b64decode(signature), data)
    except (InvalidSignature, ValueError, binascii.Error):
        return False
    return True


def parse_private_key(text: str, *, source: str) -> Ed25519PrivateKey:
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            key = serialization.load_pem_private_key(text.encode(), password=None)
        else:
            key = Ed25519PrivateKey.from_private_bytes(base64.b64decode(text, validate=True))
    except (ValueError, TypeError, binascii.Error) as error:
        raise ImproperlyConfigured(
            f"{source} is not an Ed25519 private key (PEM, or the base64 of its 32-byte seed): {error}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured(f"{source} must be an Ed25519 key.")
    return key


def current() -> AuditKey | None:
    """The signing key of these settings, or None when none is configured."""
    return _load(
        settings.AUDIT_SIGNING_KEY,
        str(settings.AUDIT_SIGNING_KEY_FILE or ""),
        settings.AUDIT_SIGNING_KEY_CREATE,
    )


@functools.lru_cache(maxsize=4)
def _load(value: str, path: str, create: bool) -> AuditKey | None:
    if value:
        return AuditKey(parse_private_key(value, source="AUDIT_SIGNING_KEY"))
    if not path:
        return None
    file = Path(path)
    try:
        if not file.exists() and create:
            _create(file)
        text = file.read_text()
    except OSError as error:
        raise ImproperlyConfigured(f"AUDIT_SIGNING_KEY_FILE {path}: {error}") from None
    return AuditKey(parse_private_key(text, source=f"AUDIT_SIGNING_KEY_FILE {path}"))


def _create(file: Path) -> None:
    """The demo's key, made once: readable by its owner only."""
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once keep the first one's key.
        fd = os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as out:
        out.write(pem)
    log.warning("made a new audit signing key in %s (demo)", file)
