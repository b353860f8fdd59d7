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
