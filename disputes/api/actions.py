"""The input of each transition the API offers: ``POST disputes/{id}/<action>/``.

Every action is one service of ``disputes.services.SERVICES``; these
serializers only check the shape of the input (types, choices, lengths), the
services check everything else and raise typed errors.
"""

from __future__ import annotations

from rest_framework import serializers

from disputes.api.fields import Money, Text
from disputes.choices import (
    REQUESTED_OUTCOMES,
    AppealResult,
    DecisionReason,
    Outcome,
    Party,
    ReturnProblem,
)

# What can be offered: every outcome but a rejection (the same as a buyer may ask for).
OFFER_OUTCOMES = REQUESTED_OUTCOMES


class NoInput(serializers.Serializer):
    pass


class RejectClaimInput(serializers.Serializer):
    note = Text(max_length=5000, required=False, allow_blank=True, default="")


class MakeOfferInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=OFFER_OUTCOMES)
    amount = Money(
        required=False, default="0", help_text="The refund offered; 0 for a replacement."
    )
    note = Text(max_length=5000, required=False, allow_blank=True, default="")


class OfferRefInput(serializers.Serializer):
    offer = serializers.IntegerField(min_value=1, max_value=2**62, help_text="The open offer's id.")


class DeclineOfferInput(OfferRefInput):
    note = Text(max_length=5000, required=False, allow_blank=True, default="")


class RequestRefundInput(serializers.Serializer):
    amount = Money()
    rationale = Text(max_length=5000)


class EscalateInput(serializers.Serializer):
    justification = Text(
        min_length=10,
        max_length=5000,
        help_text="Why the platform should decide (10 characters at least).",
    )


class RequestInfoInput(serializers.Serializer):
    party = serializers.ChoiceField(choices=Party.choices)
    question = Text(max_length=5000)


class ProvideInfoInput(serializers.Serializer):
    answer = Text(max_length=5000)


class DecideInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    refund_amount = Money(required=False, default="0")
    reason_code = serializers.ChoiceField(choices=DecisionReason.choices)
    rationale = Text(
        min_length=20, max_length=10000, help_text="Shown to both parties (20 characters at least)."
    )
    rules_applied = Text(max_length=5000, required=False, allow_blank=True, default="")
    evidence_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
        max_length=60,
        help_text="The evidence the decision relied on: ids of this case's items (GET evidence/).",
    )


class AppealInput(serializers.Serializer):
    explanation = Text(
        min_length=20, max_length=10000, help_text="The new information (20 characters at least)."
    )


class DecideAppealInput(serializers.Serializer):
    result = serializers.ChoiceField(choices=AppealResult.choices)
    outcome = serializers.ChoiceField(
        choices=Outcome.choices,
        required=False,
        allow_null=True,
        default=None,
        help_text="The new outcome when the decision is overturned.",
    )
    refund_amount = Money(required=False, default="0")
    rationale = Text(min_length=20, max_length=10000)
    evidence_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        required=False,
        default=list,
        max_length=60,
        help_text="The evidence the decision relied on: ids of this case's items (GET evidence/).",
    )


class CancelInput(serializers.Serializer):
    reason = Text(max_length=5000, required=False, allow_blank=True, default="")


class ShipmentInput(serializers.Serializer):
    carrier = Text(max_length=64)
    tracking_number = Text(max_length=64)


class ReturnProblemInput(serializers.Serializer):
    problem = serializers.ChoiceField(choices=ReturnProblem.choices)
    note = Text(max_length=5000, required=False, allow_blank=True, default="")


# transition name → (input, summary). The path is the name with dashes.
ACTIONS: dict[str, tuple[type[serializers.Serializer], str]] = {
    "submit": (NoInput, "Submit the draft: the seller sees the case from now on (buyer)."),
    "accept_claim": (NoInput, "Accept the buyer's claim as asked (seller)."),
    "reject_claim": (RejectClaimInput, "Reject the claim and negotiate (seller)."),
    "make_offer": (MakeOfferInput, "Offer a refund, a return and refund, or a replacement."),
    "request_refund": (
        RequestRefundInput,
        "Request a refund with an amount and a rationale (buyer).",
    ),
    "decline_offer": (DeclineOfferInput, "Decline the open offer (the side it was made to)."),
    "accept_offer": (
        OfferRefInput,
        "Accept the open offer: amicable and final (the side it was made to).",
    ),
    "escalate": (EscalateInput, "Switch to a formal dispute: the platform decides (either party)."),
    "request_info": (RequestInfoInput, "Ask one party a question, with a deadline (mediator)."),
    "provide_info": (ProvideInfoInput, "Answer the mediator's question (the party asked)."),
    "decide": (DecideInput, "Decide the case with a rationale both parties see (mediator)."),
    "appeal": (AppealInput, "Appeal the decision, once, with new information (a party)."),
    "decide_appeal": (
        DecideAppealInput,
        "Uphold or overturn the decision (senior mediator, not the first decider).",
    ),
    "ship_return": (ShipmentInput, "Enter the return's carrier and tracking number (buyer)."),
    "confirm_return": (NoInput, "Confirm the return arrived: the refund is issued (seller)."),
    "report_return_problem": (ReturnProblemInput, "Report a problem with what came back (seller)."),
    "ship_replacement": (
        ShipmentInput,
        "Enter the replacement's carrier and tracking number (seller).",
    ),
    "cancel": (CancelInput, "Cancel the dispute; final (buyer, before resolution)."),
}
