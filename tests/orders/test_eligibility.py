"""SPEC section 2 at its edges: the 30-day window, "not received" timing, one dispute per order."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from disputes.choices import DisputeState, DisputeType
from orders.eligibility import dispute_eligibility
from orders.models import OrderStatus
from tests.factories import DisputeFactory, OrderFactory, full_order, pay, ship

pytestmark = pytest.mark.django_db

DELIVERED = datetime(2026, 3, 1, 15, 0, tzinfo=UTC)


@pytest.fixture
def delivered_order():
    return full_order(placed_at=DELIVERED - timedelta(days=10), delivered_at=DELIVERED)


def test_day_30_after_delivery_is_still_open(delivered_order):
    with time_machine.travel(DELIVERED + timedelta(days=30), tick=False):
        result = dispute_eligibility(delivered_order)
    assert result.allowed
    assert result.window_ends_at == DELIVERED + timedelta(days=30)


def test_a_second_after_day_30_the_window_is_closed(delivered_order):
    with time_machine.travel(DELIVERED + timedelta(days=30, seconds=1), tick=False):
        result = dispute_eligibility(delivered_order)
    assert not result.allowed
    assert result.code == "window_closed"
    assert "The dispute window closed on" in result.reason
    assert "30 days after delivery" in result.reason


def test_the_window_follows_the_setting(delivered_order, settings):
    settings.DISPUTE_WINDOW_DAYS_AFTER_DELIVERY = 45
    with time_machine.travel(DELIVERED + timedelta(days=40), tick=False):
        assert dispute_eligibility(delivered_order).allowed


def test_unpaid_order_cannot_be_disputed():
    order = OrderFactory(status=OrderStatus.PLACED)
    result = dispute_eligibility(order)
    assert (result.allowed, result.code) == (False, "order_not_paid")
    assert "has not been paid" in result.reason


def test_cancelled_order_cannot_be_disputed():
    result = dispute_eligibility(OrderFactory(status=OrderStatus.CANCELLED))
    assert (result.allowed, result.code) == (False, "order_cancelled")


def test_paid_order_can_be_disputed_from_payment_before_shipping():
    order = OrderFactory(status=OrderStatus.PAID, expected_delivery_date=date(2026, 4, 20))
    pay(order)
    with time_machine.travel(datetime(2026, 4, 1, tzinfo=UTC), tick=False):
        result = dispute_eligibility(order)
    assert result.allowed
    assert DisputeType.NOT_RECEIVED not in result.types


class TestNotReceived:
    def _shipped(self, expected: date | None):
        order = OrderFactory(
            status=OrderStatus.SHIPPED,
            placed_at=datetime(2026, 4, 1, tzinfo=UTC),
            expected_delivery_date=expected,
        )
        pay(order)
        ship(order, shipped_at=datetime(2026, 4, 3, 9, 0, tzinfo=UTC))
        return order

    def test_refused_on_the_expected_delivery_date(self):
        order = self._shipped(expected=date(2026, 4, 20))
        with time_machine.travel(datetime(2026, 4, 20, 23, 59, tzinfo=UTC), tick=False):
            result = dispute_eligibility(order, DisputeType.NOT_RECEIVED)
        assert not result.allowed
        assert result.code == "not_received_too_early"
        assert "once the expected delivery date has passed" in result.reason
        # Other kinds of dispute stay possible meanwhile.
        assert dispute_eligibility(
            order, DisputeType.QUALITY, now=datetime(2026, 4, 20, tzinfo=UTC)
        )

    def test_allowed_once_the_expected_date_has_passed(self):
        order = self._shipped(expected=date(2026, 4, 20))
        with time_machine.travel(datetime(2026, 4, 21, 0, 0, tzinfo=UTC), tick=False):
            result = dispute_eligibility(order, DisputeType.NOT_RECEIVED)
        assert result.allowed
        assert DisputeType.NOT_RECEIVED in result.types

    def test_without_expected_date_waits_15_days_after_shipment(self):
        order = self._shipped(expected=None)
        shipped = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
        before = dispute_eligibility(
            order, DisputeType.NOT_RECEIVED, now=shipped + timedelta(days=15, seconds=-1)
        )
        at = dispute_eligibility(order, DisputeType.NOT_RECEIVED, now=shipped + timedelta(days=15))
        assert (before.allowed, at.allowed) == (False, True)

    def test_the_15_days_follow_the_setting(self, settings):
        settings.NOT_RECEIVED_DAYS_AFTER_SHIPMENT = 20
        order = self._shipped(expected=None)
        shipped = datetime(2026, 4, 3, 9, 0, tzinfo=UTC)
        assert not dispute_eligibility(
            order, DisputeType.NOT_RECEIVED, now=shipped + timedelta(days=19)
        )
        assert dispute_eligibility(
            order, DisputeType.NOT_RECEIVED, now=shipped + timedelta(days=20)
        )


class TestOneDisputePerOrder:
    def test_an_active_dispute_blocks_another(self, delivered_order):
        dispute = DisputeFactory(order=delivered_order, state=DisputeState.NEGOTIATING)
        result = dispute_eligibility(delivered_order, now=DELIVERED + timedelta(days=3))
        assert (result.allowed, result.code) == (False, "dispute_active")
        assert dispute.reference in result.reason

    def test_a_cancelled_dispute_means_the_order_cannot_be_disputed_again(self, delivered_order):
        DisputeFactory(order=delivered_order, state=DisputeState.CANCELLED)
        result = dispute_eligibility(delivered_order, now=DELIVERED + timedelta(days=3))
        assert (result.allowed, result.code) == (False, "dispute_ended")
        assert "cancelled" in result.reason

    def test_the_database_refuses_a_second_active_dispute(self, delivered_order):
        DisputeFactory(order=delivered_order, state=DisputeState.AWAITING_SELLER)
        with pytest.raises(IntegrityError), transaction.atomic():
            DisputeFactory(order=delivered_order, state=DisputeState.DRAFT)

    def test_the_database_allows_history_beside_one_active_dispute(self, delivered_order):
        DisputeFactory(order=delivered_order, state=DisputeState.CANCELLED)
        DisputeFactory(order=delivered_order, state=DisputeState.DRAFT)
        assert delivered_order.disputes.count() == 2
