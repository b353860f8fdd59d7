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
from disputes.workflow import TRANSITIONS

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


# The input of each transition a person takes; its summary is the table's
# (``Transition.summary``). The path is the name with dashes.
INPUTS: dict[str, type[serializers.Serializer]] = {
    "submit": NoInput,
    "accept_claim": NoInput,
    "reject_claim": RejectClaimInput,
    "make_offer": MakeOfferInput,
    "request_refund": RequestRefundInput,
    "decline_offer": DeclineOfferInput,
    "accept_offer": OfferRefInput,
    "escalate": EscalateInput,
    "request_info": RequestInfoInput,
    "provide_info": ProvideInfoInput,
    "decide": DecideInput,
    "appeal": AppealInput,
    "decide_appeal": DecideAppealInput,
    "ship_return": ShipmentInput,
    "confirm_return": NoInput,
    "report_return_problem": ReturnProblemInput,
    "ship_replacement": ShipmentInput,
    "cancel": CancelInput,
}
# transition name → (input, summary).
ACTIONS: dict[str, tuple[type[serializers.Serializer], str]] = {
    name: (input_class, TRANSITIONS[name].summary) for name, input_class in INPUTS.items()
}
