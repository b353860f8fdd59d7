"""Money keeps its currency's precision and is never a float."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from orders.money import format_money, has_currency_precision, quantize
from tests.factories import OrderFactory


def test_amounts_are_shown_with_thousands_and_the_currency():
    assert format_money(Decimal("1850"), "USD") == "1,850.00 USD"
    assert format_money(Decimal("1850"), "JPY") == "1,850 JPY"


def test_rounding_is_half_up_at_the_currency_precision():
    assert quantize(Decimal("0.125"), "EUR") == Decimal("0.13")
    assert quantize(Decimal("99.5"), "JPY") == Decimal("100")


def test_precision_check():
    assert has_currency_precision(Decimal("10.50"), "USD")
    assert not has_currency_precision(Decimal("10.505"), "USD")
    assert not has_currency_precision(Decimal("10.5"), "JPY")


@pytest.mark.django_db
def test_an_order_in_yen_refuses_cents():
    order = OrderFactory.build(currency="JPY", total=Decimal("1000.50"), amount_paid=Decimal(0))
    with pytest.raises(ValidationError) as error:
        order.clean()
    assert "JPY amounts cannot have that many decimal places." in str(error.value)
