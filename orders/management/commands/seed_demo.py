from django.core.management.base import BaseCommand

from accounts.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, seed_accounts
from disputes.demo import seed_disputes
from disputes.demo_history import seed_history
from mediation.demo import seed_canned_replies, seed_roster
from orders.demo import seed_orders


class Command(BaseCommand):
    help = (
        "Create the demo accounts, orders and disputes (idempotent: a second run changes nothing)."
    )

    def handle(self, *args: object, **options: object) -> None:
        users = seed_accounts()
        # Before the disputes, so that the escalated ones get a mediator.
        seed_roster(users)
        seed_canned_replies(users)
        created, scenarios = seed_orders(users)
        # The past first: the closed cases of the last 90 days, each at its own time.
        disputes = seed_history(scenarios, users)
        disputes += seed_disputes(scenarios, users)
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready ({created} orders created, {disputes} disputes created)."
            )
        )
        self.stdout.write(f"\nDemo logins (password {DEMO_PASSWORD}):")
        for account in DEMO_ACCOUNTS:
            self.stdout.write(f"  {account.email:<24} {account.what}")
        self.stdout.write("\nOpen http://127.0.0.1:8000/ and log in.")
