"""Orders in the admin: editable until the order has a dispute (issue 13, "No silent
corrections in the admin"; docs/audit.md "Corrections").

Once an order has a dispute, closed ones included, its parties and money are part
of the record: sealed in the dispute's chain, they decide what can be refunded.
They are read-only here then, nothing of the order is deleted, and the amounts
change only through the "Correct the order's amounts" action, which asks for a
reason and writes an event in every dispute of the order
(``disputes.services.corrections``). Orders without a dispute stay editable.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import admin, messages
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from orders.models import Order, OrderItem, Payment, Shipment

# The order's fields that are the record once it has a dispute. The parties and
# the money are sealed in the dispute's chain (disputes.records.ORDER_FIELDS);
# the dates decide the dispute windows (orders.eligibility: the payment's date,
# or the order's, starts "not received"; the expected delivery date opens it).
ORDER_LOCKED = ("buyer", "seller", "currency", "total", "amount_paid")
ORDER_LOCKED_DATES = ("placed_at", "expected_delivery_date")
# The payment is where refunds go (its provider reference) and what was paid:
# all of it. Its date starts the "not received" window when nothing was shipped.
PAYMENT_LOCKED = (
    "order",
    "method",
    "provider",
    "provider_reference",
    "amount",
    "currency",
    "status",
    "paid_at",
)
# Carrier and tracking number are neither money nor a party, and a wrong tracking
# number is worth fixing; the dates are not: shipped_at starts the "not received"
# window and delivered_at the dispute window (orders.eligibility), so editing them
# would quietly reopen or close what the case was opened under.
SHIPMENT_LOCKED = ("order", "shipped_at", "delivered_at")
# What was bought, how many and at what price: what the claim is about, and the total.
ITEM_LOCKED = ("order", "product_name", "sku", "quantity", "unit_price")


def has_dispute(order: Order | None) -> bool:
    """Whether the order has any dispute (closed ones too); asked once per request object."""
    if order is None or order.pk is None:
        return False
    known: bool | None = getattr(order, "_has_dispute", None)
    if known is None:
        known = order.disputes.exists()
        order._has_dispute = known  # type: ignore[attr-defined]
    return known


def _order_of(obj: Model | None) -> Order | None:
    if obj is None or isinstance(obj, Order):
        return obj
    return obj.order if obj.pk is not None else None  # type: ignore[attr-defined]


class RecordGuard:
    """Read-only fields and no delete for rows of an order with a dispute.

    On a ModelAdmin ``obj`` is the row itself; on an inline it is the parent order.
    The bulk "Delete selected" action asks ``has_delete_permission`` for each row
    it would delete (``admin.utils.get_deleted_objects``), so it is refused too.
    """

    locked_fields: ClassVar[tuple[str, ...]] = ()

    def get_readonly_fields(
        self, request: HttpRequest, obj: Any = None
    ) -> list[str] | tuple[str, ...]:
        readonly = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        if has_dispute(_order_of(obj)):
            readonly += [f for f in self.locked_fields if f not in readonly]
        return readonly

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if has_dispute(_order_of(obj)):
            return False
        return super().has_delete_permission(request, obj)  # type: ignore[misc]


class GuardedInline(RecordGuard):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A row added now would carry the locked fields empty or unchecked.
        if has_dispute(obj):
            return False
        return super().has_add_permission(request, obj)  # type: ignore[misc]


class OrderItemInline(GuardedInline, admin.TabularInline):
    model = OrderItem
    extra = 0
    locked_fields = ITEM_LOCKED


class PaymentInline(GuardedInline, admin.StackedInline):
    model = Payment
    extra = 0
    locked_fields = PAYMENT_LOCKED


class ShipmentInline(RecordGuard, admin.StackedInline):
    # A shipment may still be added (carrier and tracking number); its dates stay empty.
    model = Shipment
    extra = 0
    locked_fields = SHIPMENT_LOCKED


class CorrectionForm(forms.Form):
    amount_paid = forms.DecimalField(label="Amount paid", max_digits=14, decimal_places=2)
    total = forms.DecimalField(label="Total", max_digits=14, decimal_places=2)
    reason = forms.CharField(
        label="Why (the payment provider's statement, the seller's invoice)",
        widget=forms.Textarea(attrs={"rows": 3}),
        # The service's own rule (at least 10 characters) answers a short one.
        max_length=1000,
    )


@admin.action(description="Correct the order's amounts (asks for a reason)")
def correct_amounts(
    modeladmin: Any, request: HttpRequest, queryset: QuerySet[Order]
) -> HttpResponse | None:
    """The one way the money of an order with a dispute changes: the correction
    service, which records who and why in every dispute of the order."""
    from disputes.errors import DisputeError
    from disputes.services.corrections import correct_order
    from disputes.services.refunds import committed_refunds

    orders = list(queryset[:2])
    if len(orders) != 1:
        messages.error(request, "Select one order to correct.")
        return None
    order = orders[0]
    form = CorrectionForm(
        request.POST if "reason" in request.POST else None,
        initial={"amount_paid": order.amount_paid, "total": order.total},
    )
    if form.is_valid():
        try:
            corrected = correct_order(
                order=order,
                actor=request.user,  # type: ignore[arg-type]
                changes={
                    "amount_paid": form.cleaned_data["amount_paid"],
                    "total": form.cleaned_data["total"],
                },
                reason=form.cleaned_data["reason"],
            )
        except DisputeError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        else:
            modeladmin.log_change(
                request, corrected, f"Corrected the amounts: {form.cleaned_data['reason']}"
            )
            messages.success(
                request,
                f"{corrected.reference} corrected: paid {corrected.amount_paid_display}, "
                f"total {corrected.total_display}.",
            )
            return None
    return render(
        request,
        "admin/orders/correct.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "order": order,
            "refunded": committed_refunds(order),
            "disputes": list(order.disputes.values_list("reference", flat=True)),
            "action": "correct_amounts",
            "opts": modeladmin.model._meta,
            "title": f"Correct {order.reference}",
        },
    )


@admin.register(Order)
class OrderAdmin(RecordGuard, admin.ModelAdmin):
    list_display = (
        "reference",
        "buyer",
        "seller",
        "status",
        "total",
        "amount_paid",
        "currency",
        "placed_at",
    )
    list_filter = ("status", "currency")
    search_fields = (
        "reference",
        "buyer__email",
        "seller__email",
        "seller__seller_profile__store_name",
    )
    list_select_related = ("buyer", "seller")
    readonly_fields = ("reference",)
    locked_fields = (*ORDER_LOCKED, *ORDER_LOCKED_DATES)
    date_hierarchy = "placed_at"
    inlines = (OrderItemInline, PaymentInline, ShipmentInline)
    raw_id_fields = ("buyer", "seller")
    actions = (correct_amounts,)


@admin.register(Payment)
class PaymentAdmin(RecordGuard, admin.ModelAdmin):
    list_display = ("provider_reference", "order", "amount", "currency", "status", "paid_at")
    list_filter = ("status", "provider")
    search_fields = ("provider_reference", "order__reference")
    list_select_related = ("order",)
    raw_id_fields = ("order",)
    locked_fields = PAYMENT_LOCKED


@admin.register(Shipment)
class ShipmentAdmin(RecordGuard, admin.ModelAdmin):
    list_display = ("order", "carrier", "tracking_number", "shipped_at", "delivered_at")
    search_fields = ("tracking_number", "order__reference")
    list_select_related = ("order",)
    raw_id_fields = ("order",)
    locked_fields = SHIPMENT_LOCKED


@admin.register(OrderItem)
class OrderItemAdmin(RecordGuard, admin.ModelAdmin):
    list_display = ("order", "product_name", "sku", "quantity", "unit_price")
    search_fields = ("product_name", "sku", "order__reference")
    list_select_related = ("order",)
    raw_id_fields = ("order",)
    locked_fields = ITEM_LOCKED
