from django.contrib import admin

from disputes.models import Dispute


@admin.register(Dispute)
class DisputeAdmin(admin.ModelAdmin):
    """Read-mostly: ``state`` and the deadline change only through the workflow's services."""

    list_display = (
        "reference",
        "order",
        "type",
        "state",
        "claimed_amount",
        "deadline_at",
        "created_at",
    )
    list_filter = ("state", "type")
    search_fields = ("reference", "order__reference", "buyer__email", "seller__email")
    list_select_related = ("order",)
    readonly_fields = ("reference", "state", "deadline_at", "version", "created_at")
    raw_id_fields = ("order", "buyer", "seller")
