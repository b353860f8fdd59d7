from __future__ import annotations

import secrets
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from orders.money import Currency, format_money, has_currency_precision, money_field

# No 0/O or 1/I: references are read out on the phone and typed from emails.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"


def new_reference(prefix: str) -> str:
    return prefix + "-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def new_order_reference() -> str:
    return new_reference("ORD")


class OrderStatus(models.TextChoices):
    PLACED = "placed", _("Placed")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")


class Order(models.Model):
    reference = models.CharField(
        max_length=16, unique=True, default=new_order_reference, editable=False
    )
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="purchases"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sales"
    )
    status = models.CharField(
        max_length=16, choices=OrderStatus.choices, default=OrderStatus.PLACED
    )
    currency = models.CharField(max_length=3, choices=Currency.choices, default=Currency.USD)
    total = money_field(_("total"))
    amount_paid = money_field(_("amount paid"), default=Decimal(0))
    # The date the seller promised at checkout; "not received" waits for it.
    expected_delivery_date = models.DateField(null=True, blank=True)
    placed_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-placed_at", "-id"]
        indexes = [
            models.Index(fields=["buyer", "-placed_at"], name="order_buyer_placed"),
            models.Index(fields=["seller", "-placed_at"], name="order_seller_placed"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(total__gte=0), name="order_total_gte_0"),
            models.CheckConstraint(
                condition=models.Q(amount_paid__gte=0)
                & models.Q(amount_paid__lte=models.F("total")),
                name="order_paid_between_0_and_total",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=OrderStatus.values), name="order_status_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(buyer=models.F("seller")), name="order_buyer_is_not_seller"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def clean(self) -> None:
        for field in ("total", "amount_paid"):
            amount = getattr(self, field)
            if amount is not None and not has_currency_precision(amount, self.currency):
                raise ValidationError(
                    {
                        field: _("%(currency)s amounts cannot have that many decimal places.")
                        % {"currency": self.currency}
                    }
                )

    @property
    def total_display(self) -> str:
        return format_money(self.total, self.currency)

    @property
    def amount_paid_display(self) -> str:
        return format_money(self.amount_paid, self.currency)


class OrderItem(models.Model):
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items")
    product_name = models.CharField(max_length=200)
    sku = models.CharField(_("SKU"), max_length=64, blank=True)
    quantity = models.PositiveIntegerField()
    unit_price = money_field()

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="item_quantity_gte_1"),
            models.CheckConstraint(condition=models.Q(unit_price__gte=0), name="item_price_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} x {self.product_name}"

    @property
    def line_total(self) -> Decimal:
        return self.unit_price * self.quantity


class PaymentStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class Payment(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="payment")
    method = models.CharField(max_length=32, help_text=_("e.g. card, bank transfer"))
    provider = models.CharField(max_length=32, default="sandbox")
    provider_reference = models.CharField(max_length=64, unique=True)
    amount = money_field()
    currency = models.CharField(max_length=3, choices=Currency.choices)
    status = models.CharField(
        max_length=16, choices=PaymentStatus.choices, default=PaymentStatus.SUCCEEDED
    )
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="payment_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.provider_reference} ({self.status})"


class Shipment(models.Model):
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="shipment")
    carrier = models.CharField(max_length=64)
    tracking_number = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivered_at__isnull=True)
                | models.Q(shipped_at__isnull=False, delivered_at__gte=models.F("shipped_at")),
                name="shipment_delivered_after_shipped",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.carrier} {self.tracking_number}".strip()


class OrderMessage(models.Model):
    """The order's own conversation between buyer and seller, from payment on and before
    any dispute (SPEC 13.3; the seed says to contact the seller first). Written once:
    PostgreSQL refuses UPDATE and DELETE (migration 0003), as for a dispute's messages;
    a dispute opened later shows the thread and links to it."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="order_messages"
    )
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_message_thread")]
        constraints = [
            models.CheckConstraint(condition=~models.Q(body=""), name="order_message_not_empty")
        ]

    def __str__(self) -> str:
        return f"{self.order.reference}: {self.body[:40]}"
