"""Django admin for disputes: read-mostly, every change through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from disputes import services
from disputes.errors import DisputeError
from disputes.models import (
    Decision,
    Dispute,
    DisputeEvent,
    MediatorNote,
    Message,
    Notification,
    NotificationPreference,
    Offer,
    Refund,
)
from disputes.services.redaction import redact
from disputes.services.staff_reasons import MIN_REASON


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(ReadOnlyInline):
    model = DisputeEvent
    fields = (
        "seq",
        "created_at",
        "kind",
        "actor",
        "actor_role",
        "from_state",
        "to_state",
        "visibility",
        "details",
    )
    readonly_fields = fields
    ordering = ("seq",)


class OfferInline(ReadOnlyInline):
    model = Offer
    fields = ("created_at", "party", "outcome", "amount", "status", "note")
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = (
        "created_at",
        "amount",
        "currency",
        "status",
        "provider_reference",
        "attempts",
        "last_error",
    )
    readonly_fields = fields


class DecisionInline(ReadOnlyInline):
    model = Decision
    fields = (
        "created_at",
        "mediator",
        "is_appeal",
        "appeal_result",
        "outcome",
        "refund_amount",
        "reason_code",
        "rationale",
    )
    readonly_fields = fields


class OverdueFilter(admin.SimpleListFilter):
    title = "overdue"
    parameter_name = "overdue"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Overdue"), ("no", "On time")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Dispute]) -> QuerySet[Dispute]:
        if self.value() == "yes":
            return queryset.filter(is_overdue=True)
        if self.value() == "no":
            return queryset.filter(is_overdue=False)
        return queryset


@admin.action(description="Apply due deadlines now (the beat sweep)")
def run_deadline_sweep(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
    result = services.sweep()
    messages.info(
        request, f"{result.timeouts} deadlines applied, {result.reminders} reminders sent."
    )


@admin.action(description="Cancel the selected disputes for their buyers")
def cancel_for_buyer(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Dispute]) -> None:
    done = 0
    for dispute in queryset.select_related("buyer"):
        try:
            services.dispute_cancel(
                dispute=dispute,
                actor=dispute.buyer,
                reason=f"Cancelled by {request.user} at the buyer's request",
            )
            done += 1
        except DisputeError as exc:
            messages.warning(request, f"{dispute.reference}: {exc.message}")
    messages.info(request, f"{done} disputes cancelled.")


@admin.action(description="Reassign the selected cases to another mediator (leads)")
def reassign_cases(modeladmin: Any, request: HttpRequest, queryset: QuerySet[Dispute]) -> Any:
    """The lead picks the mediator on the mediation page; each move is an ``assigned`` event."""
    from django.shortcuts import redirect
    from django.urls import reverse
    from django.utils.http import urlencode

    references = ",".join(queryset.values_list("reference", flat=True)[:100])
    return redirect(f"{reverse('mediation:reassign')}?{urlencode({'cases': references})}")


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """``state``, deadlines and the chain change only through the workflow's services:
    the actions below call them; `manage.py dispute_action` reaches every arrow."""

    list_display = (
        "reference",
        "order",
        "type",
        "state",
        "settlement",
        "claimed_amount",
        "deadline_at",
        "is_overdue",
        "assigned_mediator",
        "created_at",
    )
    list_filter = ("state", "type", OverdueFilter, "assigned_mediator", "seller_silent")
    search_fields = ("reference", "order__reference", "buyer__email", "seller__email")
    list_select_related = ("order", "assigned_mediator")
    # The assignment too changes only through its services (an event in the chain):
    # the "Reassign" action below.
    readonly_fields = [f.name for f in Dispute._meta.fields]
    fields = None
    inlines = (OfferInline, DecisionInline, RefundInline, EventInline)
    actions = (run_deadline_sweep, cancel_for_buyer, reassign_cases)

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Disputes are opened by buyers (dispute_create), never typed in here.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(DisputeEvent)
class DisputeEventAdmin(admin.ModelAdmin):
    """The audit trail: visible, never editable or deletable."""

    list_display = ("dispute", "seq", "kind", "actor", "from_state", "to_state", "created_at")
    list_filter = ("kind",)
    search_fields = ("dispute__reference",)
    list_select_related = ("dispute", "actor")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Refund)
class RefundAdmin(admin.ModelAdmin):
    list_display = (
        "dispute",
        "amount",
        "currency",
        "status",
        "attempts",
        "provider_reference",
        "created_at",
    )
    list_filter = ("status",)
    search_fields = ("dispute__reference", "order__reference", "provider_reference")
    list_select_related = ("dispute",)
    readonly_fields = [f.name for f in Refund._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RedactForm(forms.Form):
    reason = forms.CharField(
        label="Why (the court order, the erasure request)",
        widget=forms.Textarea(attrs={"rows": 3}),
        min_length=MIN_REASON,
        max_length=500,
    )


@admin.action(description="Redact the selected texts (asks for a reason)")
def redact_texts(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Any]
) -> HttpResponse | None:
    """The only way a message or a note changes: ``disputes.services.redaction``."""
    form = RedactForm(request.POST if "reason" in request.POST else None)
    if form.is_valid():
        done = 0
        for item in queryset:
            try:
                redact(record=item, actor=request.user, reason=form.cleaned_data["reason"])  # type: ignore[arg-type]
                done += 1
            except DisputeError as exc:
                messages.error(request, f"{item.dispute}: {exc.message}")
        if done:
            messages.success(request, f"{done} text(s) redacted.")
        return None
    return render(
        request,
        "admin/disputes/redact.html",
        {
            "form": form,
            "items": queryset.select_related("dispute", "author"),
            "action": "redact_texts",
            "opts": modeladmin.model._meta,
        },
    )


class RedactableAdmin(admin.ModelAdmin):
    """Messages and notes: read-only, never deleted, only redacted (SPEC 13.4)."""

    search_fields = ("dispute__reference", "body")
    list_select_related = ("dispute", "author")
    actions = (redact_texts,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(RedactableAdmin):
    list_display = ("dispute", "author", "visibility", "created_at", "redacted_at")
    readonly_fields = ("dispute", "author", "body", "visibility", "created_at", "redacted_at")


@admin.register(MediatorNote)
class MediatorNoteAdmin(RedactableAdmin):
    list_display = ("dispute", "author", "created_at", "redacted_at")
    readonly_fields = ("dispute", "author", "body", "created_at", "redacted_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "recipient",
        "title",
        "category",
        "email_status",
        "email_attempts",
        "created_at",
        "read_at",
    )
    list_filter = ("category", "email_status")
    search_fields = ("recipient__email", "dispute__reference")
    list_select_related = ("recipient",)
    readonly_fields = (
        "recipient",
        "event",
        "dispute",
        "category",
        "title",
        "body",
        "created_at",
        "read_at",
        "email_status",
        "email_attempts",
        "email_claimed_at",
        "emailed_at",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ("user", "category", "email")
    list_filter = ("category", "email")
    search_fields = ("user__email",)
