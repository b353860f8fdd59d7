from django.core.management.base import BaseCommand, CommandError

from disputes.events import verify_all
from disputes.models import Dispute, DisputeEvent


class Command(BaseCommand):
    help = "Recompute every dispute's event chain; exit non-zero naming each dispute and event that was tampered with."

    def handle(self, *args: object, **options: object) -> None:
        problems = [str(problem) for problem in verify_all()]
        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError(f"{len(problems)} broken chain(s).")
        self.stdout.write(
            self.style.SUCCESS(
                f"All chains verify: {Dispute.objects.count()} disputes, {DisputeEvent.objects.count()} events."
            )
        )
