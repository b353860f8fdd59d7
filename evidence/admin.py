"""Evidence in the admin: read-only; hiding an item asks for a reason and is an event."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from accounts.models import User
from disputes.errors import DisputeError
from evidence.models import Evidence
from evidence.services import evidence_hide


class HideForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=500)


@admin.action(description="Hide the selected evidence (asks for a reason)")
def hide_evidence(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Evidence]
) -> HttpResponse | None:
    form = HideForm(request.POST if "reason" in request.POST else None)
    if form.is_valid():
        actor: User = request.user  # type: ignore[assignment]
        for item in queryset:
            try:
                evidence_hide(evidence=item, actor=actor, reason=form.cleaned_data["reason"])
            except DisputeError as exc:
                messages.error(request, f"{item}: {exc.message}")
        messages.success(request, f"{queryset.count()} item(s) hidden.")
        return None
    return render(
        request,
        "admin/evidence/hide.html",
        {
            "form": form,
            "items": queryset,
            "action": "hide_evidence",
            "opts": modeladmin.model._meta,
        },
    )


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    list_display = (
        "original_name",
        "dispute",
        "kind",
        "uploader",
        "size",
        "visibility",
        "hidden_at",
        "created_at",
    )
    list_filter = ("kind", "visibility", "thumbnail_status")
    search_fields = ("dispute__reference", "original_name", "sha256", "uploader__email")
    list_select_related = ("dispute", "uploader")
    readonly_fields = [f.name for f in Evidence._meta.fields]
    actions = (hide_evidence,)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Submitted evidence is never deleted (SPEC section 4); hide it instead.
        return False
