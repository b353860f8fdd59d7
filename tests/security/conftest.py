"""The platform's audit key for the checkpoint and case-file tests."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from django.test import Client

from disputes import audit_key


def new_seed() -> str:
    return base64.b64encode(
        Ed25519PrivateKey.generate().private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    ).decode()


@pytest.fixture
def signing_key(settings):
    """The platform's key for this test (tests make their own, never the demo's)."""
    settings.AUDIT_SIGNING_KEY = new_seed()
    settings.AUDIT_SIGNING_KEY_FILE = ""
    return audit_key.current()


@pytest.fixture
def published_key(signing_key, tmp_path) -> Path:
    """The public key as a party saves it from the platform's URL."""
    response = Client().get("/.well-known/disputes-audit-key")
    path = tmp_path / "disputes-audit-key.json"
    path.write_bytes(response.content)
    return path
