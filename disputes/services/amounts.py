"""Money typed by a person, read the one way every service reads it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from disputes.errors import BadAmount

# What a money column (14 digits, 2 after the point) holds, and quantize() handles.
MAX_AMOUNT = Decimal("1e12")
CENT = Decimal("0.01")


def amount_from(value: Any, field: str = "amount", *, cents: bool = True) -> Decimal:
    """A finite amount of zero or more within a money column; with ``cents``, at most
    two decimal places (a caller that knows the currency checks its own precision)."""
    try:
        amount = Decimal(str(value).strip())
    except ArithmeticError:
        raise BadAmount("Enter an amount such as 25.00.", field=field) from None
    if not amount.is_finite() or amount < 0:
        raise BadAmount("The amount must be zero or more.", field=field)
    if amount >= MAX_AMOUNT:
        raise BadAmount("That amount is far too large.", field=field)
    if cents and amount != amount.quantize(CENT):
        raise BadAmount("The amount can have at most two decimal places.", field=field)
    return amount
