"""``{id}`` in API paths: the numeric id or the reference, scoped to the viewer (404 otherwise)."""

from __future__ import annotations

import re

from django.http import Http404

from accounts.models import User
from disputes.models import Dispute
from disputes.selectors import dispute_for_user, disputes_visible_to

REFERENCE = re.compile(r"[A-Z]{3}-[A-Za-z0-9]{1,16}")
MAX_ID = 2**63 - 1


def dispute_for_api(user: User, ident: str) -> Dispute:
    """The dispute by id or reference, or 404: forged, foreign and malformed ids alike."""
    if ident.isascii() and ident.isdigit() and int(ident) <= MAX_ID:
        try:
            return (
                disputes_visible_to(user)
                # What the dispute's representation shows: its order, the parties
                # and the seller's store (the mediator is an id there).
                .select_related("order", "buyer", "seller", "seller__seller_profile")
                .get(pk=int(ident))
            )
        except Dispute.DoesNotExist:
            raise Http404("No such dispute.") from None
    if REFERENCE.fullmatch(ident):
        return dispute_for_user(user, ident)
    raise Http404("No such dispute.")
