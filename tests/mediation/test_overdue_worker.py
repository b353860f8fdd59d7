"""A review deadline breach, with a real Celery worker on Redis and time moved: the
beat's sweep flags the case overdue, hands it to the least-loaded other mediator and
tells the leads, once, however often the sweep runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core import mail

from disputes.models import Dispute, DisputeEvent, Notification
from disputes.tasks import sweep_deadlines
from tests.conftest import wait_for
from tests.factories import MediatorFactory, make_lead
from tests.mediation.conftest import new_case, on_roster

pytestmark = [pytest.mark.real_worker, pytest.mark.django_db(transaction=True)]


def test_a_breach_reassigns_and_tells_the_leads_once(worker, mediator, mailoutbox):
    otto = on_roster(MediatorFactory(email="otto@example.com", name="Otto Other"))
    on_roster(mediator)
    lena = make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead"))
    # Otto already has a case, so the next one goes to Mia.
    first = new_case()
    assert first.assigned_mediator_id == mediator.pk
    d = new_case()
    assert d.assigned_mediator_id == otto.pk
    d = Dispute.objects.get(pk=first.pk)
    assert (d.deadline_rule, d.is_overdue) == ("mediator_review", False)

    with time_machine.travel(d.deadline_at + timedelta(minutes=1), tick=True):
        first_sweep = sweep_deadlines.delay().get(timeout=30)
        second_sweep = sweep_deadlines.delay().get(timeout=30)
        assert wait_for(
            lambda: (
                not Notification.objects.filter(
                    recipient=lena, email_status__in=["pending", "sending"]
                ).exists()
            )
        )

    # Two breaches were due (both cases); the second sweep found nothing left.
    assert first_sweep["timeouts"] == 2
    assert second_sweep == {"timeouts": 0, "reminders": 0, "skipped": 0}
    d = Dispute.objects.get(pk=first.pk)
    assert d.is_overdue
    # Otto has one open case, Mia is the one who let it run late: Otto takes it.
    assert d.assigned_mediator_id == otto.pk
    assert d.deadline_at > timezone_now_plus_days(4)
    breach = DisputeEvent.objects.get(dispute=d, kind="review_overdue")
    moved = DisputeEvent.objects.get(dispute=d, kind="assigned", details__why="review_overdue")
    assert moved.seq == breach.seq + 1
    assert (moved.details["mediator"], moved.details["previous"]) == (otto.pk, mediator.pk)
    # The lead hears once per case, in the app and by email.
    assert Notification.objects.filter(recipient=lena, event=breach).count() == 1
    lead_mail = [m for m in mail.outbox if lena.email in m.to and d.reference in m.subject]
    assert len(lead_mail) == 1
    assert "overdue" in lead_mail[0].subject
    # Mia hears that the case left her; Otto that it came to him.
    assert Notification.objects.filter(recipient=otto, event=moved).count() == 1
    assert Notification.objects.filter(recipient=mediator, event=moved).count() == 1


def timezone_now_plus_days(days):
    from django.utils import timezone

    return timezone.now() + timedelta(days=days)
