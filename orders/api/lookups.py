"""Orders by id or reference, scoped to the viewer."""

from __future__ import annotations

import re

from django.http import Http404

from accounts.models import User
from disputes.errors import InvalidInput
from orders.models import Order
from orders.selectors import order_for_user, orders_visible_to

REFERENCE = re.compile(r"[A-Z]{3}-[A-Za-z0-9]{1,16}")
MAX_ID = 2**63 - 1


def order_for_api(user: User, ident: str, *, field: str | None = None) -> Order:
    """The order by id or reference; 404 (or, in a body ``field``, a 400 there) otherwise."""
    ident = str(ident).strip()
    try:
        if ident.isascii() and ident.isdigit() and int(ident) <= MAX_ID:
            reference = (
                orders_visible_to(user)
                .filter(pk=int(ident))
                .values_list("reference", flat=True)
                .first()
            )
            if reference is None:
                raise Http404("No such order.")
            ident = reference
        if not REFERENCE.fullmatch(ident):
            raise Http404("No such order.")
        return order_for_user(user, ident)
    except Http404:
        if field is None:
            raise
        raise InvalidInput("No such order among yours.", field=field) from None
