"""Fill a PostgreSQL database with open disputes and measure the mediation queue.

    createdb -h 127.0.0.1 -U postgres disputes_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/disputes_bench \\
        .venv/bin/python scripts/seed_mediation_bench.py --cases 100000

Migrates, bulk-inserts what is missing up to ``--cases`` open disputes (under
review, awaiting information, appealed; one order each, 20 mediators, spread
deadlines), runs ANALYZE, then renders the queue's first page through Django
(``--runs`` times, as a mediator; the median is what counts) and prints
``EXPLAIN (ANALYZE, BUFFERS)`` of every query the page ran. A second run reuses
the rows. Never point it at a database you care about.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disputes_site.settings.local")
# No query log in memory, no debug toolbar-ish overhead: what production does.
os.environ.setdefault("DJANGO_DEBUG", "0")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,localhost")

BATCH = 5000
OPEN = ("under_review", "awaiting_info", "appealed")


def seed(total: int, rng: random.Random) -> None:
    from django.utils import timezone

    from accounts.models import Role, User
    from disputes.models import Dispute
    from mediation.models import MediatorProfile
    from orders.models import Order

    have = Dispute.objects.filter(state__in=OPEN).count()
    if have >= total:
        print(f"{have} open disputes already there.")
        return
    if not User.objects.filter(email="bench-mediator-0@example.com").exists():
        User.objects.bulk_create(
            [User(email=f"bench-buyer-{i}@example.com", role=Role.BUYER) for i in range(2000)]
            + [User(email=f"bench-seller-{i}@example.com", role=Role.SELLER) for i in range(300)]
            + [
                User(email=f"bench-mediator-{i}@example.com", role=Role.MEDIATOR, name=f"M{i}")
                for i in range(20)
            ]
        )
    buyers = list(User.objects.filter(role=Role.BUYER).values_list("pk", flat=True))
    sellers = list(User.objects.filter(role=Role.SELLER).values_list("pk", flat=True))
    mediators = list(User.objects.filter(role=Role.MEDIATOR).values_list("pk", flat=True))
    MediatorProfile.objects.bulk_create(
        [MediatorProfile(user_id=pk, capacity=100000) for pk in mediators], ignore_conflicts=True
    )
    now = timezone.now()
    started = time.perf_counter()
    for start in range(have, total, BATCH):
        size = min(BATCH, total - start)
        pairs = [(rng.choice(buyers), rng.choice(sellers)) for _ in range(size)]
        totals = [Decimal(rng.randint(10, 2000)) for _ in range(size)]
        orders = Order.objects.bulk_create(
            Order(
                buyer_id=b,
                seller_id=s,
                status="delivered",
                currency="USD",
                total=total,
                amount_paid=total,
                placed_at=now - timedelta(days=rng.randint(10, 60)),
            )
            for (b, s), total in zip(pairs, totals, strict=True)
        )
        disputes = []
        for order, (b, s) in zip(orders, pairs, strict=True):
            state = rng.choices(OPEN, weights=(70, 20, 10))[0]
            submitted = now - timedelta(hours=rng.randint(1, 24 * 40))
            rule = {"under_review": "mediator_review", "awaiting_info": "info_response"}.get(
                state, "appeal_review"
            )
            disputes.append(
                Dispute(
                    order=order,
                    buyer_id=b,
                    seller_id=s,
                    type=rng.choice(("quality", "incorrect_shipment", "not_received")),
                    reason="other",
                    description="Benchmark case.",
                    claimed_amount=Decimal(rng.randint(5, 900)),
                    requested_outcome="partial_refund",
                    state=state,
                    deadline_at=now + timedelta(minutes=rng.randint(-3 * 1440, 5 * 1440)),
                    deadline_rule=rule,
                    deadline_started_at=submitted,
                    submitted_at=submitted,
                    created_at=submitted,
                    assigned_mediator_id=rng.choice(mediators) if rng.random() < 0.8 else None,
                    is_overdue=rng.random() < 0.05,
                )
            )
        Dispute.objects.bulk_create(disputes)
        print(f"  {start + size} / {total} ({time.perf_counter() - started:.0f} s)", flush=True)


def measure(runs: int, query: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import User

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    mediator = User.objects.get(email="bench-mediator-0@example.com")
    client = Client()
    client.force_login(mediator)
    url = f"/mediation/{query}"
    client.get(url)  # warm: templates, the session, caches
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    print(
        f"\nGET {url}: median {statistics.median(timings):.1f} ms, "
        f"min {min(timings):.1f} ms, max {max(timings):.1f} ms over {runs} runs"
    )
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    with connection.cursor() as cursor:
        for q in captured.captured_queries:
            sql = q["sql"]
            if not sql.startswith("SELECT") or "disputes_dispute" not in sql:
                continue
            print(f"\n-- {sql[:160]}{'…' if len(sql) > 160 else ''}")
            cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
            for (line,) in cursor.fetchall():
                print(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument(
        "--query", action="append", help="queue address after /mediation/ (repeatable)"
    )
    args = parser.parse_args()
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        sys.exit("Set DATABASE_URL to a PostgreSQL database made for this benchmark.")
    call_command("migrate", verbosity=0)
    seed(args.cases, random.Random(args.seed))
    for query in args.query or ["", "?assigned=me", "?state=awaiting_info&min_amount=500"]:
        measure(args.runs, query)


if __name__ == "__main__":
    main()
