"""Seal the rows of a database from before the seals (issue 13): once, after upgrading.

Each dispute whose chain verifies and that has covered rows no event seals gets one
``records_sealed`` event, by the platform, sealing those rows as they are now. A row
whose seals differ from it is left alone: that is a change ``verify_audit`` reports.
Running it again finds nothing. What it cannot show: a row changed before the
upgrade (docs/audit.md, "Sealed records").
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from disputes.choices import Visibility
from disputes.events import verify_chain
from disputes.models import Dispute, DisputeEvent
from disputes.records import unsealed
from disputes.services.engine import append_event

KIND = "records_sealed"


class Command(BaseCommand):
    help = (
        "Seal, in one event per dispute, the covered rows that no event of their chain "
        "seals (a database from before the seals). Run once after upgrading."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--chunk", type=int, default=500)

    def handle(self, *args: Any, **options: Any) -> None:
        sealed_disputes = rows = skipped = 0
        last_id = 0
        while True:
            disputes = list(
                Dispute.objects.filter(pk__gt=last_id).order_by("pk")[: options["chunk"]]
            )
            if not disputes:
                break
            last_id = disputes[-1].pk
            events: dict[int, list[DisputeEvent]] = {d.pk: [] for d in disputes}
            for event in DisputeEvent.objects.filter(dispute_id__in=events).order_by(
                "dispute_id", "seq"
            ):
                events[event.dispute_id].append(event)
            intact = [d for d in disputes if verify_chain(d, events[d.pk]) is None]
            skipped += len(disputes) - len(intact)
            for dispute_id in unsealed(intact, events):
                rows += _seal(dispute_id)
                sealed_disputes += 1
        self.stdout.write(
            f"Sealed {rows} row(s) of {sealed_disputes} dispute(s)."
            + (f" {skipped} dispute(s) with a broken chain left alone." if skipped else "")
        )


def _seal(dispute_id: int) -> int:
    """One ``records_sealed`` event for the dispute's unsealed rows, read again under
    its lock (a service may have written, and sealed, one of them since)."""
    seals: list[dict[str, Any]] = []

    def read(locked: Dispute) -> None:
        chain = list(DisputeEvent.objects.filter(dispute=locked).order_by("seq"))
        seals.extend(unsealed([locked], {locked.pk: chain}).get(locked.pk, []))

    append_event(
        dispute_id,
        kind=KIND,
        actor=None,
        before=read,
        visibility=Visibility.MEDIATOR,
        details=lambda _locked: {"rows": len(seals), "why": "sealed on upgrade"},
        sealed=lambda _locked: list(seals),
        recipients=(),
    )
    return len(seals)
