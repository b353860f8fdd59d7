"""No silent corrections in the admin (issue 13): once an order has a dispute its
parties and money are read-only in the admin, they change only through the
correction service (an ``order_corrected`` event with who and why in every
dispute of the order), and the database keeps the refund ledger's invariant
(paid >= refunded) whatever writes to it."""

from __future__ import annotations

import io
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from disputes import services
from disputes.choices import COMMITTED_REFUND_STATES, DisputeState, RefundStatus
from disputes.errors import BadAmount, InvalidInput, NotYours
from disputes.models import Dispute, DisputeEvent, Notification, Refund
from disputes.services.corrections import correct_order
from disputes.services.engine import record_creation
from disputes.services.refunds import give_up, issue_refund, refund_retry
from orders.models import Order, Payment, Shipment
from tests.conftest import client_for
from tests.disputes.conftest import open_dispute
from tests.factories import DisputeFactory, MediatorFactory, full_order, make_lead

pytestmark = pytest.mark.django_db

REASON = "The provider's statement shows 100.00 was captured, not 120.00."


@pytest.fixture
def staff(db):
    return User.objects.create_superuser("ada@example.com", "correct horse battery staple")


@pytest.fixture
def disputed(order, buyer):
    """The order (paid 120.00) with a submitted dispute."""
    services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    return Order.objects.get(pk=order.pk)


class _Form(HTMLParser):
    """The inputs of a page's form, as a browser would send them unchanged."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self.names: set[str] = set()
        self._select: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        name = a.get("name")
        if tag == "input" and name:
            self.names.add(name)
            if a.get("type") in ("checkbox", "radio") and "checked" not in a:
                return
            if a.get("type") not in ("submit", "button", "file"):
                self.data[name] = a.get("value", "")
        elif tag == "select" and name:
            self.names.add(name)
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value", "")
        elif tag == "textarea" and name:
            self.names.add(name)
            self._textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea] += data.lstrip("\n")


def form_of(html: str) -> _Form:
    parser = _Form()
    parser.feed(html)
    return parser


def change_page(client, model: str, pk: int) -> tuple[str, _Form]:
    url = reverse(f"admin:orders_{model}_change", args=[pk])
    page = client.get(url)
    assert page.status_code == 200
    return url, form_of(page.content.decode())


def verify_audit() -> str:
    out = io.StringIO()
    call_command("verify_audit", stdout=out, stderr=io.StringIO())
    return out.getvalue()


def events(order: Order, kind: str = "order_corrected") -> list[DisputeEvent]:
    return list(DisputeEvent.objects.filter(dispute__order=order, kind=kind).order_by("dispute_id"))


# --- The admin ------------------------------------------------------------------


def test_an_order_with_a_dispute_shows_its_parties_and_money_read_only(disputed, staff):
    client = client_for(staff)
    url, form = change_page(client, "order", disputed.pk)
    for field in ("buyer", "seller", "currency", "total", "amount_paid", "placed_at_0"):
        assert field not in form.names, field
    # The payment inline: all of it; the shipment inline: its dates, not its carrier.
    for field in ("payment-0-amount", "payment-0-provider_reference", "shipment-0-delivered_at_0"):
        assert field not in form.names, field
    assert "shipment-0-tracking_number" in form.names
    assert "status" in form.names

    # A POST with a changed amount (as a hand-made request would send it) changes nothing.
    data = {**form.data, "amount_paid": "10.00", "total": "10.00", "status": "completed"}
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get(pk=disputed.pk)
    assert (order.amount_paid, order.total) == (Decimal("120.00"), Decimal("120.00"))
    assert order.status == "completed"  # what is not the record stays editable
    verify_audit()


def test_an_order_without_a_dispute_stays_editable(order, staff):
    client = client_for(staff)
    url, form = change_page(client, "order", order.pk)
    for field in ("buyer", "seller", "currency", "total", "amount_paid", "payment-0-amount"):
        assert field in form.names, field
    response = client.post(url, {**form.data, "amount_paid": "100.00"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Order.objects.get(pk=order.pk).amount_paid == Decimal("100.00")


def test_the_payment_and_shipment_of_a_disputed_order_are_read_only(disputed, staff):
    client = client_for(staff)
    payment, shipment = Payment.objects.get(order=disputed), Shipment.objects.get(order=disputed)
    payment_url, payment_form = change_page(client, "payment", payment.pk)
    for field in ("order", "amount", "currency", "provider_reference", "paid_at_0"):
        assert field not in payment_form.names, field
    client.post(payment_url, {**payment_form.data, "amount": "1.00"})
    assert Payment.objects.get(pk=payment.pk).amount == Decimal("120.00")

    shipment_url, shipment_form = change_page(client, "shipment", shipment.pk)
    assert "delivered_at_0" not in shipment_form.names
    assert "shipped_at_0" not in shipment_form.names
    response = client.post(shipment_url, {**shipment_form.data, "tracking_number": "JD0042"})
    assert response.status_code == 302
    changed = Shipment.objects.get(pk=shipment.pk)
    assert changed.tracking_number == "JD0042"
    assert changed.delivered_at == shipment.delivered_at


def test_nothing_of_a_disputed_order_can_be_deleted(disputed, staff):
    client = client_for(staff)
    payment = Payment.objects.get(order=disputed)
    for model, pk in (("order", disputed.pk), ("payment", payment.pk)):
        response = client.get(reverse(f"admin:orders_{model}_delete", args=[pk]))
        assert response.status_code == 403, model
    # The inlines offer no delete box.
    _url, form = change_page(client, "order", disputed.pk)
    assert not any(name.endswith("-DELETE") for name in form.names)
    # The bulk action asks for each row, and deletes nothing.
    response = client.post(
        reverse("admin:orders_payment_changelist"),
        {"action": "delete_selected", "_selected_action": [payment.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert Payment.objects.filter(pk=payment.pk).exists()


def test_a_payment_of_an_order_without_a_dispute_can_be_deleted(order, staff):
    payment = Payment.objects.get(order=order)
    response = client_for(staff).post(
        reverse("admin:orders_payment_delete", args=[payment.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Payment.objects.filter(pk=payment.pk).exists()


# --- The correction service -----------------------------------------------------


def test_a_correction_records_who_and_why_in_every_dispute_of_the_order(
    disputed, staff, buyer, seller
):
    # A second, closed dispute of the same order (as imported from an earlier
    # system): it sealed the order too, so it must hear of the correction.
    first = Dispute.objects.get(order=disputed)
    closed = DisputeFactory(order=disputed, state=DisputeState.CANCELLED, closed_at=timezone.now())
    record_creation(closed, actor=buyer, created_at=timezone.now(), details={})
    verify_audit()

    corrected = correct_order(
        order=disputed, actor=staff, changes={"amount_paid": "100.00"}, reason=REASON
    )

    assert corrected.amount_paid == Decimal("100.00")
    assert corrected.total == Decimal("120.00")
    recorded = events(disputed)
    assert [e.dispute_id for e in recorded] == sorted([first.pk, closed.pk])
    for event in recorded:
        assert event.actor_id is None  # the platform's event; "by" names the person
        assert event.details["by"] == staff.pk
        assert event.details["reason"] == REASON
        # Only what changed (the total did not).
        assert event.details["changes"] == {"amount_paid": {"from": "120.00", "to": "100.00"}}
        assert event.details["sealed"][0]["record"] == "order"
        assert set(event.details["sealed"][0]["fields"]) == {"amount_paid"}
    # The parties are told what changed and why.
    told = Notification.objects.filter(event=recorded[0])
    assert {n.recipient_id for n in told} == {buyer.pk, seller.pk}
    body = told.first().body
    assert "120.00 USD → 100.00 USD" in body
    assert REASON in body
    # The chains now seal the new amount: the audit passes.
    assert "Every sealed record matches its chain" in verify_audit()


def test_a_correction_below_what_is_refunded_is_refused_and_changes_nothing(disputed, staff):
    dispute = Dispute.objects.get(order=disputed)
    issue_refund(dispute, Decimal("50.00"), key="first-refund")
    count = DisputeEvent.objects.filter(dispute=dispute).count()

    with pytest.raises(BadAmount) as refused:
        correct_order(order=disputed, actor=staff, changes={"amount_paid": "40.00"}, reason=REASON)

    assert refused.value.field == "amount_paid"
    assert "50.00 USD is already refunded or on its way" in refused.value.message
    assert Order.objects.get(pk=disputed.pk).amount_paid == Decimal("120.00")
    assert DisputeEvent.objects.filter(dispute=dispute).count() == count
    # Down to exactly what is refunded is allowed.
    correct_order(order=disputed, actor=staff, changes={"amount_paid": "50.00"}, reason=REASON)
    assert Order.objects.get(pk=disputed.pk).amount_paid == Decimal("50.00")


@pytest.mark.parametrize(
    ("changes", "reason", "error", "field"),
    [
        ({"amount_paid": "100.00"}, "typo", InvalidInput, "reason"),
        ({"amount_paid": "130.00"}, REASON, BadAmount, "amount_paid"),
        ({"total": "100.00"}, REASON, BadAmount, "total"),
        ({"amount_paid": "-1"}, REASON, BadAmount, "amount_paid"),
        ({"amount_paid": "10.005"}, REASON, BadAmount, "amount_paid"),
        ({"amount_paid": "ten"}, REASON, BadAmount, "amount_paid"),
        ({"buyer_id": 1}, REASON, InvalidInput, "buyer_id"),
        ({"amount_paid": "120.00"}, REASON, InvalidInput, None),
    ],
)
def test_a_correction_needs_a_reason_and_valid_amounts(
    disputed, staff, changes, reason, error, field
):
    with pytest.raises(error) as refused:
        correct_order(order=disputed, actor=staff, changes=changes, reason=reason)
    assert refused.value.field == field
    assert events(disputed) == []


def test_yen_amounts_have_no_decimals(buyer, seller, staff):
    order = full_order(buyer=buyer, seller=seller, currency="JPY", total=Decimal("12000"))
    services.dispute_submit(dispute=open_dispute(order, amount="6000"), actor=buyer)
    with pytest.raises(BadAmount, match="JPY amounts cannot have"):
        correct_order(order=order, actor=staff, changes={"amount_paid": "100.50"}, reason=REASON)


def test_only_staff_correct_an_order(disputed, buyer, seller, mediator):
    for person in (buyer, seller, mediator):
        with pytest.raises(NotYours):
            correct_order(
                order=disputed, actor=person, changes={"amount_paid": "1.00"}, reason=REASON
            )


def test_a_failed_refund_is_not_retried_beyond_a_corrected_amount_paid(disputed, staff):
    dispute = Dispute.objects.get(order=disputed)
    refund = issue_refund(dispute, Decimal("100.00"), key="big-refund")
    give_up(refund.pk, "card expired")
    # A failed refund is not refunded: the amount paid may go below it.
    correct_order(order=disputed, actor=staff, changes={"amount_paid": "60.00"}, reason=REASON)
    lead = make_lead(MediatorFactory(email="lena@example.com"))
    with pytest.raises(BadAmount, match=r"At most 60\.00 USD"):
        refund_retry(refund=refund, actor=lead)
    assert Refund.objects.get(pk=refund.pk).status == RefundStatus.FAILED


# --- The admin action -----------------------------------------------------------


def _correct(client, order, **data):
    return client.post(
        reverse("admin:orders_order_changelist"),
        {"action": "correct_amounts", "_selected_action": [order.pk], **data},
    )


def test_the_admin_action_asks_for_the_amounts_and_a_reason(disputed, staff):
    client = client_for(staff)
    page = _correct(client, disputed)
    html = page.content.decode()
    assert page.status_code == 200
    assert 'name="reason"' in html
    assert 'value="120.00"' in html

    done = _correct(client, disputed, amount_paid="110.00", total="120.00", reason=REASON)
    assert done.status_code == 302
    assert Order.objects.get(pk=disputed.pk).amount_paid == Decimal("110.00")
    assert len(events(disputed)) == 1


def test_the_admin_action_shows_a_refusal_next_to_the_field_and_keeps_what_was_typed(
    disputed, staff
):
    issue_refund(Dispute.objects.get(order=disputed), Decimal("50.00"), key="first-refund")
    client = client_for(staff)
    page = _correct(client, disputed, amount_paid="40.00", total="120.00", reason=REASON)
    html = page.content.decode()
    assert page.status_code == 200
    form = form_of(html)
    assert form.data["amount_paid"] == "40.00"
    assert form.data["reason"] == REASON
    assert "already refunded or on its way" in html
    assert Order.objects.get(pk=disputed.pk).amount_paid == Decimal("120.00")
    # A short reason: the service's words, next to the reason.
    page = _correct(client, disputed, amount_paid="100.00", total="120.00", reason="typo")
    assert "at least 10 characters" in page.content.decode()
    assert events(disputed) == []


# --- The database -----------------------------------------------------------------


def sql(statement: str, params: tuple = ()) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement, params)


@pytest.fixture
def refunded(disputed):
    """The disputed order (paid 120.00) with 50.00 refunded (pending)."""
    issue_refund(Dispute.objects.get(order=disputed), Decimal("50.00"), key="first-refund")
    return disputed


def test_the_database_refuses_amount_paid_below_what_is_refunded(refunded):
    with pytest.raises(IntegrityError, match=r"below the 50\.00 refunded"):
        sql("UPDATE orders_order SET amount_paid = 49.99 WHERE id = %s", (refunded.pk,))
    assert Order.objects.get(pk=refunded.pk).amount_paid == Decimal("120.00")
    # Down to what is refunded, and up again, are allowed.
    sql("UPDATE orders_order SET amount_paid = 50.00 WHERE id = %s", (refunded.pk,))
    sql("UPDATE orders_order SET amount_paid = 120.00 WHERE id = %s", (refunded.pk,))


def _insert_refund(order: Order, amount: str, status: str, key: str) -> None:
    dispute = Dispute.objects.get(order=order)
    sql(
        "INSERT INTO disputes_refund (order_id, dispute_id, amount, currency, status, "
        "provider_reference, idempotency_key, attempts, last_error, created_at, updated_at) "
        "VALUES (%s, %s, %s, 'USD', %s, '', %s, 0, '', now(), now())",
        (order.pk, dispute.pk, Decimal(amount), status, key),
    )


def test_the_database_refuses_a_refund_beyond_what_was_paid(refunded):
    with pytest.raises(IntegrityError, match=r"would exceed the 120\.00 paid"):
        _insert_refund(refunded, "70.01", RefundStatus.SUCCEEDED, "too-much")
    # A failed refund does not count; up to what was paid does.
    _insert_refund(refunded, "100.00", RefundStatus.FAILED, "failed-one")
    _insert_refund(refunded, "70.00", RefundStatus.SETTLED_OUTSIDE, "the-rest")
    assert Refund.objects.filter(order=refunded).count() == 3


def test_the_database_refuses_retrying_a_failed_refund_beyond_what_was_paid(refunded):
    _insert_refund(refunded, "100.00", RefundStatus.FAILED, "failed-one")
    with pytest.raises(IntegrityError, match="would exceed"):
        sql("UPDATE disputes_refund SET status = 'pending' WHERE idempotency_key = 'failed-one'")
    # The gateway's own moves of a committed refund are not in the way.
    sql("UPDATE disputes_refund SET status = 'processing' WHERE idempotency_key = 'first-refund'")


def test_the_trigger_counts_the_refunds_refundable_counts():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT prosrc FROM pg_proc WHERE proname IN "
            "('orders_paid_covers_refunds', 'orders_refund_within_paid')"
        )
        sources = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE tgname IN "
            "('refund_within_paid', 'refund_recommitted_within_paid')"
        )
        triggers = [row[0] for row in cursor.fetchall()]
    assert len(sources) == 2
    assert len(triggers) == 2
    statuses = {str(s) for s in COMMITTED_REFUND_STATES}
    for text in sources + triggers:
        named = {s for s in RefundStatus.values if f"'{s}'" in text}
        assert named == statuses, text


def test_an_amount_paid_changed_behind_the_triggers_is_caught_by_verify_audit(refunded):
    # A database superuser switches the triggers off for the transaction.
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        cursor.execute("UPDATE orders_order SET amount_paid = 10.00 WHERE id = %s", [refunded.pk])
    stderr = io.StringIO()
    with pytest.raises(CommandError, match="differ from their seals"):
        call_command("verify_audit", stdout=io.StringIO(), stderr=stderr)
    assert f"order {refunded.pk}, field amount_paid" in stderr.getvalue()
