"""Orders through the API: the viewer's purchases or sales, with ``can_dispute``."""

from __future__ import annotations

from typing import Any

import django_filters
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.pagination import PageNumbers
from core.api.views import ApiView
from disputes.api.fields import Text
from orders.api.lookups import order_for_api
from orders.api.serializers import OrderDetailSerializer, OrderSerializer
from orders.conversation import MAX_MESSAGE, order_message_post, thread
from orders.models import Order, OrderMessage, OrderStatus
from orders.selectors import order_list

ORDER_EXAMPLE = OpenApiExample(
    "A delivered order that can be disputed",
    response_only=True,
    value={
        "id": 17,
        "reference": "ORD-3HD8W2PL",
        "status": "delivered",
        "buyer": {"id": 3, "name": "Bea Buyer"},
        "seller": {"id": 5, "name": "Sam Seller", "store": "Shenzhen Bright Tools Co."},
        "currency": "USD",
        "total": "120.00",
        "amount_paid": "120.00",
        "placed_at": "2026-01-01T09:00:00Z",
        "expected_delivery_date": None,
        "shipment": {
            "carrier": "DHL Express",
            "tracking_number": "1234567890",
            "shipped_at": "2026-01-02T09:00:00Z",
            "delivered_at": "2026-01-05T15:00:00Z",
        },
        "can_dispute": True,
        "dispute_blocked_reason": None,
        "dispute_blocked_code": None,
        "dispute_types": ["quality", "incorrect_shipment"],
    },
)
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer, 429: ErrorSerializer}


class OrderFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=OrderStatus.choices)
    q = django_filters.CharFilter(
        method="filter_q", max_length=60, label="Search by reference, store, buyer or product"
    )

    class Meta:
        model = Order
        fields = ["status", "q"]

    def filter_q(self, queryset: Any, name: str, value: str) -> Any:
        # The selector owns the search; this only passes the words on.
        return queryset  # applied in OrderListView.get_queryset


class OrderListView(ApiView):
    serializer_class = OrderSerializer
    pagination_class = PageNumbers
    filter_backends = [DjangoFilterBackend]
    filterset_class = OrderFilter

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            # The schema is drawn without a signed-in user (the unread counts need one).
            return Order.objects.none()
        query = self.request.query_params.get("q", "")
        return order_list(self.viewer, query=query if "\x00" not in query else "")

    @extend_schema(
        summary="Orders the viewer may see (a buyer's purchases, a seller's sales)",
        responses={200: OrderSerializer(many=True), **ERRORS},
        examples=[ORDER_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        orders = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(orders)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class OrderDetailView(ApiView):
    serializer_class = OrderDetailSerializer

    @extend_schema(
        summary="One order, with its items and whether a dispute can be opened now",
        parameters=[
            OpenApiParameter(
                "id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The order's id or its reference (ORD-…).",
            )
        ],
        responses={200: OrderDetailSerializer, **ERRORS},
        examples=[ORDER_EXAMPLE],
    )
    def get(self, request: Request, id: str) -> Response:
        order = order_for_api(self.viewer, id)
        return Response(self.get_serializer(order).data)


class OrderMessageSerializer(serializers.ModelSerializer):
    author_party = serializers.SerializerMethodField()
    author = serializers.CharField(source="author.name")

    class Meta:
        model = OrderMessage
        fields = ["id", "author", "author_party", "body", "created_at"]
        read_only_fields = fields

    def get_author_party(self, message: OrderMessage) -> str:
        return "seller" if message.author_id == message.order.seller_id else "buyer"


class StrictText(Text):
    """A string only: ``{"body": 0}`` is not a message (DRF's CharField would take "0")."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class OrderMessageCreateSerializer(serializers.Serializer):
    # A string only (a number is not a message): the disputes' Text field.
    body = StrictText(max_length=MAX_MESSAGE)


class OrderMessageListView(ApiView):
    """Contact seller / Contact buyer: the order's conversation, before any dispute."""

    serializer_class = OrderMessageSerializer
    pagination_class = PageNumbers

    @extend_schema(
        summary="The order's conversation between its buyer and seller (oldest first)",
        responses={200: OrderMessageSerializer(many=True), **ERRORS},
        examples=[
            OpenApiExample(
                "The buyer asked, the seller answered",
                response_only=True,
                value=[
                    {
                        "id": 4,
                        "author": "Bea Buyer",
                        "author_party": "buyer",
                        "body": "Six of the mugs arrived cracked. Can you send replacements?",
                        "created_at": "2026-01-06T09:00:00Z",
                    },
                    {
                        "id": 5,
                        "author": "Sam Seller",
                        "author_party": "seller",
                        "body": "Sorry! Replacements ship tomorrow.",
                        "created_at": "2026-01-06T11:30:00Z",
                    },
                ],
            )
        ],
    )
    def get(self, request: Request, id: str) -> Response:
        order = order_for_api(self.viewer, id)
        page = self.paginate_queryset(thread(order))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Write to the other party of the order (from payment on)",
        request=OrderMessageCreateSerializer,
        responses={201: OrderMessageSerializer, **ERRORS, 403: ErrorSerializer},
        examples=[
            OpenApiExample(
                "A question before any dispute",
                request_only=True,
                value={"body": "Six of the mugs arrived cracked. Can you send replacements?"},
            )
        ],
    )
    def post(self, request: Request, id: str) -> Response:
        order = order_for_api(self.viewer, id)
        data = OrderMessageCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        message = order_message_post(
            order=order, actor=self.viewer, body=data.validated_data["body"]
        )
        return Response(self.get_serializer(message).data, status=status.HTTP_201_CREATED)
