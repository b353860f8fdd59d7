"""Uploads (the widget posts here) and downloads: always through permission checks."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from accounts.models import User
from disputes.errors import DisputeError
from disputes.selectors import dispute_for_user
from disputes_site.error_status import status_for
from evidence.models import Kind
from evidence.selectors import evidence_for, evidence_item
from evidence.services import evidence_add

# Nothing in a served file may run: no scripts, no plugins, no framing.
FILE_CSP = (
    "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox"
)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def content_disposition(disposition: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback and the exact name, percent-encoded (RFC 5987)."""
    fallback = (
        "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\%' else "_" for ch in filename)
        or "evidence"
    )
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _serve(name: str | None, content_type: str, filename: str, *, inline: bool) -> HttpResponseBase:
    if not name:
        raise Http404("No file.")
    disposition = "inline" if inline else "attachment"
    try:
        path = default_storage.path(name)
    except NotImplementedError:
        # Object storage: a signed link that expires within minutes, with the
        # same headers set by the storage service.
        storage: Any = default_storage  # S3Storage.url takes response parameters
        url = storage.url(
            name,
            parameters={
                "ResponseContentDisposition": content_disposition(disposition, filename),
                "ResponseContentType": content_type,
            },
        )
        response: HttpResponseBase = HttpResponseRedirect(url)
    else:
        response = FileResponse(open(path, "rb"), content_type=content_type)  # noqa: SIM115 - FileResponse closes it
        response["Content-Disposition"] = content_disposition(disposition, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=300"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_GET
def download_view(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    dispute = dispute_for_user(_user(request), reference)
    item = evidence_item(_user(request), dispute, pk)
    # Photos and videos may show in the page; documents (PDF) only download.
    inline = item.kind in (Kind.PHOTO, Kind.VIDEO) and request.GET.get("download") is None
    return _serve(item.file.name, item.content_type, item.original_name, inline=inline)


@login_required
@require_GET
def thumbnail_view(request: HttpRequest, reference: str, pk: int) -> HttpResponseBase:
    dispute = dispute_for_user(_user(request), reference)
    item = evidence_item(_user(request), dispute, pk)
    if not item.thumbnail:
        raise Http404("No thumbnail yet.")
    return _serve(item.thumbnail.name, "image/jpeg", f"{item.original_name}.jpg", inline=True)


@login_required
@require_POST
def upload_view(request: HttpRequest, reference: str) -> HttpResponse:
    """One file per request (the widget sends each with its own progress bar).

    Answers the gallery item, or the error for this file next to it (4xx).
    """
    user = _user(request)
    dispute = dispute_for_user(user, reference)
    upload = request.FILES.get("file")
    if upload is None:
        return render(
            request,
            "evidence/_upload_error.html",
            {"error": "Choose a file to upload."},
            status=400,
        )
    try:
        item = evidence_add(
            dispute=dispute,
            actor=user,
            upload=upload,
            description=request.POST.get("description", ""),
            visibility=request.POST.get("visibility", "parties"),
        )
    except DisputeError as exc:
        return render(
            request, "evidence/_upload_error.html", {"error": exc.message}, status=status_for(exc)
        )
    return render(request, "evidence/_item.html", {"item": item, "dispute": dispute}, status=201)


@login_required
@require_GET
def gallery_view(request: HttpRequest, reference: str) -> HttpResponse:
    dispute = dispute_for_user(_user(request), reference)
    return render(
        request,
        "evidence/_gallery.html",
        {"dispute": dispute, "items": evidence_for(_user(request), dispute)},
    )
