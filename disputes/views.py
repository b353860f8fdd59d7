from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.models import User
from disputes.choices import NotificationCategory
from disputes.models import Notification, NotificationPreference
from disputes.selectors import (
    dispute_for_user,
    dispute_list,
    notifications_for,
    offers_for,
    timeline_for,
)
from disputes.workflow import TRANSITIONS, allowed_actions, deadline_sentence, waiting_on
from evidence.selectors import evidence_for
from evidence.services import may_add_evidence


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@login_required
def dispute_list_view(request: HttpRequest) -> HttpResponse:
    """Disputes the viewer may see, the nearest deadline first."""
    page = Paginator(dispute_list(_user(request)), 20).get_page(request.GET.get("page"))
    return render(request, "disputes/list.html", {"page": page})


@login_required
def dispute_detail_view(request: HttpRequest, reference: str) -> HttpResponse:
    """Track progress: the state, who must act, the deadline and its rule, the timeline."""
    user = _user(request)
    dispute = dispute_for_user(user, reference)
    actions = [TRANSITIONS[name].label for name in allowed_actions(dispute, user)]
    return render(
        request,
        "disputes/detail.html",
        {
            "dispute": dispute,
            "waiting_on": waiting_on(dispute, user),
            "deadline_rule": deadline_sentence(dispute),
            "actions": actions,
            "events": timeline_for(user, dispute),
            "offers": offers_for(dispute),
            "is_party": dispute.party_of(user) is not None,
            "items": evidence_for(user, dispute),
            "may_add_evidence": may_add_evidence(dispute, user),
        },
    )


@login_required
def notification_list_view(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_for(_user(request)), 25).get_page(request.GET.get("page"))
    return render(request, "disputes/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one as read and go to its dispute (404 for anyone else's)."""
    notification = (
        Notification.objects.filter(pk=pk, recipient=_user(request))
        .select_related("dispute")
        .first()
    )
    if notification is None:
        raise Http404("No such notification.")
    Notification.objects.filter(pk=pk, read_at__isnull=True).update(read_at=timezone.now())
    return redirect("disputes:detail", reference=notification.dispute.reference)


@login_required
@require_POST
def notification_read_all_view(request: HttpRequest) -> HttpResponse:
    count = Notification.objects.filter(recipient=_user(request), read_at__isnull=True).update(
        read_at=timezone.now()
    )
    messages.success(request, _("%(count)s notifications marked as read.") % {"count": count})
    return redirect("notifications")


@login_required
def notification_preferences_view(request: HttpRequest) -> HttpResponse:
    """Email on or off per category; in-app notifications always arrive."""
    user = _user(request)
    off = set(
        NotificationPreference.objects.filter(user=user, email=False).values_list(
            "category", flat=True
        )
    )
    if request.method == "POST":
        wanted_on = set(request.POST.getlist("email"))
        for category in NotificationCategory.values:
            NotificationPreference.objects.update_or_create(
                user=user, category=category, defaults={"email": category in wanted_on}
            )
        messages.success(request, _("Your email preferences are saved."))
        return redirect("notification_preferences")
    categories = [(value, label, value not in off) for value, label in NotificationCategory.choices]
    return render(request, "disputes/preferences.html", {"categories": categories})
