"""The order's conversation: buyer and seller talk before any dispute (SPEC 13.3).

The seed article says to contact the seller first; this is where. It opens once
the order is paid, stays open after a dispute is opened (the dispute page shows
it and links here), and tells the other party as a dispute's messages do: a
notification in the bell, and an email unless they turned message emails off.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import QuerySet

from accounts.models import User
from disputes.errors import InvalidInput, NotAllowedNow, NotYours
from disputes.notifications import notify_order_message
from orders.models import Order, OrderMessage, OrderStatus

MAX_MESSAGE = 5000
# Paid and after: the seller has the buyer's money, so there is something to talk about.
OPEN_STATUSES = (
    OrderStatus.PAID,
    OrderStatus.SHIPPED,
    OrderStatus.DELIVERED,
    OrderStatus.COMPLETED,
)


def conversation_open(order: Order) -> bool:
    return order.status in OPEN_STATUSES


def order_message_post(*, order: Order, actor: User, body: str) -> OrderMessage:
    """A message from the buyer to the seller of ``order``, or back."""
    if actor.pk not in (order.buyer_id, order.seller_id):
        raise NotYours("Only the buyer and the seller of an order talk about it.")
    if not conversation_open(order):
        raise NotAllowedNow("You can contact the other party once the order is paid.")
    text = (body or "").strip()
    if not text:
        raise InvalidInput("Write a message first.", field="body")
    if "\x00" in text:
        raise InvalidInput("The message contains a character that cannot be stored.", field="body")
    if len(text) > MAX_MESSAGE:
        raise InvalidInput(f"A message can have at most {MAX_MESSAGE} characters.", field="body")
    with transaction.atomic():
        message = OrderMessage.objects.create(order=order, author=actor, body=text)
        other = order.seller_id if actor.pk == order.buyer_id else order.buyer_id
        notify_order_message(message, recipient=other, from_seller=actor.pk == order.seller_id)
    return message


def thread(order: Order) -> QuerySet[OrderMessage]:
    return (
        OrderMessage.objects.filter(order=order)
        .select_related("author")
        .order_by("created_at", "id")
    )
