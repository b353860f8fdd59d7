"""Admin for mediation leads: the roster (active, capacity, open cases), overdue cases,
reassignment (an action that leads to the reassignment page) and the canned replies."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest

from disputes.admin import reassign_cases
from disputes.errors import DisputeError
from disputes.models import Dispute
from mediation import canned_services
from mediation.assignment import OPEN_STATES
from mediation.models import CannedReply, MediatorProfile, OverdueCase


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


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ("title", "body")

    def clean_body(self) -> str:
        # The service's check, here too so that the admin shows it next to the field.
        body: str = self.cleaned_data["body"]
        try:
            canned_services.check_body(body)
        except DisputeError as exc:
            raise forms.ValidationError(exc.message) from None
        return body


@admin.register(CannedReply)
class CannedReplyAdmin(LeadsOnly, admin.ModelAdmin):
    """The same library as /mediation/replies/, written through the same services."""

    form = CannedReplyForm
    list_display = ("title", "updated_by", "updated_at", "retired_at")
    list_filter = (("retired_at", admin.EmptyFieldListFilter),)
    search_fields = ("title", "body")
    list_select_related = ("updated_by",)
    readonly_fields = ("updated_by", "updated_at", "created_at", "retired_at")
    actions = ("retire", "put_back")

    def save_model(self, request: HttpRequest, obj: CannedReply, form: Any, change: bool) -> None:
        user: Any = request.user
        data = form.cleaned_data
        if change:
            saved = canned_services.canned_reply_edit(
                actor=user, reply=obj, title=data["title"], body=data["body"]
            )
        else:
            saved = canned_services.canned_reply_create(
                actor=user, title=data["title"], body=data["body"]
            )
        obj.pk = saved.pk

    @admin.action(description="Retire the selected replies (mediators no longer see them)")
    def retire(self, request: HttpRequest, queryset: QuerySet[CannedReply]) -> None:
        for reply in queryset:
            canned_services.canned_reply_retire(actor=request.user, reply=reply)  # type: ignore[arg-type]
        messages.success(request, f"{queryset.count()} replies retired.")

    @admin.action(description="Put the selected replies back in use")
    def put_back(self, request: HttpRequest, queryset: QuerySet[CannedReply]) -> None:
        for reply in queryset:
            canned_services.canned_reply_restore(actor=request.user, reply=reply)  # type: ignore[arg-type]
        messages.success(request, f"{queryset.count()} replies back in use.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Retired, never deleted: who wrote what stays known.
        return False
