import base64

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from accounts.models import Role


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is."""
    if request.user.role == Role.MEDIATOR:  # type: ignore[union-attr]
        return redirect("disputes:list")
    return redirect("orders:list")


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness for the load balancer and compose: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})


@require_GET
def audit_public_key(request: HttpRequest) -> JsonResponse:
    """The public key that checks the signed checkpoints (SPEC 13.4: the key is published)."""
    from disputes import audit_key

    key = audit_key.current()
    if key is None:
        return JsonResponse({"error": "no audit signing key is configured"}, status=404)
    response = JsonResponse(
        {
            "algorithm": "Ed25519",
            "key_id": key.key_id,
            # The raw 32-byte key, base64: what scripts/verify_casefile.py --public-key takes.
            "public_key": base64.b64encode(key.public_raw).decode(),
            "public_key_pem": key.public_pem,
            "docs": "docs/audit.md, Signed checkpoints",
        }
    )
    response["Cache-Control"] = "public, max-age=3600"
    return response
