"""Case-file export: a page that explains it, and a POST that records the export and sends the zip."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import User
from mediation.casefile.selectors import dispute_to_export
from mediation.casefile.services import export_casefile


@login_required
@require_http_methods(["GET", "POST"])
def export_view(request: HttpRequest, reference: str) -> HttpResponseBase:
    """GET: what the archive holds, and the button. POST: the archive (exporting is an event,
    so it is never a GET that a prefetcher or a crawler could trigger)."""
    user: User = request.user  # type: ignore[assignment]
    dispute = dispute_to_export(user, reference)
    if request.method == "GET":
        return render(request, "mediation/casefile_export.html", {"dispute": dispute})
    # Spooled: small case files stay in memory, large videos go to a temporary file.
    archive = tempfile.SpooledTemporaryFile(max_size=16 * 1024 * 1024)  # noqa: SIM115 - closed by FileResponse
    export_casefile(dispute=dispute, actor=user, out=archive)
    archive.seek(0)
    response = FileResponse(
        archive,
        as_attachment=True,
        filename=f"{dispute.reference}-casefile.zip",
        content_type="application/zip",
    )
    response["Cache-Control"] = "no-store"
    return response
