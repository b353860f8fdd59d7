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
    PROPOSED = "proposed", _("Platform proposal")
    RESOLVED = "resolved", _("Resolved")
    APPEALED = "appealed", _("Appealed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class Phase(models.TextChoices):
    """Whose stage of the case a state belongs to. The lists of states the code asks
    for (the platform's cases, a mediator's open cases, the queue, what the
    dashboard counts) are drawn from this, so a new state is declared once."""

    DRAFT = "draft", _("The buyer's draft")
    PARTIES = "parties", _("Between the parties")
    PLATFORM = "platform", _("With the platform")
    SETTLEMENT = "settlement", _("Being carried out")
    ENDED = "ended", _("Ended")


PHASE_OF: dict[str, str] = {
    DisputeState.DRAFT: Phase.DRAFT,
    DisputeState.AWAITING_SELLER: Phase.PARTIES,
    DisputeState.NEGOTIATING: Phase.PARTIES,
    DisputeState.UNDER_REVIEW: Phase.PLATFORM,
    DisputeState.AWAITING_INFO: Phase.PLATFORM,
    DisputeState.PROPOSED: Phase.PLATFORM,
    DisputeState.RESOLVED: Phase.SETTLEMENT,
    DisputeState.APPEALED: Phase.PLATFORM,
    DisputeState.CLOSED: Phase.ENDED,
    DisputeState.CANCELLED: Phase.ENDED,
}
assert set(PHASE_OF) == set(DisputeState.values), "every state has its phase"


def states_in(*phases: str) -> tuple[DisputeState, ...]:
    """The states of these phases, in the order they are declared (a tuple, not a
    set: partial indexes take it, and a migration must not change between runs)."""
    return tuple(state for state in DisputeState if PHASE_OF[state] in phases)


TERMINAL_STATES = states_in(Phase.ENDED)
# The cases the platform works (a mediator's open cases): review, a question out,
# a proposal out, an appeal.
PLATFORM_STATES = states_in(Phase.PLATFORM)


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


class Party(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    SELLER = "seller", _("Seller")


class Settlement(models.TextChoices):
    """What a resolved case still waits for before it closes."""

    NONE = "", _("Nothing")
    APPEAL_WINDOW = "appeal_window", _("Appeal window open")
    REFUNDING = "refunding", _("Refund being paid")
    RETURN_SHIPMENT = "return_shipment", _("Waiting for the buyer to ship the return")
    RETURN_RECEIPT = "return_receipt", _("Waiting for the seller to confirm the return")
    REPLACEMENT = "replacement", _("Waiting for the seller to ship the replacement")
    # Issue 15 item 6: a replacement closes only once it has arrived.
    REPLACEMENT_RECEIPT = (
        "replacement_receipt",
        _("Waiting for the buyer to confirm the replacement arrived"),
    )


class ResolutionKind(models.TextChoices):
    CLAIM_ACCEPTED = "claim_accepted", _("The seller accepted the claim")
    AMICABLE = "amicable", _("Resolved amicably")
    SELLER_SILENCE = "seller_silence", _("Granted: the seller did not respond")
    DECISION = "decision", _("Platform decision")
    APPEAL = "appeal", _("Appeal decision")


class DecisionReason(models.TextChoices):
    EVIDENCE_SUPPORTS_BUYER = "evidence_supports_buyer", _("The evidence supports the buyer")
    EVIDENCE_SUPPORTS_SELLER = "evidence_supports_seller", _("The evidence supports the seller")
    SHARED_FAULT = "shared_fault", _("Shared fault")
    SELLER_NO_RESPONSE = "seller_no_response", _("The seller did not respond")
    BUYER_NO_RESPONSE = "buyer_no_response", _("The buyer did not respond")
    RETURN_NOT_SHIPPED = "return_not_shipped", _("The return was not shipped")
    OTHER = "other", _("Other")


class AppealResult(models.TextChoices):
    UPHELD = "upheld", _("Upheld")
    OVERTURNED = "overturned", _("Overturned")


class OfferStatus(models.TextChoices):
    OPEN = "open", _("Open")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    SUPERSEDED = "superseded", _("Superseded")
    EXPIRED = "expired", _("Expired")


class RefundStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    PROCESSING = "processing", _("Processing")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    # Money a lead paid back by other means after the gateway failed (SPEC 13.4):
    # a row of its own, never sent to the gateway, so that it is not taken for
    # a gateway payment and the failed attempt stays on the record as it was.
    SETTLED_OUTSIDE = "settled_outside", _("Paid outside the platform")


# Refunds that count against what was paid (SPEC section 3's ledger invariant).
COMMITTED_REFUND_STATES = (
    RefundStatus.PENDING,
    RefundStatus.PROCESSING,
    RefundStatus.SUCCEEDED,
    RefundStatus.SETTLED_OUTSIDE,
)


class ShippingPayer(models.TextChoices):
    """Who pays for shipping the goods back (issue 15 item 6)."""

    BUYER = "buyer", _("The buyer")
    SELLER = "seller", _("The seller")
    PLATFORM = "platform", _("The platform")


class CarrierStatus(models.TextChoices):
    """What a carrier says of a parcel (the carrier webhook's ``status``)."""

    IN_TRANSIT = "in_transit", _("In transit")
    DELIVERED = "delivered", _("Delivered")
    EXCEPTION = "exception", _("Delivery problem")


class ReturnProblem(models.TextChoices):
    DAMAGED = "damaged", _("Damaged")
    EMPTY = "empty", _("Empty parcel")
    DIFFERENT = "different", _("Different goods")


class Visibility(models.TextChoices):
    """Who sees an event or a message (the mediator always does)."""

    ALL = "all", _("Both parties and the mediator")
    BUYER = "buyer", _("The buyer and the mediator")
    SELLER = "seller", _("The seller and the mediator")
    MEDIATOR = "mediator", _("The mediator only")


class NotificationCategory(models.TextChoices):
    CASE = "case", _("Case updates")
    OFFERS = "offers", _("Offers and refunds")
    MESSAGES = "messages", _("Messages")
    EVIDENCE = "evidence", _("Evidence")
    DEADLINES = "deadlines", _("Deadline reminders")


# The facts each type asks for (SPEC section 3: dates, quantities, tracking):
# key -> kind ("date", "quantity" or "text").
FACTS: dict[str, dict[str, str]] = {
    DisputeType.QUALITY: {"received_on": "date", "affected_quantity": "quantity"},
    DisputeType.INCORRECT_SHIPMENT: {
        "received_on": "date",
        "expected_quantity": "quantity",
        "received_quantity": "quantity",
    },
    DisputeType.NOT_RECEIVED: {"tracking_number": "text", "last_tracking_update": "date"},
}
