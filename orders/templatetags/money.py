from decimal import Decimal

from django import template

from orders.money import format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """``{{ item.unit_price|money:order.currency }}`` → ``1,850.00 USD``."""
    if amount is None:
        return "—"
    return format_money(amount, currency)
