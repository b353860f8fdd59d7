"""The parties' record through the API: the same selectors and services as the pages.

``GET disputes/{id}/decision-pdf/`` answers the PDF, ``POST disputes/{id}/case-file/`` the
party's copy of the case file (an event, so a POST). Anyone but the dispute's buyer or
seller gets 404 and leaves no trace; errors are JSON whatever ``Accept`` says.
"""

from __future__ import annotations

import tempfile
from typing import Any

from django.http import FileResponse, HttpResponse
from django.http.response import HttpResponseBase
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request

from core.api.errors import ApiError
from core.api.views import ApiView
from disputes.api.lookups import dispute_for_api
from disputes.api.views import ERRORS, ID, POST_ERRORS
from disputes.models import Dispute
from disputes.party_record.pdf import decision_filename, decision_pdf
from disputes.party_record.selectors import decision_record
from integrations import idempotency
from mediation.casefile.services import export_casefile


class _PartyFileView(ApiView):
    def perform_content_negotiation(self, request: Request, force: bool = False) -> Any:
        # The file answers with its own type; errors are JSON whatever Accept says.
        return (self.renderer_classes[0](), self.renderer_classes[0].media_type)

    def _dispute(self, id: str) -> Dispute:
        """The viewer's dispute as buyer or seller; 404 for anyone else, mediators too
        (they export the platform's file), as for a dispute that does not exist."""
        dispute = dispute_for_api(self.viewer, id)
        if dispute.party_of(self.viewer) is None:
            raise ApiError(404, "not_found", "No such dispute.")
        return dispute


class DecisionPdfView(_PartyFileView):
    @extend_schema(
        operation_id="disputes_decision_pdf",
        summary="The decision as a PDF, for a party (seed step 11)",
        description=(
            "Outcome, reason, rules applied, the cited evidence this party may see with its "
            "SHA-256, the rationale, the chain head and the latest signed head (attached as "
            "`DSP-…-signed-head.json`). 404 `no_decision` while the platform has not decided "
            "(a settlement between the parties has no decision); 404 `not_found` to anyone "
            "but the buyer and the seller."
        ),
        parameters=[ID],
        responses={(200, "application/pdf"): OpenApiTypes.BINARY, **ERRORS},
    )
    def get(self, request: Request, id: str) -> HttpResponseBase:
        dispute = self._dispute(id)
        record = decision_record(self.viewer, dispute)
        if record is None:
            raise ApiError(
                404,
                "no_decision",
                "The platform has not decided this dispute: there is no decision to download.",
            )
        response = HttpResponse(decision_pdf(record), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{decision_filename(record)}"'
        response["Cache-Control"] = "private, no-store"
        return response


class PartyCaseFileView(_PartyFileView):
    # The POST takes no body; OPTIONS describes it from this (empty) serializer.
    serializer_class = serializers.Serializer

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Each POST is a new export (an event) and a new archive, and a zip is not kept to
        # be answered again: a claimed Idempotency-Key is released at once.
        claim, self._claim = self._claim, None
        if claim is not None:
            idempotency.finish(claim, 500, None)

    @extend_schema(
        operation_id="disputes_case_file",
        summary="The party's copy of the case file (zip), recorded as an event",
        description=(
            "What this party was allowed to see: the case, the evidence shared with them and "
            "their own, the messages to them, the decisions, and every event, those kept from "
            "them as bare hashes so that `scripts/verify_casefile.py` checks the whole chain "
            "(docs/casefile.md). Each call appends a `case_file_exported` event seen by this "
            "party and the platform, and ignores `Idempotency-Key`. 404 to anyone but the "
            "buyer and the seller."
        ),
        parameters=[ID],
        request=None,
        responses={(200, "application/zip"): OpenApiTypes.BINARY, **POST_ERRORS},
    )
    def post(self, request: Request, id: str) -> HttpResponseBase:
        dispute = self._dispute(id)
        archive = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
        export_casefile(dispute=dispute, actor=self.viewer, out=archive)
        archive.seek(0)
        response = FileResponse(
            archive,
            as_attachment=True,
            filename=f"{dispute.reference}-casefile.zip",
            content_type="application/zip",
        )
        response["Cache-Control"] = "private, no-store"
        return response
