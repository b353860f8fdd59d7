"""Sellers manage their webhook endpoints and see and replay deliveries through the API too."""

from __future__ import annotations

from typing import Any

from django.utils.cache import patch_cache_control
from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ApiError, ErrorSerializer
from core.api.pagination import PageNumbers
from core.api.views import ApiView
from disputes.api.fields import Text
from integrations.models import WebhookDelivery, WebhookEndpoint
from integrations.webhooks.selectors import deliveries_for
from integrations.webhooks.services import endpoint_create, replay

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer, 429: ErrorSerializer}


class EndpointSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = ["id", "url", "description", "secret", "is_active", "created_at"]
        read_only_fields = fields


class EndpointCreateSerializer(serializers.Serializer):
    url = Text(max_length=500)
    description = Text(max_length=200, required=False, allow_blank=True, default="")


class DeliverySerializer(serializers.ModelSerializer):
    endpoint = serializers.IntegerField(source="endpoint_id")
    dispute = serializers.CharField(source="event.dispute.reference")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "dispute",
            "message_id",
            "event_type",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "next_attempt_at",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields


ENDPOINT_EXAMPLE = OpenApiExample(
    "An endpoint",
    response_only=True,
    value={
        "id": 2,
        "url": "https://erp.example.com/hooks/disputes",
        "description": "ERP",
        "secret": "whsec_MfKQ9r8GKYqXhGF4wq0Z5Xk1fK3pV7yB",
        "is_active": True,
        "created_at": "2026-01-02T09:00:00Z",
    },
)
DELIVERY_EXAMPLE = OpenApiExample(
    "A failed delivery",
    response_only=True,
    value={
        "id": 12,
        "endpoint": 2,
        "dispute": "DSP-7KQ2M9XA",
        "message_id": "msg_5c1f0a7d2b9e4c0fa8d3b6e1f2a4c7d9",
        "event_type": "dispute.submit",
        "status": "failed",
        "attempts": 6,
        "last_status_code": 500,
        "last_error": "HTTP 500",
        "next_attempt_at": None,
        "created_at": "2026-01-06T10:00:00Z",
        "delivered_at": None,
        "payload": {"type": "dispute.submit", "timestamp": "2026-01-06T10:00:00Z", "data": {}},
    },
)


def _sellers_only(view: ApiView) -> None:
    if not view.viewer.is_seller:
        raise ApiError(404, "not_found", "Not found.")


class EndpointListView(ApiView):
    serializer_class = EndpointSerializer
    pagination_class = PageNumbers

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # The answers carry signing secrets: no cache may keep them.
        patch_cache_control(response, no_store=True)
        return response

    def answer_to_keep(self, body: Any) -> Any:
        # The signing secret stays in the endpoint's row only; a repeat reads it
        # from there (answer_to_replay).
        if isinstance(body, dict) and "secret" in body:
            return {**body, "secret": None}
        return body

    def answer_to_replay(self, body: Any) -> Any:
        if isinstance(body, dict) and body.get("secret", "") is None:
            secret = (
                WebhookEndpoint.objects.filter(pk=body["id"], seller=self.viewer)
                .values_list("secret", flat=True)
                .first()
            )
            return {**body, "secret": secret}
        return body

    @extend_schema(
        summary="The seller's webhook endpoints (with their signing secrets)",
        responses={200: EndpointSerializer(many=True), **ERRORS},
        examples=[ENDPOINT_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        _sellers_only(self)
        endpoints = WebhookEndpoint.objects.filter(seller=self.viewer, is_active=True)
        page = self.paginate_queryset(endpoints.order_by("created_at", "id"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Register an endpoint: the events of the seller's disputes are sent to it",
        request=EndpointCreateSerializer,
        responses={201: EndpointSerializer, **ERRORS, 409: ErrorSerializer, 422: ErrorSerializer},
        examples=[
            OpenApiExample(
                "An order system",
                request_only=True,
                value={"url": "https://erp.example.com/hooks/disputes", "description": "ERP"},
            ),
            ENDPOINT_EXAMPLE,
        ],
    )
    def post(self, request: Request) -> Response:
        _sellers_only(self)
        data = EndpointCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        endpoint = endpoint_create(seller=self.viewer, **data.validated_data)
        return Response(self.get_serializer(endpoint).data, status=status.HTTP_201_CREATED)


class DeliveryListView(ApiView):
    serializer_class = DeliverySerializer
    pagination_class = PageNumbers

    @extend_schema(
        summary="The delivery log of the seller's endpoints, newest first",
        responses={200: DeliverySerializer(many=True), **ERRORS},
        examples=[DELIVERY_EXAMPLE],
    )
    def get(self, request: Request) -> Response:
        _sellers_only(self)
        page = self.paginate_queryset(deliveries_for(self.viewer))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class DeliveryReplayView(ApiView):
    serializer_class = DeliverySerializer

    @extend_schema(
        summary="Send a delivery again (same webhook-id), with fresh retries",
        request=None,
        responses={200: DeliverySerializer, **ERRORS, 409: ErrorSerializer, 422: ErrorSerializer},
        examples=[DELIVERY_EXAMPLE],
    )
    def post(self, request: Request, pk: int) -> Any:
        _sellers_only(self)
        delivery = replay(seller=self.viewer, delivery_id=pk)
        if delivery is None:
            raise ApiError(404, "not_found", "Not found.")
        return Response(self.get_serializer(delivery).data)
