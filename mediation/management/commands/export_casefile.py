"""manage.py export_casefile DSP-… --as mediator@example.com -o case.zip"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.http import Http404

from accounts.models import User
from mediation.casefile.selectors import dispute_to_export
from mediation.casefile.services import export_casefile


class Command(BaseCommand):
    help = "Export a dispute's case file (zip); check it with scripts/verify_casefile.py."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference")
        # The export is an event with an actor: the command acts as a named mediator,
        # with that mediator's permission to export this case.
        parser.add_argument("--as", dest="actor", required=True, help="the mediator's email")
        parser.add_argument(
            "-o", "--output", help="file to write (default: <reference>-casefile.zip)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = User.objects.filter(email=options["actor"].lower()).first()
        if actor is None:
            raise CommandError(f"No user {options['actor']}.")
        try:
            dispute = dispute_to_export(actor, options["reference"])
        except Http404:
            raise CommandError(
                f"{options['reference']}: no such dispute, or {actor.email} may not export it."
            ) from None
        path = Path(options["output"] or f"{dispute.reference}-casefile.zip")
        with path.open("wb") as out:
            summary = export_casefile(dispute=dispute, actor=actor, out=out)
        self.stdout.write(
            f"{summary.reference}: {path} ({summary.files} files, {summary.evidence_items} evidence "
            f"items, {summary.event_count} events, chain head {summary.chain_head})"
        )
