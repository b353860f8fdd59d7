"""Evidence through the API: list, upload (multipart), download and thumbnail.

Uploads go through ``evidence.services.evidence_add`` (content sniffing,
re-encoding, limits); files go out through the same permission-checking
response as the pages, with ``Content-Disposition`` and ``nosniff``.
"""

from __future__ import annotations

from typing import Any

from django.http import Http404
from django.http.response import HttpResponseBase
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_field,
)
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from core.api.errors import ErrorSerializer
from core.api.pagination import PageNumbers
from core.api.prebuilt import PrebuiltFields
from core.api.views import ApiView
from disputes.api.fields import Text
from disputes.api.lookups import dispute_for_api
from disputes.api.serializers import PersonSerializer
from disputes.api.views import CASE_WRITE_ERRORS, ERRORS, ID, IDEMPOTENCY
from evidence.models import Evidence, Kind
from evidence.selectors import evidence_for, evidence_item
from evidence.services import evidence_add
from evidence.views import _serve

ITEM_EXAMPLE = OpenApiExample(
    "A photo",
    response_only=True,
    value={
        "id": 30,
        "kind": "photo",
        "filename": "broken-mugs.jpg",
        "content_type": "image/jpeg",
        "size": 482113,
        "sha256": "cf46cf4fded6e8391661274ad29417a3521083672d73fb96086a5c7bd51585b3",
        "width": 3000,
        "height": 4000,
        "description": "Six broken mugs",
        "visibility": "parties",
        "uploader": {"id": 3, "name": "Bea Buyer"},
        "uploader_role": "buyer",
        "thumbnail_status": "ready",
        "thumbnail_url": "/api/v1/disputes/DSP-7KQ2M9XA/evidence/30/thumbnail/",
        "download_url": "/api/v1/disputes/DSP-7KQ2M9XA/evidence/30/download/",
        "created_at": "2026-01-06T10:10:00Z",
    },
)
EID = OpenApiParameter("eid", OpenApiTypes.INT, OpenApiParameter.PATH, description="The item's id.")


class EvidenceSerializer(PrebuiltFields):
    uploader = PersonSerializer()
    filename = serializers.CharField(source="original_name")
    thumbnail_url = serializers.SerializerMethodField()
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "kind",
            "filename",
            "content_type",
            "size",
            "sha256",
            "width",
            "height",
            "description",
            "visibility",
            "uploader",
            "uploader_role",
            "thumbnail_status",
            "thumbnail_url",
            "download_url",
            "created_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_thumbnail_url(self, item: Evidence) -> str | None:
        if not item.thumbnail:
            return None
        return reverse("api:evidence-thumbnail", args=[self.context["dispute"].reference, item.pk])

    @extend_schema_field(OpenApiTypes.STR)
    def get_download_url(self, item: Evidence) -> str:
        return reverse("api:evidence-download", args=[self.context["dispute"].reference, item.pk])


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="A photo, video or document; its type is read from its content."
    )
    description = Text(max_length=500, required=False, allow_blank=True, default="")
    visibility = serializers.ChoiceField(choices=["parties", "mediator"], default="parties")


class EvidenceListView(ApiView):
    serializer_class = EvidenceSerializer
    pagination_class = PageNumbers
    parser_classes = [MultiPartParser, FormParser]
    _dispute: Any = None

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "dispute": self._dispute}

    @extend_schema(
        summary="The evidence of the dispute this viewer may see",
        parameters=[ID],
        responses={200: EvidenceSerializer(many=True), **ERRORS},
        examples=[ITEM_EXAMPLE],
    )
    def get(self, request: Request, id: str) -> Response:
        self._dispute = dispute_for_api(self.viewer, id)
        page = self.paginate_queryset(evidence_for(self.viewer, self._dispute))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Add a file (multipart): checked by its content, stored privately",
        parameters=[ID, IDEMPOTENCY],
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceSerializer,
            **CASE_WRITE_ERRORS,
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
        examples=[ITEM_EXAMPLE],
    )
    def post(self, request: Request, id: str) -> Response:
        self._dispute = dispute_for_api(self.viewer, id)
        upload = EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        item = evidence_add(
            dispute=self._dispute,
            actor=self.viewer,
            upload=upload.validated_data["file"],
            description=upload.validated_data["description"],
            visibility=upload.validated_data["visibility"],
        )
        return Response(self.get_serializer(item).data, status=status.HTTP_201_CREATED)


class _FileView(ApiView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file answers with its own type; errors are JSON whatever Accept says.
        return (self.renderer_classes[0](), self.renderer_classes[0].media_type)

    def _item(self, id: str, eid: int) -> Evidence:
        dispute = dispute_for_api(self.viewer, id)
        return evidence_item(self.viewer, dispute, eid)


class EvidenceDownloadView(_FileView):
    @extend_schema(
        summary="The file, with Content-Disposition and X-Content-Type-Options: nosniff",
        parameters=[ID, EID],
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, id: str, eid: int) -> HttpResponseBase:
        item = self._item(id, eid)
        inline = item.kind in (Kind.PHOTO, Kind.VIDEO) and "download" not in request.query_params
        return _serve(item.file.name, item.content_type, item.original_name, inline=inline)


class EvidenceThumbnailView(_FileView):
    @extend_schema(
        summary="The item's JPEG thumbnail, once made",
        parameters=[ID, EID],
        responses={(200, "image/jpeg"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, id: str, eid: int) -> HttpResponseBase:
        item = self._item(id, eid)
        if not item.thumbnail:
            raise Http404("No thumbnail yet.")
        return _serve(item.thumbnail.name, "image/jpeg", f"{item.original_name}.jpg", inline=True)
