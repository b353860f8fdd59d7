"""Input fields that refuse what PostgreSQL cannot store (NUL, lone surrogates) with a 400."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class Text(serializers.CharField):
    default_error_messages = {"surrogate": _("The text is not valid Unicode.")}

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            self.fail("surrogate")
        return value


class Money(serializers.DecimalField):
    """A decimal string such as "25.00" (never a float) within a money column."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault("coerce_to_string", True)
        kwargs.setdefault("min_value", Decimal(0))
        super().__init__(**kwargs)
