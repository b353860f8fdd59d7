from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from disputes.selectors import dispute_list


@login_required
def dispute_list_view(request: HttpRequest) -> HttpResponse:
    """Disputes the viewer may see, the nearest deadline first."""
    user: User = request.user  # type: ignore[assignment]
    page = Paginator(dispute_list(user), 20).get_page(request.GET.get("page"))
    return render(request, "disputes/list.html", {"page": page})
