"""System checks of the disputes app."""

from __future__ import annotations

from typing import Any

from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def audit_signing_key_configured(**kwargs: Any) -> list[checks.CheckMessage]:
    """Production signs the chain heads (SPEC 13.4): without a key, ``check --deploy`` fails.

    The processes still start without one (the beat task then logs an error at
    every run), so a missing secret stops a deployment, not a running site.
    """
    from disputes import audit_key

    if audit_key.current() is not None:
        return []
    return [
        checks.Error(
            "No audit signing key: the chain heads are not signed, so a rewrite of the "
            "record by someone with database access would go unnoticed.",
            hint="Set AUDIT_SIGNING_KEY or AUDIT_SIGNING_KEY_FILE (docs/audit.md).",
            id="disputes.E001",
        )
    ]
