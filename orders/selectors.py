"""Reads of orders, always scoped to the viewer (ARCHITECTURE rule 7)."""

from __future__ import annotations

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from accounts.models import Role, User
from orders.models import Order, OrderItem


def orders_visible_to(user: User) -> QuerySet[Order]:
    """A buyer's purchases or a seller's sales; nothing for anyone else.

    Mediators reach orders only through the cases they work, not here.
    """
    if not user.is_authenticated:
        return Order.objects.none()
    if user.role == Role.BUYER:
        return Order.objects.filter(buyer=user)
    if user.role == Role.SELLER:
        return Order.objects.filter(seller=user)
    return Order.objects.none()


def _with_page_data(orders: QuerySet[Order]) -> QuerySet[Order]:
    # One joined query for the order, both parties, the store, payment and
    # shipment; one more for the disputes the eligibility check reads.
    return orders.select_related(
        "buyer", "seller", "seller__seller_profile", "payment", "shipment"
    ).prefetch_related("disputes")


def order_list(user: User, *, query: str = "", status: str = "") -> QuerySet[Order]:
    orders = orders_visible_to(user)
    if status:
        orders = orders.filter(status=status)
    query = query.strip()
    if query:
        # Exists() rather than a join on items: no duplicate rows, no DISTINCT.
        item_matches = OrderItem.objects.filter(order=OuterRef("pk"), product_name__icontains=query)
        orders = orders.filter(
            Q(reference__icontains=query)
            | Q(seller__seller_profile__store_name__icontains=query)
            | Q(buyer__name__icontains=query)
            | Q(buyer__email__icontains=query)
            | Exists(item_matches)
        )
    return _with_unread(_with_page_data(orders), user).order_by("-placed_at", "-id")


def _with_unread(orders: QuerySet[Order], user: User) -> QuerySet[Order]:
    """Each order's unread messages of its conversation, for the viewer (a subquery on
    the partial index of unread order notifications: no query per row)."""
    from disputes.models import Notification

    unread = (
        Notification.objects.filter(order=OuterRef("pk"), recipient=user, read_at__isnull=True)
        .order_by()
        .values("order")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return orders.annotate(unread_messages=Coalesce(Subquery(unread), 0))


def unread_order_messages(user: User, order: Order) -> int:
    from disputes.models import Notification

    return Notification.objects.filter(order=order, recipient=user, read_at__isnull=True).count()


def order_for_user(user: User, reference: str) -> Order:
    """The order with its items, or 404 if it does not exist or is not the viewer's."""
    try:
        return (
            _with_page_data(orders_visible_to(user))
            .prefetch_related("items")
            .get(reference=reference)
        )
    except Order.DoesNotExist:
        raise Http404("No such order.") from None
