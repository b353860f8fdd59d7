"""Notification emails in batches (SPEC section 7): each email goes out once, a
refused recipient is retried alone, and batches over the same rows never both send."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.core import mail
from django.db import connection, transaction

from disputes import notification_emails, tasks
from disputes.models import DisputeEvent, Notification
from disputes.notification_emails import claim, deliver
from disputes.tasks import send_notification_emails
from tests.disputes import flaky_mail
from tests.disputes.flaky_mail import RefusingBackend
from tests.factories import BuyerFactory

Status = Notification.EmailStatus


@pytest.fixture
def refusing(settings):
    settings.MAILERS = {"default": {"BACKEND": "tests.disputes.flaky_mail.RefusingBackend"}}
    mail.outbox = []
    flaky_mail.refused.clear()
    flaky_mail.delay["seconds"] = 0.0
    RefusingBackend.opened["count"] = 0
    yield
    flaky_mail.refused.clear()
    flaky_mail.delay["seconds"] = 0.0


@pytest.fixture
def retries(monkeypatch):
    """The retries the task enqueues, instead of running them inline."""
    calls: list[tuple[tuple[list[int]], int]] = []
    monkeypatch.setattr(
        tasks.send_notification_emails,
        "apply_async",
        lambda args, countdown: calls.append((args, countdown)),
    )
    return calls


def _pending(dispute, count: int) -> list[Notification]:
    """``count`` pending notifications of one event, each to a person of their own."""
    event = DisputeEvent.objects.filter(dispute=dispute).latest("seq")
    # What the dispute's own events sent (the seller's email of submit) is not counted.
    mail.outbox = []
    return [
        Notification.objects.create(
            recipient=BuyerFactory(),
            event=event,
            dispute=dispute,
            category="case",
            title=f"{dispute.reference}: case updated",
            email_status=Status.PENDING,
        )
        for _ in range(count)
    ]


def _sent_to() -> Counter[str]:
    return Counter(address for message in mail.outbox for address in message.to)


def _rows(notifications):
    return list(
        Notification.objects.filter(pk__in=[n.pk for n in notifications])
        .order_by("pk")
        .values_list("email_status", "email_attempts")
    )


@pytest.mark.django_db
def test_a_batch_sends_each_email_once_over_one_connection(refusing, submitted):
    notifications = _pending(submitted, 5)
    ids = [n.pk for n in notifications]
    send_notification_emails(ids)
    assert _sent_to() == Counter(n.recipient.email for n in notifications)
    assert RefusingBackend.opened["count"] == 1
    assert _rows(notifications) == [(Status.SENT, 1)] * 5
    assert not Notification.objects.filter(pk__in=ids, emailed_at=None).exists()
    assert mail.outbox[0].alternatives[0].mimetype == "text/html"
    # The same batch again (a redelivered task, the outbox sweep): nothing more goes out.
    send_notification_emails(ids)
    assert len(mail.outbox) == 5
    assert _rows(notifications) == [(Status.SENT, 1)] * 5


@pytest.mark.django_db
def test_enqueue_makes_one_task_per_batch(settings, monkeypatch):
    settings.NOTIFICATION_EMAIL_BATCH = 2
    queued: list[list[int]] = []
    monkeypatch.setattr(tasks.send_notification_emails, "delay", queued.append)
    notification_emails.enqueue([11, 12, 13, 14, 15])
    assert queued == [[11, 12], [13, 14], [15]]


@pytest.mark.django_db
def test_a_refused_recipient_is_retried_alone_and_the_others_are_sent_once(
    refusing, retries, submitted
):
    first, refused, last = _pending(submitted, 3)
    flaky_mail.refused.add(refused.recipient.email)
    send_notification_emails([first.pk, refused.pk, last.pk])
    assert _sent_to() == Counter([first.recipient.email, last.recipient.email])
    assert _rows([first, refused, last]) == [
        (Status.SENT, 1),
        (Status.PENDING, 1),
        (Status.SENT, 1),
    ]
    # Only the refused one is retried, after the first backoff (2 s).
    assert retries == [(([refused.pk],), 2)]
    # The mailbox exists now: the retry sends it, and nothing else again.
    flaky_mail.refused.clear()
    send_notification_emails(*retries[0][0])
    assert _sent_to() == Counter(n.recipient.email for n in (first, refused, last))
    assert _rows([first, refused, last]) == [(Status.SENT, 1), (Status.SENT, 2), (Status.SENT, 1)]


@pytest.mark.django_db
def test_a_recipient_refused_every_time_is_given_up_after_the_retries(
    refusing, submitted, settings
):
    # Inline, each retry runs at once (the countdown only applies on a broker).
    settings.NOTIFICATION_EMAIL_MAX_RETRIES = 2
    sent, refused = _pending(submitted, 2)
    flaky_mail.refused.add(refused.recipient.email)
    send_notification_emails([sent.pk, refused.pk])
    assert _rows([sent, refused]) == [(Status.SENT, 1), (Status.FAILED, 3)]
    assert _sent_to() == Counter([sent.recipient.email])


@pytest.mark.django_db
def test_an_unreachable_mail_server_counts_an_attempt_for_each_and_retries_them(
    refusing, retries, submitted, monkeypatch
):
    notifications = _pending(submitted, 3)

    def down(self):
        raise ConnectionRefusedError("SMTP server unavailable (simulated)")

    monkeypatch.setattr(RefusingBackend, "open", down)
    send_notification_emails([n.pk for n in notifications])
    assert _rows(notifications) == [(Status.PENDING, 1)] * 3
    assert retries == [(([n.pk for n in notifications],), 2)]
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_batch_cut_short_marks_what_went_out_and_gives_back_the_rest(
    refusing, submitted, monkeypatch
):
    notifications = _pending(submitted, 3)
    send = RefusingBackend.send_messages
    calls = {"count": 0}

    def slow_server(self, messages):
        calls["count"] += 1
        if calls["count"] == 2:
            raise SoftTimeLimitExceeded()
        return send(self, messages)

    monkeypatch.setattr(RefusingBackend, "send_messages", slow_server)
    with pytest.raises(SoftTimeLimitExceeded):
        deliver([n.pk for n in notifications])
    # The first went out; the other two are pending again for the outbox sweep.
    assert _rows(notifications) == [(Status.SENT, 1), (Status.PENDING, 1), (Status.PENDING, 1)]
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_batches_over_the_same_ids_send_each_email_once(refusing, submitted):
    notifications = _pending(submitted, 12)
    ids = [n.pk for n in notifications]
    # Slow sends keep both batches in flight at once; they overlap on ids[4:8].
    flaky_mail.delay["seconds"] = 0.02
    batches = [ids[:8], ids[4:][::-1]]
    barrier = threading.Barrier(2, timeout=30)
    outcomes: list[notification_emails.Outcome] = []
    crashes: list[BaseException] = []

    def worker(batch: list[int]) -> None:
        try:
            barrier.wait()
            outcomes.append(deliver(batch))
        except BaseException as exc:  # judged below; the other thread must not hang
            crashes.append(exc)
            barrier.abort()
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(batch,)) for batch in batches]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert crashes == []
    assert _sent_to() == Counter(n.recipient.email for n in notifications)
    assert sorted(outcomes[0].sent + outcomes[1].sent) == ids
    assert _rows(notifications) == [(Status.SENT, 1)] * 12


@pytest.mark.django_db(transaction=True)
def test_a_notification_another_worker_is_claiming_is_skipped_not_waited_for(submitted):
    locked, *others = _pending(submitted, 3)
    holding, release = threading.Event(), threading.Event()

    def other_worker() -> None:
        try:
            with transaction.atomic():
                Notification.objects.select_for_update().get(pk=locked.pk)
                holding.set()
                # Were the claim to wait for this lock, it would get it only now.
                release.wait(timeout=10)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert holding.wait(timeout=10)
        claimed = claim([locked.pk, *(n.pk for n in others)])
    finally:
        release.set()
        thread.join()
    assert [n.pk for n in claimed] == [n.pk for n in others]
    assert _rows([locked, *others]) == [
        (Status.PENDING, 0),
        (Status.SENDING, 1),
        (Status.SENDING, 1),
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("count", [1, 20])
def test_a_batch_costs_the_same_queries_for_one_email_or_many(
    refusing, submitted, count, django_assert_num_queries
):
    ids = [n.pk for n in _pending(submitted, count)]
    # SAVEPOINT (the claim's transaction, inside the test's own),
    # SELECT ... FOR UPDATE SKIP LOCKED of the pending rows with recipient and dispute,
    # UPDATE them to sending, RELEASE SAVEPOINT, SELECT the disputes' latest signed
    # heads (none here; with a checkpoint, one more SELECT of its leaves for the
    # proofs: tests/security/test_signed_checkpoints.py), UPDATE the sent ones to sent.
    with django_assert_num_queries(6):
        send_notification_emails(ids)
    assert len(mail.outbox) == count
