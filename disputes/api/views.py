"""Disputes through the API: the same scoped selectors and services as the pages.

No business logic here: a view finds what the viewer may see (404 otherwise),
checks the shape of the input and calls one service; typed errors become
JSON answers in ``core.api.errors``.
"""

from __future__ import annotations

from typing import Any

from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.pagination import EventCursor, MessageCursor, PageNumbers
from core.api.parsers import JSONParser
from core.api.views import ApiView
from disputes.api.actions import ACTIONS
from disputes.api.filters import DisputeFilter
from disputes.api.lookups import dispute_for_api
from disputes.api.serializers import (
    DisputeCreateSerializer,
    DisputeSerializer,
    EventSerializer,
    MessageCreateSerializer,
    MessageSerializer,
    NotificationSerializer,
    OfferSerializer,
)
from disputes.models import Dispute
from disputes.search import search_text, search_thread
from disputes.selectors import (
    dispute_list,
    messages_for,
    notifications_for,
    offers_for,
    timeline_for,
)
from disputes.services import SERVICES, dispute_create
from disputes.services.attachments import message_post_with_evidence
from disputes.services.inbox import notification_mark_read
from orders.api.lookups import order_for_api

ID = OpenApiParameter(
    "id",
    OpenApiTypes.STR,
    OpenApiParameter.PATH,
    description="The dispute's id or its reference (DSP-…).",
)
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The same key and body give the same answer and one effect (kept 24 hours).",
)
THREAD_SEARCH = OpenApiParameter(
    "q",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    required=False,
    description=(
        'Only the messages holding these words (websearch syntax: "a phrase", -word, or); '
        "at most 100 characters."
    ),
)
ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    404: ErrorSerializer,
    429: ErrorSerializer,
}
POST_ERRORS = {**ERRORS, 409: ErrorSerializer, 422: ErrorSerializer}
# Writes to a case: a mediator's to a case not assigned to them answer 403 (not_your_case).
CASE_WRITE_ERRORS = {**POST_ERRORS, 403: ErrorSerializer}

DISPUTE_EXAMPLE = OpenApiExample(
    "A dispute waiting on the seller",
    response_only=True,
    value={
        "id": 42,
        "reference": "DSP-7KQ2M9XA",
        "url": "/api/v1/disputes/DSP-7KQ2M9XA/",
        "order": 17,
        "order_reference": "ORD-3HD8W2PL",
        "type": "quality",
        "reason": "damaged",
        "description": "Half of the mugs arrived broken.",
        "facts": {"received_on": "2026-01-05", "affected_quantity": 6},
        "claimed_amount": "60.00",
        "currency": "USD",
        "requested_outcome": "partial_refund",
        "state": "awaiting_seller",
        "settlement": "",
        "deadline_at": "2026-01-09T10:00:00Z",
        "deadline_rule": "The seller has 3 days to respond; then the platform steps in.",
        "deadline_rule_code": "seller_response",
        "waiting_on": "other_party",
        "allowed_actions": ["cancel"],
        "buyer": {"id": 3, "name": "Bea Buyer"},
        "seller": {"id": 5, "name": "Sam Seller", "store": "Harbour Ceramics"},
        "info_requested_from": "",
        "open_offer_party": "",
        "seller_silent": False,
        "is_overdue": False,
        "outcome": "",
        "refund_amount": None,
        "resolution_kind": "",
        "created_at": "2026-01-06T09:58:00Z",
        "submitted_at": "2026-01-06T10:00:00Z",
        "resolved_at": None,
        "closed_at": None,
        "updated_at": "2026-01-06T10:00:00Z",
    },
)


EVENT_EXAMPLE = OpenApiExample(
    "The seller's offer in the timeline",
    response_only=True,
    value={
        "seq": 3,
        "kind": "make_offer",
        "actor": {"id": 5, "name": "Sam Seller"},
        "actor_role": "seller",
        "from_state": "awaiting_seller",
        "to_state": "negotiating",
        "details": {"offer": 9, "outcome": "partial_refund", "amount": "10.00", "note": ""},
        "visibility": "all",
        "created_at": "2026-01-06T11:00:00Z",
        "prev_hash": "2b6bf52c…",
        "hash": "9f1c0d7e…",
    },
)
OFFER_EXAMPLE = OpenApiExample(
    "An open offer",
    response_only=True,
    value={
        "id": 10,
        "party": "buyer",
        "made_by": {"id": 3, "name": "Bea Buyer"},
        "outcome": "partial_refund",
        "amount": "25.00",
        "note": "Six broke, not two.",
        "is_refund_request": False,
        "status": "open",
        "created_at": "2026-01-06T12:00:00Z",
        "responded_at": None,
    },
)
MESSAGE_EXAMPLE = OpenApiExample(
    "A message from the buyer",
    response_only=True,
    value={
        "id": 7,
        "author": {"id": 3, "name": "Bea Buyer"},
        "author_party": "buyer",
        "body": "The photos of the broken mugs are attached.",
        "visibility": "all",
        "created_at": "2026-01-06T10:05:00Z",
    },
)
NOTIFICATION_EXAMPLE = OpenApiExample(
    "An unread notification",
    response_only=True,
    value={
        "id": 74,
        "dispute": "DSP-7KQ2M9XA",
        "dispute_id": 42,
        "category": "decision",
        "title": "DSP-7KQ2M9XA: the platform decided",
        "body": "",
        "created_at": "2026-01-08T09:00:00Z",
        "read_at": None,
    },
)


def _dispute_response(request: Request, dispute: Dispute, code: int = 200) -> Response:
    """The dispute as GET shows it, re-read after the change.

    Not through the viewer's scope again: the viewer passed it before acting,
    and a senior mediator who closes an appeal is no longer among the
    mediators the selector lets see the case, yet must get the answer.
    """
    fresh = Dispute.objects.select_related(
        "order", "buyer", "seller", "seller__seller_profile", "assigned_mediator"
    ).get(pk=dispute.pk)
    return Response(DisputeSerializer(fresh, context={"request": request}).data, status=code)


def _transition_response(request: Request, updated: Dispute, read_before: Dispute) -> Response:
    """The dispute as GET shows it after a transition, without reading it again.

    The service hands back the row it locked and changed (every column as
    committed, with its order); the buyer, the seller and the seller's store,
    which no transition changes, are the ones read for the scope check.
    """
    updated.buyer = read_before.buyer
    updated.seller = read_before.seller
    return Response(DisputeSerializer(updated, context={"request": request}).data)


class DisputeListView(ApiView):
    serializer_class = DisputeSerializer
    pagination_class = PageNumbers
    filter_backends = [DjangoFilterBackend]
    filterset_class = DisputeFilter
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self) -> Any:
        return dispute_list(self.viewer)

    @extend_schema(
        summary="Disputes the viewer may see",
        description=(
            "Paginated; filters `state`, `type`, `overdue`, `q` (a reference of the dispute "
            "or order, a party's or store's name, words of the description or of the "
            "messages the viewer may read; at most 100 characters)."
        ),
        responses={200: DisputeSerializer(many=True), **ERRORS},
        examples=[DISPUTE_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        disputes = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(disputes)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Open a dispute (a draft, until submitted)",
        request=DisputeCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: DisputeSerializer, **POST_ERRORS},
        examples=[
            OpenApiExample(
                "Broken goods, partial refund",
                request_only=True,
                value={
                    "order": "ORD-3HD8W2PL",
                    "type": "quality",
                    "reason": "damaged",
                    "description": "Half of the mugs arrived broken.",
                    "claimed_amount": "60.00",
                    "requested_outcome": "partial_refund",
                    "facts": {"received_on": "2026-01-05", "affected_quantity": "6"},
                },
            ),
            DISPUTE_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        data = _valid(DisputeCreateSerializer, request)
        order = order_for_api(self.viewer, data.pop("order"), field="order")
        dispute = dispute_create(order=order, actor=self.viewer, **data)
        return _dispute_response(request, dispute, status.HTTP_201_CREATED)


def _valid(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DisputeDetailView(ApiView):
    serializer_class = DisputeSerializer

    @extend_schema(
        summary="One dispute, with who must act and what this viewer may do now",
        parameters=[ID],
        responses={200: DisputeSerializer, **ERRORS},
        examples=[DISPUTE_EXAMPLE],
    )
    def get(self, request: Request, id: str) -> Response:
        dispute = dispute_for_api(self.viewer, id)
        return Response(self.get_serializer(dispute).data)


class TransitionView(ApiView):
    """``POST disputes/{id}/<action>/``: one service, then the dispute as it left it."""

    transition = ""
    serializer_class = DisputeSerializer

    def post(self, request: Request, id: str) -> Response:
        input_class, _summary = ACTIONS[self.transition]
        # 404 before anything else: a foreign case answers the same whatever the body.
        dispute = dispute_for_api(self.viewer, id)
        data = _valid(input_class, request)
        service: Any = SERVICES[self.transition]
        updated = service(dispute=dispute, actor=self.viewer, **data)
        return _transition_response(request, updated, dispute)


def transition_view(name: str) -> type[TransitionView]:
    input_class, summary = ACTIONS[name]

    def post(self: TransitionView, request: Request, id: str) -> Response:
        return TransitionView.post(self, request, id)

    # A function of its own per action: the schema is attached to it.
    post = extend_schema(
        operation_id=f"disputes_{name}",
        summary=summary,
        description=(
            f"Runs the `{name}` transition. Answers 200 with the dispute as the transition "
            "left it (a refund it starts is paid in the background and shows on the next GET); "
            "409 with a stable `code` when the transition is not allowed now or lost to a "
            "concurrent one; 403 `not_your_case` to a mediator when the case is not assigned "
            "to them."
        ),
        parameters=[ID, IDEMPOTENCY],
        request=input_class,
        responses={200: DisputeSerializer, **CASE_WRITE_ERRORS},
        examples=[DISPUTE_EXAMPLE],
    )(post)
    return type(
        f"{''.join(part.title() for part in name.split('_'))}View",
        (TransitionView,),
        {"transition": name, "__doc__": summary, "post": post},
    )


class OfferListView(ApiView):
    serializer_class = OfferSerializer
    pagination_class = PageNumbers

    @extend_schema(
        summary="Every offer of the dispute, oldest first",
        parameters=[ID],
        responses={200: OfferSerializer(many=True), **ERRORS},
        examples=[OFFER_EXAMPLE],
    )
    def get(self, request: Request, id: str) -> Response:
        dispute = dispute_for_api(self.viewer, id)
        page = self.paginate_queryset(offers_for(dispute))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class EventListView(ApiView):
    serializer_class = EventSerializer
    pagination_class = EventCursor

    @extend_schema(
        summary="The timeline this viewer may see (cursor-paginated, oldest first)",
        parameters=[ID],
        responses={200: EventSerializer(many=True), **ERRORS},
        examples=[EVENT_EXAMPLE],
    )
    def get(self, request: Request, id: str) -> Response:
        dispute = dispute_for_api(self.viewer, id)
        page = self.paginate_queryset(timeline_for(self.viewer, dispute))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class MessageListView(ApiView):
    serializer_class = MessageSerializer
    pagination_class = MessageCursor
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "dispute": self._dispute}

    _dispute: Dispute | None = None

    @extend_schema(
        summary="The message thread as this viewer may read it (cursor-paginated, oldest first)",
        parameters=[ID, THREAD_SEARCH],
        responses={200: MessageSerializer(many=True), **ERRORS},
        examples=[MESSAGE_EXAMPLE],
    )
    def get(self, request: Request, id: str) -> Response:
        self._dispute = dispute_for_api(self.viewer, id)
        searched = search_text(request.query_params.get("q"))
        if searched.error:
            raise serializers.ValidationError({"q": [searched.error]})
        thread = search_thread(messages_for(self.viewer, self._dispute), searched.text)
        page = self.paginate_queryset(thread)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Write in the thread (to one party only: mediators)",
        parameters=[ID, IDEMPOTENCY],
        request=MessageCreateSerializer,
        responses={201: MessageSerializer, **CASE_WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "A message to everyone",
                request_only=True,
                value={"body": "The photos of the broken mugs are attached.", "visibility": "all"},
            ),
            MESSAGE_EXAMPLE,
        ],
    )
    def post(self, request: Request, id: str) -> Response:
        self._dispute = dispute_for_api(self.viewer, id)
        data = _valid(MessageCreateSerializer, request)
        message = message_post_with_evidence(dispute=self._dispute, actor=self.viewer, **data)
        message.author = self.viewer
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)


class NotificationListView(ApiView):
    serializer_class = NotificationSerializer
    pagination_class = PageNumbers

    @extend_schema(
        summary="The viewer's notifications, newest first",
        responses={200: NotificationSerializer(many=True), **ERRORS},
        examples=[NOTIFICATION_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(notifications_for(self.viewer))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class NotificationReadView(ApiView):
    serializer_class = NotificationSerializer

    @extend_schema(
        summary="Mark one of the viewer's notifications read",
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: NotificationSerializer, **POST_ERRORS},
        examples=[NOTIFICATION_EXAMPLE],
    )
    def post(self, request: Request, pk: int) -> Response:
        notification = notification_mark_read(user=self.viewer, notification_id=pk)
        return Response(self.get_serializer(notification).data)
