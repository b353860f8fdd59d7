"""The demo's mediation team: every demo mediator takes cases, and the team has a
few canned replies (written by the demo's lead)."""

from __future__ import annotations

from accounts.models import Role, User
from mediation.canned_services import canned_reply_create
from mediation.models import CannedReply, MediatorProfile

DEMO_LEAD = "senior@example.com"

# (title, text): what the demo's mediators most often write.
DEMO_REPLIES = (
    (
        "Photos of the damage",
        "Dear {buyer_name},\n\nTo evaluate the situation on {reference} (order {order}), "
        "please attach photos of the damaged goods and of the box they came in, "
        "as evidence on the dispute page.\n\n{mediator_name}, mediator",
    ),
    (
        "Proof of shipment",
        "Dear {seller_name},\n\nPlease send the proof of shipment for order {order} "
        "({store}): the carrier's receipt or the tracking page showing the delivery. "
        "{deadline_rule}\n\n{mediator_name}, mediator",
    ),
    (
        "We are reviewing the case",
        "Dear {buyer_name} and {seller_name},\n\nWe have the evidence from both sides "
        "on {reference} and are evaluating it. The buyer paid {amount_paid} and "
        "claims {claimed_amount}. We will make a fair decision by {deadline}.\n\n"
        "{mediator_name}, mediator",
    ),
    (
        "Refund on its way",
        "Dear {buyer_name},\n\nThe refund of {refund_amount} for order {order} is on "
        "its way to the payment method you used.\n\n{mediator_name}, mediator",
    ),
)


def seed_roster(users: dict[str, User]) -> None:
    for user in users.values():
        if user.role == Role.MEDIATOR:
            MediatorProfile.objects.get_or_create(user=user)


def seed_canned_replies(users: dict[str, User]) -> int:
    """The demo's replies that are missing (a lead may have edited or retired the
    others: they are left as they are). Returns how many were created."""
    lead = users[DEMO_LEAD]
    created = 0
    for title, body in DEMO_REPLIES:
        if not CannedReply.objects.filter(title__iexact=title).exists():
            canned_reply_create(actor=lead, title=title, body=body)
            created += 1
    return created
