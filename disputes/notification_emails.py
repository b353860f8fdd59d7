"""How notification emails go out: in batches, each email once (SPEC section 7).

A batch is a list of notification ids. ``deliver`` claims those still pending
(pending → sending) in one transaction, sends each over one mail connection,
and records the outcome: sent, back to pending for a retry, or failed for
good after ``NOTIFICATION_EMAIL_MAX_RETRIES``. Per email that was three
autocommitted queries, a connection to the mail server and a Celery task;
per batch it is one claim transaction, one update when all went well, and
one mail connection. The price: a worker killed mid-batch leaves its claims
to the outbox sweep's stale-claim reset, which sends again what that batch
had already sent (up to a batch, where it was up to one email).
"""

from __future__ import annotations

import itertools
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.core.mail.backends.base import BaseEmailBackend
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone

from disputes import checkpoints
from disputes.models import Notification

log = logging.getLogger(__name__)

Status = Notification.EmailStatus


class ClaimConflict(Exception):
    """The rows locked for a claim were not all still pending when updated."""


@dataclass
class Outcome:
    sent: list[int] = field(default_factory=list)
    # Put back to pending, by the attempts they have had (their backoff).
    retry: dict[int, list[int]] = field(default_factory=dict)
    failed: list[int] = field(default_factory=list)


def batches(ids: Sequence[int]) -> list[list[int]]:
    return [list(batch) for batch in itertools.batched(ids, settings.NOTIFICATION_EMAIL_BATCH)]


def enqueue(notification_ids: Sequence[int]) -> None:
    """One task per batch; a batch the broker refuses stays pending for the outbox sweep."""
    from disputes.tasks import send_notification_emails

    for batch in batches(notification_ids):
        try:
            send_notification_emails.delay(batch)
        except Exception:
            log.warning("could not enqueue notifications %s", batch, exc_info=True)


def deliver(notification_ids: Iterable[int]) -> Outcome:
    """Send the emails of those of ``notification_ids`` still pending; returns what happened."""
    rows = claim(notification_ids)
    if not rows:
        return Outcome()
    sent: list[int] = []
    errors: dict[int, Exception] = {}
    try:
        _send_all(rows, sent, errors)
    finally:
        # Also when the time limit or anything else cut the loop short: what
        # went out is marked sent, the rest goes back to pending.
        outcome = _record(rows, sent, errors)
    return outcome


def claim(notification_ids: Iterable[int]) -> list[Notification]:
    """pending → sending for those of ``notification_ids`` still pending, with their
    recipients and disputes.

    The rows are locked ``SKIP LOCKED``: two batches over the same ids (the
    fast path and the outbox sweep, or a redelivered task) split them and
    neither waits. The update keeps the compare-and-set on the status as
    well: SQLite ignores row locks, but its transactions take the write lock
    when they begin (IMMEDIATE), so there too nothing changes in between.
    """
    ids = sorted(set(notification_ids))
    with transaction.atomic():
        rows = list(
            Notification.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("recipient", "dispute", "order")
            .filter(pk__in=ids, email_status=Status.PENDING)
            .order_by("pk")
        )
        if not rows:
            return []
        now = timezone.now()
        claimed = Notification.objects.filter(
            pk__in=[row.pk for row in rows], email_status=Status.PENDING
        ).update(
            email_status=Status.SENDING,
            email_claimed_at=now,
            email_attempts=F("email_attempts") + 1,
        )
        if claimed != len(rows):
            # Rolls the claim back: better not to send than to send twice.
            raise ClaimConflict(f"claimed {claimed} of {len(rows)} locked notifications")
    for row in rows:
        row.email_status = Status.SENDING
        row.email_claimed_at = now
        row.email_attempts += 1
    return rows


def _signed_heads(rows: list[Notification]) -> dict[int, dict[str, Any]]:
    """The latest signed head of each dispute of the batch (two queries for the batch)."""
    try:
        return checkpoints.receipts_for(row.dispute_id for row in rows if row.dispute_id)
    except Exception:
        # The proof of the record must not hold up the news: these go without it.
        log.error("notifications %s: no signed heads", [r.pk for r in rows], exc_info=True)
        return {}


def _send_all(rows: list[Notification], sent: list[int], errors: dict[int, Exception]) -> None:
    # One connection for the batch: with SMTP, one TCP + TLS + login, not one per email.
    mailer = mail.mailers.default
    try:
        mailer.open()
    except Exception as exc:
        # The mail server is down: a failed attempt for each, so that they
        # back off and are given up in the end like any other failure.
        log.warning("notifications %s: no mail connection", [r.pk for r in rows], exc_info=True)
        errors.update(dict.fromkeys((row.pk for row in rows), exc))
        return
    heads = _signed_heads(rows)
    try:
        for row in rows:
            try:
                message = message_for(row, heads.get(row.dispute_id) if row.dispute_id else None)
                if message.recipients():
                    mailer.send_messages([message])
            except SoftTimeLimitExceeded:
                # Not this email's fault: stop here; the rest go back to pending.
                raise
            except Exception as exc:
                # One refused recipient must not fail or resend the others.
                log.warning("notification %s: sending failed", row.pk, exc_info=True)
                errors[row.pk] = exc
            else:
                sent.append(row.pk)
    finally:
        _close(mailer)


def _close(mailer: BaseEmailBackend) -> None:
    try:
        mailer.close()
    except Exception:
        # The emails went out; a failed goodbye to the server changes nothing.
        log.warning("closing the mail connection failed", exc_info=True)


def message_for(
    notification: Notification, signed_head: dict[str, Any] | None = None
) -> EmailMultiAlternatives:
    """The email; with ``signed_head`` (SPEC 13.4) it shows the dispute's latest signed
    chain head and attaches the receipt that proves it offline."""
    site = settings.SITE_URL.rstrip("/")
    dispute, order = notification.dispute, notification.order
    # About an order's conversation (before any dispute), or about a dispute.
    url = (
        f"{site}/orders/{order.reference}/conversation/"
        if order is not None
        else f"{site}/disputes/{dispute.reference}/"  # type: ignore[union-attr]
    )
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "dispute": dispute,
        "order": order,
        "url": url,
        "signed_head": signed_head,
    }
    message = EmailMultiAlternatives(
        subject=f"[Disputes] {notification.title}",
        body=render_to_string("disputes/email/notification.txt", context),
        to=[notification.recipient.email],
    )
    message.attach_alternative(
        render_to_string("disputes/email/notification.html", context), "text/html"
    )
    if signed_head is not None:
        message.attach(
            f"{signed_head['dispute']}-signed-head.json",
            json.dumps(signed_head, indent=2, sort_keys=True),
            "application/json",
        )
    return message


def _record(rows: list[Notification], sent: list[int], errors: dict[int, Exception]) -> Outcome:
    """Every claimed row leaves ``sending``: sent, failed, or pending for a retry."""
    outcome = Outcome(sent=sent)
    retry: defaultdict[int, list[int]] = defaultdict(list)
    done = set(sent)
    for row in rows:
        if row.pk in done:
            continue
        if row.pk in errors and row.email_attempts >= settings.NOTIFICATION_EMAIL_MAX_RETRIES + 1:
            outcome.failed.append(row.pk)
            log.error("notification %s: giving up after %s attempts", row.pk, row.email_attempts)
        else:
            # Failed with attempts left, or never tried (the batch was cut short).
            retry[row.email_attempts].append(row.pk)
    outcome.retry = dict(retry)
    mine = Notification.objects.filter(pk__in=[row.pk for row in rows], email_status=Status.SENDING)
    # Separate updates, each on rows of its own: usually only the first runs,
    # and one autocommitted statement spares a BEGIN and a COMMIT round trip.
    if outcome.sent:
        mine.filter(pk__in=outcome.sent).update(email_status=Status.SENT, emailed_at=timezone.now())
    if outcome.failed:
        mine.filter(pk__in=outcome.failed).update(email_status=Status.FAILED)
    back = [pk for ids in outcome.retry.values() for pk in ids]
    if back:
        mine.filter(pk__in=back).update(email_status=Status.PENDING, email_claimed_at=None)
    return outcome


def backoff(attempts: int) -> int:
    """Seconds before the next try: 2, 4, 8 … at most five minutes."""
    return int(min(2**attempts, 300))
