"""The dispute vocabulary of SPEC section 3; the API uses these values as written."""

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class DisputeState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_SELLER = "awaiting_seller", _("Awaiting seller")
    NEGOTIATING = "negotiating", _("Negotiating")
    UNDER_REVIEW = "under_review", _("Under review")
    AWAITING_INFO = "awaiting_info", _("Awaiting information")
    RESOLVED = "resolved", _("Resolved")
    APPEALED = "appealed", _("Appealed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


TERMINAL_STATES = frozenset({DisputeState.CLOSED, DisputeState.CANCELLED})


class DisputeType(models.TextChoices):
    QUALITY = "quality", _("Product quality problem")
    INCORRECT_SHIPMENT = "incorrect_shipment", _("Incorrect shipment")
    NOT_RECEIVED = "not_received", _("Not received")


REASONS: dict[str, list[tuple[str, str | Promise]]] = {
    DisputeType.QUALITY: [
        ("damaged", _("Damaged")),
        ("defective", _("Defective")),
        ("not_as_described", _("Not as described")),
        ("counterfeit", _("Counterfeit")),
        ("other", _("Other")),
    ],
    DisputeType.INCORRECT_SHIPMENT: [
        ("wrong_item", _("Wrong item")),
        ("wrong_quantity", _("Wrong quantity")),
        ("wrong_specification", _("Wrong specification")),
        ("missing_items", _("Missing items")),
        ("other", _("Other")),
    ],
    DisputeType.NOT_RECEIVED: [
        ("no_tracking", _("No tracking")),
        ("tracking_stalled", _("Tracking stalled")),
        ("tracking_shows_delivered", _("Tracking shows delivered")),
        ("other", _("Other")),
    ],
}

ALL_REASON_CODES = sorted({code for codes in REASONS.values() for code, _label in codes})


class Outcome(models.TextChoices):
    FULL_REFUND = "full_refund", _("Full refund")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")
    RETURN_AND_REFUND = "return_and_refund", _("Return and refund")
    REPLACEMENT = "replacement", _("Replacement / reshipment")
    CLAIM_REJECTED = "claim_rejected", _("Claim rejected")


# What a buyer may ask for: every outcome but a rejection.
REQUESTED_OUTCOMES = [c for c in Outcome.choices if c[0] != Outcome.CLAIM_REJECTED]
