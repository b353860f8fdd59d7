"""Take any transition of the workflow from the command line, through its service.

    manage.py dispute_action DSP-ABCD2345 make_offer --as seller@example.com \
        --set outcome=partial_refund --set amount=40.00 --set note="40 % back"

System transitions (timeouts, complete) run without --as.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import User
from disputes.errors import DisputeError
from disputes.models import Dispute
from disputes.permissions import allowed_actions
from disputes.services import SERVICES
from disputes.waiting import waiting_on
from disputes.workflow import TRANSITIONS, Role


class Command(BaseCommand):
    help = "Apply one transition (by its name in disputes/workflow.py) to a dispute, as a user or as the system."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("reference")
        parser.add_argument("transition", choices=sorted(TRANSITIONS))
        parser.add_argument(
            "--as", dest="email", help="the acting user's email (omit for system transitions)"
        )
        parser.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            dispute = Dispute.objects.get(reference=options["reference"])
        except Dispute.DoesNotExist:
            raise CommandError(f"No dispute {options['reference']}.") from None
        name = options["transition"]
        kwargs: dict[str, Any] = dict(item.split("=", 1) for item in options["set"])
        transition = TRANSITIONS[name]
        actor = None
        if options["email"]:
            actor = User.objects.filter(email=options["email"].lower()).first()
            if actor is None:
                raise CommandError(f"No user {options['email']}.")
            kwargs["actor"] = actor
        elif transition.roles != {Role.SYSTEM} and Role.SYSTEM not in transition.roles:
            raise CommandError(f"{name} is taken by a person: give --as EMAIL.")
        try:
            service: Any = SERVICES[name]
            dispute = service(dispute=dispute, **kwargs)
        except DisputeError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        except TypeError as exc:
            raise CommandError(f"{name}: {exc}") from None
        self.stdout.write(self.style.SUCCESS(f"{dispute.reference} is now {dispute.state}."))
        if actor is not None:
            self.stdout.write(
                f"waiting on: {waiting_on(dispute, actor)}; you may: {', '.join(allowed_actions(dispute, actor)) or 'nothing'}"
            )
