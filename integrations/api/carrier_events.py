"""``POST /api/v1/carrier-events/``: what a tracking service says of a parcel
(issue 15 item 6), signed as Standard Webhooks are.

The service signs ``{webhook-id}.{webhook-timestamp}.{body}`` with HMAC-SHA256
under ``CARRIER_WEBHOOK_SECRET`` (the ``standardwebhooks`` package checks it and
refuses a timestamp more than five minutes off: an old message replayed is
refused), and a ``webhook-id`` already acted on has no second effect (200,
``duplicate``). A tracking number no open case shipped with is ignored without a
trace (202): the service may track parcels of other shops. Anything malformed
is a 400, a bad or stale signature a 401, never a 500; without a secret set
no signature holds (401).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.api.errors import ApiError, ErrorSerializer
from core.api.throttling import CarrierEventsThrottle
from disputes.choices import CarrierStatus
from integrations.carriers import services as carriers
from integrations.carriers.base import CarrierUpdate
from integrations.models import CarrierWebhookMessage

MAX_BODY_BYTES = 8192
HEADERS = ("webhook-id", "webhook-timestamp", "webhook-signature")
# ``CarrierWebhookMessage.message_id``'s length.
MAX_MESSAGE_ID = 128


class CarrierEventSerializer(serializers.Serializer):
    tracking_number = serializers.CharField(max_length=64, trim_whitespace=True)
    carrier = serializers.CharField(max_length=64, required=False, allow_blank=True, default="")
    status = serializers.ChoiceField(choices=CarrierStatus.choices)
    occurred_at = serializers.CharField(max_length=40)

    def validate_occurred_at(self, value: str) -> datetime:
        try:
            when = parse_datetime(value)
        except ValueError:
            when = None
        if when is None or when.tzinfo is None:
            raise serializers.ValidationError(
                "An ISO 8601 date and time with its offset, such as 2026-12-05T10:00:00Z."
            )
        return when


def _refuse(status: int, code: str, detail: str) -> ApiError:
    return ApiError(status, code, detail)


def _verified_body(request: Request) -> tuple[str, Any]:
    """The message's id and its JSON, once the signature and timestamp hold."""
    raw = request.body
    if len(raw) > MAX_BODY_BYTES:
        raise _refuse(400, "invalid", "The message is too large.")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _refuse(400, "invalid", "The body is not UTF-8 JSON.") from None
    headers = {name: request.headers.get(name, "") for name in HEADERS}
    try:
        if not settings.CARRIER_WEBHOOK_SECRET:
            # Off until an operator sets a secret: no signature can hold.
            raise WebhookVerificationError("no secret")
        Webhook(settings.CARRIER_WEBHOOK_SECRET).verify(text, headers, json_parse=False)
    except (WebhookVerificationError, ValueError, TypeError):
        # Missing headers, a wrong signature, a malformed one, or a timestamp more
        # than five minutes off (an old message replayed): all the same to a caller.
        raise _refuse(
            401, "bad_signature", "The signature or its timestamp does not hold."
        ) from None
    message_id = headers["webhook-id"]
    if len(message_id) > MAX_MESSAGE_ID:
        raise _refuse(400, "invalid", "The webhook-id is too long.")
    try:
        return message_id, json.loads(text)
    except (ValueError, RecursionError):
        raise _refuse(400, "invalid", "The body is not JSON.") from None


class CarrierEventView(APIView):
    """A carrier's news of a dispute's return or replacement."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]
    throttle_classes = [CarrierEventsThrottle]

    @extend_schema(
        operation_id="carrier_events_create",
        summary="A carrier's news of a return or replacement (signed, Standard Webhooks).",
        description=__doc__,
        auth=[],
        parameters=[
            OpenApiParameter(name, str, OpenApiParameter.HEADER, required=True) for name in HEADERS
        ],
        request=CarrierEventSerializer,
        responses={
            200: inline_serializer(
                "CarrierEventResult",
                {
                    "status": serializers.CharField(),
                    "shipments": serializers.ListField(child=serializers.CharField()),
                },
            ),
            202: inline_serializer("CarrierEventIgnored", {"status": serializers.CharField()}),
            400: ErrorSerializer,
            401: ErrorSerializer,
            429: ErrorSerializer,
        },
        examples=[
            OpenApiExample(
                "Delivered",
                value={
                    "tracking_number": "1Z999AA10123456784",
                    "carrier": "UPS",
                    "status": "delivered",
                    "occurred_at": "2026-12-05T10:00:00Z",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request: Request) -> Response:
        message_id, payload = _verified_body(request)
        if not isinstance(payload, dict):
            raise _refuse(400, "invalid", "The body must be a JSON object.")
        serializer = CarrierEventSerializer(data=payload)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        update = CarrierUpdate(
            data["carrier"], data["tracking_number"], data["status"], data["occurred_at"]
        )
        with transaction.atomic():
            shipments = carriers.shipments_for(update)
            if not shipments:
                # Not a parcel of an open case: nothing is written, not even its id.
                return Response({"status": "ignored"}, status=202)
            try:
                with transaction.atomic():
                    CarrierWebhookMessage.objects.create(message_id=message_id)
            except IntegrityError:
                return Response({"status": "duplicate", "shipments": []})
            results = [carriers.record(shipment, update) for shipment in shipments]
        return Response({"status": "accepted", "shipments": results})
