from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.choices import (
    ALL_REASON_CODES,
    REQUESTED_OUTCOMES,
    TERMINAL_STATES,
    DisputeState,
    DisputeType,
)
from orders.models import Order, new_reference
from orders.money import money_field


def new_dispute_reference() -> str:
    return new_reference("DSP")


class Dispute(models.Model):
    """A buyer's claim about one order.

    The lifecycle (transitions, deadlines, events) is built on this model by
    the workflow table and services; nothing but those services writes
    ``state``.
    """

    reference = models.CharField(
        max_length=16, unique=True, default=new_dispute_reference, editable=False
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    # The parties are copied from the order so every scoped read is one index lookup.
    buyer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_opened"
    )
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disputes_received"
    )
    type = models.CharField(_("type"), max_length=32, choices=DisputeType.choices)
    reason = models.CharField(
        _("reason"), max_length=32, choices=[(c, c) for c in ALL_REASON_CODES]
    )
    description = models.TextField(_("description"))
    claimed_amount = money_field(_("amount claimed"))
    requested_outcome = models.CharField(
        _("requested outcome"), max_length=32, choices=REQUESTED_OUTCOMES
    )
    state = models.CharField(
        max_length=32, choices=DisputeState.choices, default=DisputeState.DRAFT, editable=False
    )
    deadline_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every transition: the compare-and-set token.
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "deadline_at"], name="dispute_state_deadline"),
            models.Index(fields=["buyer", "-created_at"], name="dispute_buyer_created"),
            models.Index(fields=["seller", "-created_at"], name="dispute_seller_created"),
        ]
        constraints = [
            # SPEC section 2: at most one active dispute per order.
            models.UniqueConstraint(
                fields=["order"],
                condition=~models.Q(state__in=[s.value for s in TERMINAL_STATES]),
                name="dispute_one_active_per_order",
            ),
            models.CheckConstraint(
                condition=models.Q(claimed_amount__gte=0), name="dispute_claimed_amount_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=DisputeState.values), name="dispute_state_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(type__in=DisputeType.values), name="dispute_type_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.state not in TERMINAL_STATES
