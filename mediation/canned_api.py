"""Canned replies through the API, for mediators: the library, and one reply filled
for a dispute. Both only read; the text is then sent like any other with
``POST disputes/{id}/messages/`` or ``POST disputes/{id}/request-info/``.

Anyone but a mediator gets 403 before any dispute is looked up (so a reference
cannot be probed); a dispute the mediator may not see, or a retired reply, 404.
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.pagination import PageNumbers
from core.api.prebuilt import PrebuiltFields
from core.api.views import ApiView
from disputes.api.lookups import dispute_for_api
from disputes.api.serializers import PersonSerializer
from mediation.canned_selectors import filled_for, replies_in_use, reply_in_use
from mediation.models import CannedReply

ERRORS = {401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer, 429: ErrorSerializer}


class CannedReplySerializer(PrebuiltFields):
    updated_by = PersonSerializer()

    class Meta:
        model = CannedReply
        fields = ["id", "title", "body", "updated_by", "updated_at"]
        read_only_fields = fields


class FilledReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    dispute = serializers.CharField(help_text="The dispute's reference.")
    text = serializers.CharField(
        help_text="The reply with its placeholders filled for the dispute."
    )


class MediatorsOnly(ApiView):
    def check_permissions(self, request: Request) -> None:
        super().check_permissions(request)
        if not self.viewer.is_mediator:
            raise PermissionDenied("Canned replies are for mediators.")


class CannedReplyListView(MediatorsOnly):
    serializer_class = CannedReplySerializer
    pagination_class = PageNumbers

    @extend_schema(
        summary="The team's canned replies in use, by title (mediators)",
        responses={200: CannedReplySerializer(many=True), 400: ErrorSerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "A reply of the library",
                response_only=True,
                value={
                    "id": 3,
                    "title": "Photos of the damage",
                    "body": "Dear {buyer_name}, please send photos of the damage to {order}.",
                    "updated_by": {"id": 9, "name": "Lena Lead"},
                    "updated_at": "2026-01-06T10:00:00Z",
                },
            )
        ],
    )
    def get(self, request: Request) -> Response:
        page = self.paginate_queryset(replies_in_use().select_related("updated_by"))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CannedReplyFilledView(MediatorsOnly):
    serializer_class = FilledReplySerializer

    @extend_schema(
        summary="One canned reply filled for a dispute, to edit and send (mediators)",
        parameters=[
            OpenApiParameter(
                "id",
                OpenApiTypes.STR,
                OpenApiParameter.PATH,
                description="The dispute's id or its reference (DSP-…).",
            ),
            OpenApiParameter("rid", OpenApiTypes.INT, OpenApiParameter.PATH),
        ],
        responses={200: FilledReplySerializer, **ERRORS},
        examples=[
            OpenApiExample(
                "Filled for a case",
                response_only=True,
                value={
                    "id": 3,
                    "title": "Photos of the damage",
                    "dispute": "DSP-7KQ2M9XA",
                    "text": "Dear Bea Buyer, please send photos of the damage to ORD-3HD8W2PL.",
                },
            )
        ],
    )
    def get(self, request: Request, id: str, rid: int) -> Response:
        dispute = dispute_for_api(self.viewer, id)
        reply = reply_in_use(rid)
        filled = filled_for(dispute, self.viewer, [reply], timezone.now())[0]
        return Response(
            self.get_serializer(
                {
                    "id": filled.id,
                    "title": filled.title,
                    "dispute": dispute.reference,
                    "text": filled.text,
                }
            ).data
        )
