"""Notifications through a real Celery worker on Redis (SPEC section 7): one in-app
notification per person per event, one email at most, retried when the first send
fails, and the outbox sweep delivers what the fast path missed."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.core import mail

from disputes import services
from disputes.models import Notification, NotificationPreference
from disputes.tasks import deliver_pending_notifications
from tests.disputes import flaky_mail
from tests.disputes.conftest import open_dispute, wait_for

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def _emails_to(address):
    return [m for m in mail.outbox if address in m.to]


def test_one_notification_and_one_email_per_person_per_event(
    worker, order, buyer, seller, mailoutbox
):
    dispute = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    services.dispute_make_offer(
        dispute=dispute, actor=seller, outcome="partial_refund", amount="30.00"
    )
    # submit notifies the seller; the offer notifies the buyer; nobody hears of their own act.
    assert list(
        Notification.objects.order_by("id").values_list("recipient__email", "event__kind")
    ) == [
        (seller.email, "submit"),
        (buyer.email, "make_offer"),
    ]
    assert wait_for(lambda: not Notification.objects.exclude(email_status="sent").exists())
    # The outbox sweep finds nothing left to send, so nothing goes out twice.
    deliver_pending_notifications.delay().get(timeout=10)
    time.sleep(0.5)
    assert len(_emails_to(seller.email)) == 1
    assert len(_emails_to(buyer.email)) == 1
    offer_mail = _emails_to(buyer.email)[0]
    assert "a new offer" in offer_mail.subject
    assert offer_mail.alternatives[0].mimetype == "text/html"


def test_a_failed_first_send_is_retried_and_delivered_once(worker, order, buyer, seller, settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.disputes.flaky_mail.FlakyBackend"}}
    mail.outbox = []
    flaky_mail.failures_left["count"] = 1
    services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    notification = Notification.objects.get(recipient=seller)
    assert wait_for(lambda: Notification.objects.get(pk=notification.pk).email_status == "sent")
    notification.refresh_from_db()
    assert notification.email_attempts == 2
    assert len(_emails_to(seller.email)) == 1


def test_email_off_for_a_category_keeps_the_in_app_notification(
    worker, order, buyer, seller, mailoutbox
):
    NotificationPreference.objects.create(user=seller, category="case", email=False)
    services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    notification = Notification.objects.get(recipient=seller)
    assert notification.email_status == "off"
    time.sleep(1)
    assert _emails_to(seller.email) == []


def test_the_outbox_sweep_sends_what_a_broker_outage_left_behind(
    worker, order, buyer, seller, mailoutbox, monkeypatch
):
    from disputes import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionError("broker unreachable (simulated)")

    monkeypatch.setattr(tasks.send_notification_emails, "delay", broker_down)
    services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    notification = Notification.objects.get(recipient=seller)
    assert notification.email_status == "pending"
    monkeypatch.undo()
    # Old enough for the sweep, which beat runs every minute.
    Notification.objects.filter(pk=notification.pk).update(
        created_at=notification.created_at - timedelta(minutes=5)
    )
    assert deliver_pending_notifications() == 1
    assert wait_for(lambda: Notification.objects.get(pk=notification.pk).email_status == "sent")
    assert len(_emails_to(seller.email)) == 1
