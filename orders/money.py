"""Money is a Decimal in a currency; amounts carry that currency's precision, never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class Currency(models.TextChoices):
    USD = "USD", _("US dollar")
    EUR = "EUR", _("Euro")
    GBP = "GBP", _("Pound sterling")
    CNY = "CNY", _("Chinese yuan")
    JPY = "JPY", _("Japanese yen")


# ISO 4217 minor units: how many decimal places an amount may have.
MINOR_UNITS = {"USD": 2, "EUR": 2, "GBP": 2, "CNY": 2, "JPY": 0}


def money_field(verbose_name: StrOrPromise | None = None, **kwargs: Any) -> models.DecimalField:
    """A money column: two decimal places, the largest precision any supported currency uses."""
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **kwargs)


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS[currency])


def quantize(amount: Decimal, currency: str) -> Decimal:
    """Round to the currency's precision (half up, as payment providers do)."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def has_currency_precision(amount: Decimal, currency: str) -> bool:
    return amount == amount.quantize(quantum(currency))


def format_money(amount: Decimal, currency: str) -> str:
    return f"{quantize(amount, currency):,} {currency}"
