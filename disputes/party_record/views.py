"""The parties' record in the pages: the decision PDF, their copy of the case file, and
"If you disagree" (seed step 11). Anyone but the dispute's buyer or seller gets 404, and
nothing is recorded for them."""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import User
from disputes.choices import DisputeState, ResolutionKind
from disputes.models import Dispute
from disputes.party_record.pdf import decision_filename, decision_pdf
from disputes.party_record.selectors import decision_record, dispute_for_party
from disputes.permissions import allowed_actions
from mediation.casefile.services import export_casefile


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
@require_GET
def decision_pdf_view(request: HttpRequest, reference: str) -> HttpResponse:
    """The decision as a PDF; before there is one, a page that says so (404: there is
    no such document yet) and what the party has instead."""
    user = _user(request)
    dispute = dispute_for_party(user, reference)
    record = decision_record(user, dispute)
    if record is None:
        return render(request, "disputes/record/no_decision.html", {"dispute": dispute}, status=404)
    response = HttpResponse(decision_pdf(record), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{decision_filename(record)}"'
    # A party's private record: no shared cache keeps it.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def case_file_view(request: HttpRequest, reference: str) -> HttpResponseBase:
    """POST: the party's copy of the case file (exporting is an event, so never a GET that
    a prefetcher could trigger). GET: the page that explains it and has the button."""
    user = _user(request)
    dispute = dispute_for_party(user, reference)
    if request.method == "GET":
        return redirect("disputes:if_you_disagree", reference=dispute.reference)
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
    response["Cache-Control"] = "private, no-store"
    return response


def appeal_status(dispute: Dispute, allowed: list[str] | set[str] | tuple[str, ...]) -> str:
    """Where the party stands with an appeal, in the words of the page."""
    if "appeal" in allowed:
        return "open"
    if dispute.state == DisputeState.APPEALED:
        return "under_appeal"
    if dispute.resolution_kind in (ResolutionKind.AMICABLE, ResolutionKind.CLAIM_ACCEPTED):
        return "agreed"
    if dispute.resolution_kind in (ResolutionKind.DECISION, ResolutionKind.APPEAL):
        return "closed"
    return "not_decided"


@login_required
@require_GET
def if_you_disagree_view(request: HttpRequest, reference: str) -> HttpResponse:
    """What else a party can do (seed step 11): appeal while it is open, their bank or
    card issuer, legal help; with the record to take along."""
    user = _user(request)
    dispute = dispute_for_party(user, reference)
    allowed = allowed_actions(dispute, user)
    return render(
        request,
        "disputes/record/if_you_disagree.html",
        {
            "dispute": dispute,
            "party": dispute.party_of(user),
            "appeal": appeal_status(dispute, allowed),
            # A decision exists once the dispute carries a decided outcome (no query).
            "has_decision": bool(dispute.decided_by_id),
        },
    )
