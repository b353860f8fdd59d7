"""The platform's own interventions on the record (a redaction, an order's correction)
are staff's, and each says why: the reason goes into its event."""

from __future__ import annotations

from accounts.models import User
from disputes.errors import InvalidInput, NotYours

MIN_REASON = 10
MAX_REASON = 1000


def staff_reason(actor: User, reason: str | None, *, refusal: str, ask: str) -> str:
    """The reason, stripped, once ``actor`` is staff and it says enough (``ask``: what a
    reason looks like here, e.g. "such as the court order")."""
    if not actor.is_staff:
        raise NotYours(refusal)
    text = (reason or "").strip()
    if len(text) < MIN_REASON:
        raise InvalidInput(f"{ask} (at least {MIN_REASON} characters).", field="reason")
    if len(text) > MAX_REASON:
        raise InvalidInput(f"The reason can have at most {MAX_REASON} characters.", field="reason")
    return text
