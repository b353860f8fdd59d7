"""Issue 15 item 1: Contact seller / Contact buyer, the order's conversation before any
dispute (SPEC 13.3), in the pages and the API."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from disputes.errors import NotAllowedNow, NotYours
from disputes.models import Notification
from orders.conversation import order_message_post
from orders.models import OrderMessage, OrderStatus
from tests.api.conftest import api_for
from tests.conftest import client_for
from tests.factories import BuyerFactory, OrderFactory, add_item, full_order

pytestmark = pytest.mark.django_db

QUESTION = "Six of the twelve mugs arrived cracked. Can you send replacements?"


@pytest.fixture
def order(buyer, seller):
    return full_order(buyer=buyer, seller=seller)


def _page(user, name, order):
    args = [] if name == "orders:list" else [order.reference]
    return client_for(user).get(reverse(name, args=args))


def test_the_buyer_contacts_the_seller_who_is_told_and_answers(
    order, buyer, seller, django_capture_on_commit_callbacks
):
    detail = _page(buyer, "orders:detail", order).content.decode()
    assert "Contact the seller first" in detail
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(buyer).post(
            reverse("orders:conversation", args=[order.reference]), {"body": QUESTION}
        )
    assert response.status_code == 302
    # The seller is told in the bell and by email, with a link to the conversation.
    notice = Notification.objects.get(recipient=seller)
    assert notice.title == f"{order.reference}: new message from the buyer"
    assert notice.body == QUESTION
    assert notice.dispute is None
    [email] = mail.outbox
    assert email.to == [seller.email]
    assert f"/orders/{order.reference}/conversation/" in email.body
    assert "Open the conversation about order" in email.body
    # Their order list and order page count it, until they read it.
    assert "1 new message" in _page(seller, "orders:list", order).content.decode()
    assert "1 new" in _page(seller, "orders:detail", order).content.decode()
    page = _page(seller, "orders:conversation", order).content.decode()
    assert QUESTION in page
    assert "Conversation with Bea Buyer" in page
    assert "new message" not in _page(seller, "orders:list", order).content.decode()
    assert Notification.objects.get(recipient=seller).read_at is not None
    # The seller answers; the buyer is told.
    client_for(seller).post(
        reverse("orders:conversation", args=[order.reference]),
        {"body": "Sorry! Replacements ship tomorrow."},
    )
    assert (
        Notification.objects.get(recipient=buyer).title
        == f"{order.reference}: new message from the seller"
    )
    page = _page(buyer, "orders:conversation", order).content.decode()
    assert page.index(QUESTION) < page.index("Replacements ship tomorrow")


def test_the_bell_opens_the_conversation(order, buyer, seller):
    order_message_post(order=order, actor=buyer, body=QUESTION)
    notice = Notification.objects.get(recipient=seller)
    response = client_for(seller).post(reverse("notification_read", args=[notice.pk]))
    assert response.url == reverse("orders:conversation", args=[order.reference])


def test_an_unpaid_order_has_no_conversation_yet(buyer, seller):
    unpaid = OrderFactory(buyer=buyer, seller=seller, status=OrderStatus.PLACED)
    add_item(unpaid)
    assert "once the order is paid" in _page(buyer, "orders:detail", unpaid).content.decode()
    with pytest.raises(NotAllowedNow):
        order_message_post(order=unpaid, actor=buyer, body=QUESTION)
    response = client_for(buyer).post(
        reverse("orders:conversation", args=[unpaid.reference]), {"body": QUESTION}
    )
    assert response.status_code == 400
    # The page offers no box until then, and says why.
    assert "once the order is paid" in response.content.decode()
    assert not OrderMessage.objects.exists()


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("   ", "This field is required"),
        ("x" * 5001, "at most 5000 characters"),
        ("broken\x00mugs", "Null characters are not allowed"),
    ],
)
def test_bad_messages_are_explained_next_to_the_box(order, buyer, typed, said):
    response = client_for(buyer).post(
        reverse("orders:conversation", args=[order.reference]), {"body": typed}
    )
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not OrderMessage.objects.exists()


def test_nobody_else_reads_or_writes_the_conversation(order, buyer, seller, mediator):
    order_message_post(order=order, actor=buyer, body=QUESTION)
    stranger = BuyerFactory(email="eve@example.com")
    for person in (stranger, mediator):
        assert _page(person, "orders:conversation", order).status_code == 404
        response = client_for(person).post(
            reverse("orders:conversation", args=[order.reference]), {"body": "Hello there"}
        )
        assert response.status_code == 404
    with pytest.raises(NotYours):
        order_message_post(order=order, actor=stranger, body="Hello there")
    assert OrderMessage.objects.count() == 1


def test_the_database_keeps_the_conversation_as_written(order, buyer):
    message = order_message_post(order=order, actor=buyer, body=QUESTION)
    for statement in (
        "UPDATE orders_ordermessage SET body = 'nothing happened' WHERE id = %s",
        "DELETE FROM orders_ordermessage WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [message.pk])
    message.refresh_from_db()
    assert message.body == QUESTION


def test_the_api_reads_and_writes_the_conversation(order, buyer, seller):
    url = f"/api/v1/orders/{order.reference}/messages/"
    client = api_for(buyer)
    created = client.post(url, {"body": QUESTION}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["author_party"] == "buyer"
    listed = api_for(seller).get(url).json()
    assert [m["body"] for m in listed["results"]] == [QUESTION]
    # The seller's notifications say which order, and no dispute.
    [notice] = api_for(seller).get("/api/v1/notifications/").json()["results"]
    assert (notice["order"], notice["dispute"]) == (order.reference, None)
    # Bad input, strangers.
    empty = client.post(url, {"body": ""}, format="json")
    assert empty.status_code == 400
    assert "body" in empty.json()["errors"]
    stranger = api_for(BuyerFactory(email="eve@example.com"))
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"body": "Hello there"}, format="json").status_code == 404
    assert OrderMessage.objects.count() == 1


@pytest.mark.parametrize("orders", [1, 20])
def test_the_order_list_counts_unread_messages_at_no_extra_query(
    orders, buyer, seller, django_assert_num_queries, settings
):
    from tests.orders.test_queries import LIST_QUERIES

    settings.ORDERS_PER_PAGE = 50
    for _ in range(orders):
        order_message_post(order=full_order(buyer=buyer, seller=seller), actor=buyer, body="Hi")
    client = client_for(seller)
    with django_assert_num_queries(LIST_QUERIES):
        page = client.get(reverse("orders:list")).content.decode()
    assert page.count("1 new message") == orders


def test_the_start_form_suggests_it_and_the_dispute_shows_it(order, buyer, seller):
    start = _page(buyer, "orders:start_dispute", order).content.decode()
    assert "Have you contacted the seller?" in start
    order_message_post(order=order, actor=buyer, body=QUESTION)
    order_message_post(order=order, actor=seller, body="We only ship replacements next month.")
    start = _page(buyer, "orders:start_dispute", order).content.decode()
    assert "You and the seller have written 2 messages about this order" in start

    from disputes import services
    from tests.conftest import open_dispute

    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    for person in (buyer, seller):
        page = client_for(person).get(reverse("disputes:detail", args=[dispute.reference]))
        html = page.content.decode()
        assert "Before the dispute: the conversation about the order" in html
        assert QUESTION in html
        assert "We only ship replacements next month." in html
        assert reverse("orders:conversation", args=[order.reference]) in html


def test_the_api_takes_a_message_as_text_only(order, buyer):
    response = api_for(buyer).post(
        f"/api/v1/orders/{order.reference}/messages/", {"body": 0}, format="json"
    )
    assert response.status_code == 400
    assert "body" in response.json()["errors"]
    assert not OrderMessage.objects.exists()
