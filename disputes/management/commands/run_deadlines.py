import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from disputes.services.deadlines import sweep
from disputes.tasks import deliver_pending_notifications, resume_refunds, sign_checkpoints


class Command(BaseCommand):
    help = (
        "Apply due deadlines and send due reminders (what Celery beat does every "
        "DEADLINE_SWEEP_SECONDS). With --loop it keeps going: the demo runs it so that "
        "deadlines are enforced without Redis."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--loop", action="store_true", help="run until interrupted")
        parser.add_argument("--interval", type=int, default=settings.DEADLINE_SWEEP_SECONDS)

    def handle(self, *args: object, **options: object) -> None:
        while True:
            result = sweep(batch=settings.DEADLINE_SWEEP_BATCH)
            # Without a broker these run inline; with one they only enqueue.
            deliver_pending_notifications()
            resume_refunds()
            # The demo has no beat: its chain heads are signed here.
            sign_checkpoints()
            if result.timeouts or result.reminders or not options["loop"]:
                self.stdout.write(
                    f"{result.timeouts} deadlines applied, {result.reminders} reminders sent"
                    + (f", {len(result.skipped)} failed (see the log)" if result.skipped else "")
                )
            if not options["loop"]:
                return
            time.sleep(int(options["interval"]))  # type: ignore[call-overload]
