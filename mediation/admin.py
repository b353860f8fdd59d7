"""Admin for mediation leads: the roster (active, capacity, open cases), overdue cases,
and reassignment (an action that leads to the reassignment page)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from disputes.admin import reassign_cases
from disputes.models import Dispute
from mediation.assignment import OPEN_STATES
from mediation.models import MediatorProfile, OverdueCase


class LeadsOnly:
    """Leads (and superusers) run the roster; other staff do not see it."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.is_active and request.user.is_mediation_lead)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)


@admin.register(MediatorProfile)
class MediatorProfileAdmin(LeadsOnly, admin.ModelAdmin):
    list_display = ("user", "active", "capacity", "open_cases")
    list_editable = ("active", "capacity")
    list_filter = ("active",)
    search_fields = ("user__email", "user__name")
    raw_id_fields = ("user",)
    list_select_related = ("user",)

    def get_queryset(self, request: HttpRequest) -> QuerySet[MediatorProfile]:
        # One subquery per row inside the same SELECT: the count never costs a query per mediator.
        open_cases = (
            Dispute.objects.filter(assigned_mediator=OuterRef("user_id"), state__in=OPEN_STATES)
            .order_by()
            .values("assigned_mediator")
            .annotate(n=Count("id"))
            .values("n")
        )
        return (
            super()
            .get_queryset(request)
            .annotate(open_count=Coalesce(Subquery(open_cases, output_field=IntegerField()), 0))
        )

    @admin.display(description="open cases", ordering="open_count")
    def open_cases(self, obj: MediatorProfile) -> int:
        return obj.open_count  # type: ignore[attr-defined]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Leaving the roster is "inactive": the history keeps who worked what.
        return False


@admin.register(OverdueCase)
class OverdueCaseAdmin(LeadsOnly, admin.ModelAdmin):
    list_display = ("reference", "state", "type", "deadline_at", "assigned_mediator")
    list_filter = ("state", "type", "assigned_mediator")
    search_fields = ("reference", "order__reference")
    list_select_related = ("assigned_mediator",)
    ordering = ("deadline_at", "id")
    actions = (reassign_cases,)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Dispute]:
        return super().get_queryset(request).filter(is_overdue=True, state__in=OPEN_STATES)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
