"""The rows that are not HTTP requests: the deadline sweep, its probe, the notification
drain through real Celery workers, and the thumbnail of a 12-megapixel photo."""

from __future__ import annotations

import importlib.util
import statistics
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import ModuleType

from django.conf import settings
from django.db import connection
from django.db.models import Max
from django.utils import timezone

from bench.environment import ROOT
from bench.seed import mediator_email
from bench.server import celery_worker
from disputes.choices import DisputeState
from disputes.models import Dispute, DisputeEvent, Notification
from disputes.services import sweep
from disputes.workflow import RULES


@dataclass(frozen=True)
class SweepFigures:
    due: int
    seconds: float
    transitions: int
    events: int
    skipped: int

    @property
    def per_second(self) -> float:
        return self.transitions / self.seconds if self.seconds else 0.0


def make_due(count: int) -> int:
    """Let ``count`` waits of the seeded cases end a minute ago, as if time had passed.

    Cases awaiting the seller or negotiating: their timeouts (seller silence,
    negotiation timeout) move them to review, as in real life the commonest
    expiries. The wait started a full term earlier and both reminders went
    out, so the sweep only applies the timeouts. Written in SQL on the bench's
    own database: no service moves a deadline into the past.
    """
    now = timezone.now()
    ids = list(
        Dispute.objects.filter(
            state__in=[DisputeState.AWAITING_SELLER, DisputeState.NEGOTIATING],
            deadline_at__gt=now,
        )
        # The newest first: the load generator's buyers are the first ones.
        .order_by("-pk")
        .values_list("pk", flat=True)[:count]
    )
    with connection.cursor() as cursor:
        for rule in ("seller_response", "negotiation"):
            cursor.execute(
                "UPDATE disputes_dispute SET deadline_at = %s, deadline_started_at = %s, "
                "reminder_at = NULL, reminders_sent = 2 "
                "WHERE id = ANY(%s) AND deadline_rule = %s",
                [now - timedelta(minutes=1), now - RULES[rule].duration, ids, rule],
            )
    return len(ids)


def measure_sweep(count: int) -> SweepFigures:
    due = make_due(count)
    # make_due's UPDATE leaves a dead version of each row it moved, and the
    # sweep's index scans would step over them; a real clock moves no row.
    # Earlier runs' sweeps leave theirs too, until autovacuum (at a fifth of
    # the table). Timed is the sweep, not that leftover.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE disputes_dispute")
    last_event = DisputeEvent.objects.aggregate(m=Max("pk"))["m"] or 0
    start = time.perf_counter()
    result = sweep(batch=settings.DEADLINE_SWEEP_BATCH)
    seconds = time.perf_counter() - start
    events = DisputeEvent.objects.filter(pk__gt=last_event).count()
    return SweepFigures(due, seconds, result.timeouts, events, len(result.skipped))


def measure_probe(runs: int) -> list[float]:
    """The sweep when nothing is due, as beat runs it every minute (milliseconds)."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = sweep(batch=settings.DEADLINE_SWEEP_BATCH)
        times.append((time.perf_counter() - start) * 1000)
        if result.timeouts or result.reminders:
            raise RuntimeError(f"the probe found work: {result}")
    return times


def measure_drain(env: dict[str, str], log_dir: Path, count: int, processes: int) -> float:
    """Seconds from handing ``count`` pending notification emails to the app's enqueue
    until a worker with ``processes`` processes has sent them all (their rows say
    ``sent``).

    The enqueue is the one ``notify`` calls after commit and the outbox sweep
    calls for what is left over (``disputes.notification_emails.enqueue``):
    one task per ``NOTIFICATION_EMAIL_BATCH`` ids, each claiming its batch,
    sending over one mail connection (the console backend here: no SMTP
    server) and marking the batch sent. An event notifies one to three
    people, so a burst of separate events makes smaller batches than this.
    """
    from disputes import notification_emails

    ids = _pending_notifications(count)
    # The recipient has no other notifications: counting theirs by the indexed
    # recipient is the same count as by the 1 000 ids, for a fraction of the
    # CPU this process and PostgreSQL would otherwise take from the worker
    # every 20 ms (~5 ms to build and ~4 ms to run the query with the ids).
    recipient_id = Notification.objects.values_list("recipient_id", flat=True).get(pk=ids[0])
    mine = Notification.objects.filter(
        recipient_id=recipient_id, email_status=Notification.EmailStatus.SENT
    )
    with celery_worker(env, log_dir, processes):
        start = time.perf_counter()
        notification_emails.enqueue(ids)
        deadline = start + 300
        while True:
            sent = mine.count()
            if sent == len(ids):
                return time.perf_counter() - start
            if time.perf_counter() > deadline:
                raise RuntimeError(f"drain: {sent} of {len(ids)} sent after 300 s")
            time.sleep(0.02)


def _pending_notifications(count: int) -> list[int]:
    """``count`` unsent notifications of the latest events, for one mediator, who
    has no others."""
    from accounts.models import User

    recipient = User.objects.get(email=mediator_email(1))
    Notification.objects.filter(recipient=recipient).delete()
    events = DisputeEvent.objects.order_by("-pk").values_list("pk", "dispute_id")[:count]
    now = timezone.now()
    created = Notification.objects.bulk_create(
        [
            Notification(
                recipient=recipient,
                event_id=event_id,
                dispute_id=dispute_id,
                category="case",
                title="Bench notification",
                body="The case moved.",
                created_at=now,
                email_status=Notification.EmailStatus.PENDING,
            )
            for event_id, dispute_id in events
        ]
    )
    return [n.pk for n in created]


def _measure_evidence() -> ModuleType:
    # scripts/ is not a package: load the measuring script of issue 4 by path.
    spec = importlib.util.spec_from_file_location(
        "measure_evidence", ROOT / "scripts" / "measure_evidence.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def measure_thumbnail(runs: int) -> list[float]:
    module = _measure_evidence()
    return list(module.thumbnail_times(module.photo_jpeg(), runs))


def upload_jpeg(target_bytes: int = 2_000_000) -> bytes:
    """A photo-like JPEG of about ``target_bytes`` (2 MB, 4:3, quality 90): the size
    is corrected once from a first try, since bytes grow with the pixel count."""
    module = _measure_evidence()
    width = 2000
    data: bytes = module.photo_jpeg((width, width * 3 // 4), 90)
    width = int(width * (target_bytes / len(data)) ** 0.5)
    data = module.photo_jpeg((width, width * 3 // 4), 90)
    return data


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
