"""The payment-gateway interface refunds go through, and the sandbox gateway."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol


class GatewayError(Exception):
    """The gateway could not pay now (network, provider down): the task retries."""


@dataclass(frozen=True)
class GatewayRefund:
    reference: str


class PaymentGateway(Protocol):
    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayRefund:
        """Refund ``amount`` of the payment; the same key must never pay twice."""
        ...


class SandboxGateway:
    """Pays nothing, always succeeds; the reference follows from the idempotency key,
    so a retried call answers exactly like the first (as real providers do)."""

    def refund(
        self, *, payment_reference: str, amount: Decimal, currency: str, idempotency_key: str
    ) -> GatewayRefund:
        digest = hashlib.sha256(idempotency_key.encode()).hexdigest()[:16].upper()
        return GatewayRefund(reference=f"SBX-RF-{digest}")
