"""What the API shows of disputes, offers, messages, events and notifications.

Read-only shapes; writes go through ``disputes.services``. ``waiting_on`` and
``allowed_actions`` are computed for the viewer from the workflow table
(they read nothing but the dispute row and, once, the viewer's seniority).
"""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from core.api.prebuilt import PrebuiltFields
from disputes.api.fields import Money, Text
from disputes.choices import (
    REQUESTED_OUTCOMES,
    DisputeType,
    Outcome,
    Party,
    ResolutionKind,
    Settlement,
)
from disputes.models import Dispute, DisputeEvent, Message, Notification, Offer
from disputes.permissions import allowed_actions
from disputes.waiting import waiting_on
from disputes.workflow import deadline_sentence


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="get_full_name")


class SellerSerializer(PersonSerializer):
    store = serializers.SerializerMethodField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_store(self, user: User) -> str:
        profile = getattr(user, "seller_profile", None)
        return profile.store_name if profile else ""


WAITING_ON = ["you", "other_party", "platform", "nobody"]


class DisputeSerializer(PrebuiltFields):
    order = serializers.IntegerField(source="order_id")
    order_reference = serializers.CharField(source="order.reference")
    currency = serializers.CharField(source="order.currency")
    claimed_amount = Money()
    refund_amount = Money(allow_null=True)
    buyer = PersonSerializer()
    seller = SellerSerializer()
    deadline_rule = serializers.SerializerMethodField(
        help_text="The rule of the current wait in words, and what happens when it passes."
    )
    deadline_rule_code = serializers.CharField(source="deadline_rule")
    waiting_on = serializers.SerializerMethodField(help_text="Who must act next, for this viewer.")
    allowed_actions = serializers.SerializerMethodField(
        help_text="The transitions this viewer may take now; each is POST disputes/{id}/<name with dashes>/."
    )
    url = serializers.SerializerMethodField()
    # Empty until they apply: said so in the schema (blank is a value here).
    settlement = serializers.ChoiceField(
        choices=Settlement.choices, allow_blank=True, read_only=True
    )
    info_requested_from = serializers.ChoiceField(
        choices=Party.choices, allow_blank=True, read_only=True
    )
    open_offer_party = serializers.ChoiceField(
        choices=Party.choices, allow_blank=True, read_only=True
    )
    proposal_accepted_by = serializers.ChoiceField(
        choices=Party.choices,
        allow_blank=True,
        read_only=True,
        help_text="In state proposed: the party that has accepted the platform's proposal. "
        "The proposal itself (outcome, refund_amount, rationale) is the case's last "
        "`propose` event (GET disputes/{id}/events/).",
    )
    deadline_extended = serializers.BooleanField(
        read_only=True,
        help_text="The party the current wait is on has taken its one extension of it.",
    )
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    resolution_kind = serializers.ChoiceField(
        choices=ResolutionKind.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Dispute
        fields = [
            "id",
            "reference",
            "url",
            "order",
            "order_reference",
            "type",
            "reason",
            "description",
            "facts",
            "claimed_amount",
            "currency",
            "requested_outcome",
            "state",
            "settlement",
            "deadline_at",
            "deadline_rule",
            "deadline_rule_code",
            "waiting_on",
            "allowed_actions",
            "buyer",
            "seller",
            "info_requested_from",
            "open_offer_party",
            "proposal_accepted_by",
            "deadline_extended",
            "seller_silent",
            "is_overdue",
            "outcome",
            "refund_amount",
            "resolution_kind",
            "created_at",
            "submitted_at",
            "resolved_at",
            "closed_at",
            "updated_at",
        ]
        read_only_fields = fields

    def _viewer(self) -> User:
        return self.context["request"].user

    @extend_schema_field(OpenApiTypes.STR)
    def get_deadline_rule(self, dispute: Dispute) -> str:
        return deadline_sentence(dispute)

    @extend_schema_field(serializers.ChoiceField(choices=WAITING_ON))
    def get_waiting_on(self, dispute: Dispute) -> str:
        return waiting_on(dispute, self._viewer())

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_allowed_actions(self, dispute: Dispute) -> list[str]:
        return allowed_actions(dispute, self._viewer())

    @extend_schema_field(OpenApiTypes.URI)
    def get_url(self, dispute: Dispute) -> str:
        return self.context["request"].build_absolute_uri(
            reverse("api:dispute-detail", args=[dispute.reference])
        )


class DisputeCreateSerializer(serializers.Serializer):
    """POST disputes/: the buyer's draft (SPEC section 9)."""

    order = serializers.CharField(
        max_length=32, help_text="The order's id or its reference (ORD-…)."
    )
    type = serializers.ChoiceField(choices=DisputeType.choices)
    reason = serializers.CharField(max_length=32)
    description = Text(min_length=10, max_length=5000)
    claimed_amount = Money(min_value=Decimal("0.01"))
    requested_outcome = serializers.ChoiceField(choices=REQUESTED_OUTCOMES)
    facts = serializers.DictField(
        child=Text(max_length=200, allow_blank=True, allow_null=True),
        required=False,
        help_text="The facts the type asks for: dates (YYYY-MM-DD), quantities, tracking.",
    )


class OfferSerializer(PrebuiltFields):
    amount = Money()
    made_by = PersonSerializer()

    class Meta:
        model = Offer
        fields = [
            "id",
            "party",
            "made_by",
            "outcome",
            "amount",
            "note",
            "is_refund_request",
            "status",
            "created_at",
            "responded_at",
        ]
        read_only_fields = fields


class MessageSerializer(PrebuiltFields):
    author = PersonSerializer()
    author_party = serializers.SerializerMethodField()

    class Meta:
        model = Message
        # A redacted message has an empty body and ``redacted_at`` set.
        fields = ["id", "author", "author_party", "body", "visibility", "created_at", "redacted_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=["buyer", "seller", "mediator"]))
    def get_author_party(self, message: Message) -> str:
        return self.context["dispute"].party_of(message.author) or "mediator"


class MessageCreateSerializer(serializers.Serializer):
    body = Text(max_length=5000)
    visibility = serializers.ChoiceField(choices=["all", "buyer", "seller"], default="all")
    # Multipart: each file becomes evidence of the dispute (the evidence rules apply).
    attachments = serializers.ListField(
        child=serializers.FileField(), required=False, max_length=5, default=list
    )
    # Evidence items of this dispute the author sees; the message links to each.
    evidence_refs = serializers.ListField(
        child=serializers.IntegerField(min_value=1), required=False, max_length=50, default=list
    )


class EventSerializer(PrebuiltFields):
    actor = PersonSerializer(allow_null=True)

    class Meta:
        model = DisputeEvent
        fields = [
            "seq",
            "kind",
            "actor",
            "actor_role",
            "from_state",
            "to_state",
            "details",
            "visibility",
            "created_at",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


class NotificationSerializer(PrebuiltFields):
    # About a dispute, or about an order's conversation before any (then dispute is null).
    dispute = serializers.CharField(source="dispute.reference", allow_null=True, default=None)
    dispute_id = serializers.IntegerField(allow_null=True)
    order = serializers.CharField(source="order.reference", allow_null=True, default=None)

    class Meta:
        model = Notification
        fields = [
            "id",
            "dispute",
            "dispute_id",
            "order",
            "category",
            "title",
            "body",
            "created_at",
            "read_at",
        ]
        read_only_fields = fields
