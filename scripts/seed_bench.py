"""Bulk data for the mediation benchmarks, and the dashboard's render time.

    DATABASE_URL=postgres://… DJANGO_DEBUG=0 .venv/bin/python scripts/seed_bench.py seed --open 100000
    DATABASE_URL=postgres://… DJANGO_DEBUG=0 .venv/bin/python scripts/seed_bench.py measure

``seed`` writes (with bulk_create, in batches, in a database you can throw away) mediators,
buyers and sellers, one order per dispute, ``--open`` open disputes spread over every open
state, ``--done`` closed and cancelled ones, their hash-chained events (real hashes, so
``manage.py verify_audit`` passes) and the decisions, over the last year. Every row it writes
is tagged (references ``ORD-Z…``/``DSP-Z…``, emails ``bench-…``) and ``--reset`` removes them.

``measure`` renders the dashboard as a lead through Django's test client (middleware,
session, templates: the whole page), once to warm up, then ``--runs`` times, and prints the
median, the minimum and the maximum and the number of queries of one render.

This writes the dispute state columns directly: it is a data generator for a scratch
database, like the demo's backdating, not application code (scripts/ is outside the apps
that the dangerous-constructs test guards).
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "disputes_site.settings.local")

import django

django.setup()

from django.contrib.auth.models import Permission  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import Role, User  # noqa: E402
from disputes.choices import DisputeState as S  # noqa: E402
from disputes.events import event_hash  # noqa: E402
from disputes.models import GENESIS_HASH, Decision, Dispute, DisputeEvent  # noqa: E402
from orders.models import Order, OrderStatus  # noqa: E402

BATCH = 5000
# Share of the open disputes in each state (sums to 1).
OPEN_MIX = {
    S.AWAITING_SELLER: 0.25,
    S.NEGOTIATING: 0.20,
    S.UNDER_REVIEW: 0.25,
    S.AWAITING_INFO: 0.10,
    S.RESOLVED: 0.15,
    S.APPEALED: 0.05,
}
# The state changes that lead to each state, and who makes them.
PATHS = {
    S.AWAITING_SELLER: [("submit", S.AWAITING_SELLER, "buyer")],
    S.NEGOTIATING: [("reject_claim", S.NEGOTIATING, "seller")],
    S.UNDER_REVIEW: [("escalate", S.UNDER_REVIEW, "buyer")],
    S.AWAITING_INFO: [("request_info", S.AWAITING_INFO, "mediator")],
    S.RESOLVED: [("decide", S.RESOLVED, "mediator")],
    S.APPEALED: [("appeal", S.APPEALED, "buyer")],
    S.CLOSED: [("finalize", S.CLOSED, "system")],
}
ROUTE = {
    S.AWAITING_SELLER: [S.AWAITING_SELLER],
    S.NEGOTIATING: [S.AWAITING_SELLER, S.NEGOTIATING],
    S.UNDER_REVIEW: [S.AWAITING_SELLER, S.NEGOTIATING, S.UNDER_REVIEW],
    S.AWAITING_INFO: [S.AWAITING_SELLER, S.NEGOTIATING, S.UNDER_REVIEW, S.AWAITING_INFO],
    S.RESOLVED: [S.AWAITING_SELLER, S.NEGOTIATING, S.UNDER_REVIEW, S.RESOLVED],
    S.APPEALED: [S.AWAITING_SELLER, S.NEGOTIATING, S.UNDER_REVIEW, S.RESOLVED, S.APPEALED],
    S.CLOSED: [S.AWAITING_SELLER, S.NEGOTIATING, S.UNDER_REVIEW, S.RESOLVED, S.CLOSED],
}
OUTCOMES = [
    ("full_refund", 1.0),
    ("partial_refund", 0.5),
    ("partial_refund", 1.0),
    ("claim_rejected", 0.0),
    ("return_and_refund", 1.0),
    ("replacement", 0.0),
]
TYPES = [
    ("quality", "damaged"),
    ("incorrect_shipment", "wrong_item"),
    ("not_received", "no_tracking"),
]


def _people(count: int, role: str, prefix: str) -> list[User]:
    existing = list(User.objects.filter(email__startswith=f"bench-{prefix}-").order_by("pk"))
    new = [
        User(email=f"bench-{prefix}-{i}@example.com", name=f"Bench {prefix.title()} {i}", role=role)
        for i in range(len(existing), count)
    ]
    for user in new:
        user.set_unusable_password()
    User.objects.bulk_create(new, batch_size=BATCH)
    return list(User.objects.filter(email__startswith=f"bench-{prefix}-").order_by("pk"))[:count]


def reset() -> None:
    with transaction.atomic():
        # A scratch database: the record's guards (docs/audit.md) refuse deleting
        # events and decisions; a superuser switches them off for this transaction.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
        ids = Dispute.objects.filter(reference__startswith="DSP-Z").values("id")
        DisputeEvent.objects.filter(dispute_id__in=ids).delete()
        Decision.objects.filter(dispute_id__in=ids).delete()
        Dispute.objects.filter(reference__startswith="DSP-Z").delete()
        Order.objects.filter(reference__startswith="ORD-Z").delete()
        User.objects.filter(email__startswith="bench-").delete()


def seed(open_count: int, done_count: int, seed_value: int) -> None:
    rng = random.Random(seed_value)
    now = timezone.now()
    mediators = _people(20, Role.MEDIATOR, "mediator")
    buyers = _people(500, Role.BUYER, "buyer")
    sellers = _people(200, Role.SELLER, "seller")
    lead = mediators[0]
    lead.user_permissions.add(
        Permission.objects.get(codename="lead_mediation", content_type__app_label="accounts")
    )
    start = Dispute.objects.filter(reference__startswith="DSP-Z").count()
    plan = [state for state, share in OPEN_MIX.items() for _ in range(round(open_count * share))]
    plan += [S.CLOSED] * (done_count * 4 // 5) + [S.CANCELLED] * (done_count - done_count * 4 // 5)
    rng.shuffle(plan)
    began = time.monotonic()
    for offset in range(0, len(plan), BATCH):
        _seed_batch(
            rng, now, plan[offset : offset + BATCH], start + offset, mediators, buyers, sellers
        )
        print(f"  {offset + len(plan[offset : offset + BATCH])} / {len(plan)} disputes", flush=True)
    with connection.cursor() as cursor:
        for table in (
            "orders_order",
            "disputes_dispute",
            "disputes_disputeevent",
            "disputes_decision",
        ):
            cursor.execute(
                f"VACUUM ANALYZE {table}" if connection.vendor == "postgresql" else "ANALYZE"
            )
    print(
        f"seeded {len(plan)} disputes in {time.monotonic() - began:.0f} s; the lead is {lead.email}"
    )


def _seed_batch(rng, now, states, first, mediators, buyers, sellers) -> None:
    orders, disputes = [], []
    for i in range(len(states)):
        n = first + i
        buyer, seller = rng.choice(buyers), rng.choice(sellers)
        total = Decimal(rng.randrange(20, 2000))
        placed = now - timedelta(days=rng.uniform(20, 380))
        orders.append(
            Order(
                reference=f"ORD-Z{n:07d}",
                buyer=buyer,
                seller=seller,
                status=OrderStatus.DELIVERED,
                total=total,
                amount_paid=total,
                placed_at=placed,
            )
        )
    with transaction.atomic():
        Order.objects.bulk_create(orders, batch_size=BATCH)
        plans = []
        for i, (state, order) in enumerate(zip(states, orders, strict=True)):
            kind, reason = rng.choice(TYPES)
            claimed = (order.total * Decimal(rng.choice(["0.5", "1"]))).quantize(Decimal("0.01"))
            created = order.placed_at + timedelta(days=rng.uniform(5, 15))
            dispute = Dispute(
                reference=f"DSP-Z{first + i:07d}",
                order=order,
                buyer=order.buyer,
                seller=order.seller,
                type=kind,
                reason=reason,
                description="Benchmark dispute.",
                claimed_amount=claimed,
                requested_outcome="partial_refund",
                state=state,
                created_at=created,
            )
            steps = _steps(rng, dispute, state, created, now, mediators)
            plans.append(steps)
            disputes.append(dispute)
        Dispute.objects.bulk_create(disputes, batch_size=BATCH)
        events, decisions = [], []
        for dispute, steps in zip(disputes, plans, strict=True):
            prev = GENESIS_HASH
            for seq, (kind, from_state, to_state, role, actor, at) in enumerate(steps, start=1):
                details = {"bench": True}
                event = DisputeEvent(
                    dispute_id=dispute.pk,
                    seq=seq,
                    kind=kind,
                    actor_id=actor,
                    actor_role=role,
                    from_state=from_state,
                    to_state=to_state,
                    details=details,
                    visibility="all",
                    created_at=at,
                    prev_hash=prev,
                )
                event.hash = event_hash(
                    dispute_id=dispute.pk,
                    seq=seq,
                    kind=kind,
                    actor_id=actor,
                    actor_role=role,
                    from_state=from_state,
                    to_state=to_state,
                    details=details,
                    visibility="all",
                    created_at=at,
                    prev_hash=prev,
                )
                prev = event.hash
                events.append(event)
                if kind == "decide":
                    decisions.append(
                        Decision(
                            dispute_id=dispute.pk,
                            mediator_id=actor,
                            outcome=dispute.outcome,
                            refund_amount=dispute.refund_amount or 0,
                            reason_code="other",
                            rationale="Benchmark decision.",
                            created_at=at,
                        )
                    )
            # The head of the chain, as the engine would have written it.
            dispute.event_count, dispute.chain_head = len(steps), prev
        Dispute.objects.bulk_update(disputes, ["event_count", "chain_head"], batch_size=1000)
        DisputeEvent.objects.bulk_create(events, batch_size=BATCH)
        Decision.objects.bulk_create(decisions, batch_size=BATCH)


def _steps(rng, dispute, state, created, now, mediators):
    """The events of a dispute that reached ``state``, and the dispute's columns to match."""
    buyer, seller = dispute.buyer_id, dispute.seller_id
    mediator = rng.choice(mediators).pk
    actors = {"buyer": buyer, "seller": seller, "mediator": mediator, "system": None}
    at = created
    steps = [("created", "", S.DRAFT, "buyer", buyer, at)]
    route = ROUTE.get(state, [S.AWAITING_SELLER, S.CANCELLED])
    current = S.DRAFT
    span = (now - created).total_seconds()
    # Each stay takes a share of the time since the dispute was created.
    for target in route:
        at = at + timedelta(seconds=span * rng.uniform(0.02, 0.15))
        if target == S.CANCELLED:
            kind, role = "cancel", "buyer"
        else:
            kind, _to, role = PATHS[target][0]
        steps.append((kind, current, target, role, actors[role], at))
        if kind in ("reject_claim", "escalate") and rng.random() < 0.5:
            steps.append(("message", target, target, "buyer", buyer, at + timedelta(minutes=5)))
        if target == S.AWAITING_SELLER:
            dispute.submitted_at = at
        if target == S.RESOLVED:
            outcome, share = rng.choice(OUTCOMES)
            dispute.outcome = outcome
            dispute.refund_amount = (dispute.claimed_amount * Decimal(str(share))).quantize(
                Decimal("0.01")
            )
            dispute.resolution_kind = "decision"
            dispute.resolved_at = at
            dispute.decided_by_id = mediator
        current = target
    if state in (S.UNDER_REVIEW, S.AWAITING_INFO, S.APPEALED, S.RESOLVED):
        dispute.assigned_mediator_id = mediator
    if state == S.UNDER_REVIEW:
        dispute.deadline_at = at + timedelta(days=5)
        dispute.deadline_rule = "mediator_review"
        dispute.is_overdue = dispute.deadline_at < now
    if state in (S.CLOSED, S.CANCELLED):
        dispute.closed_at = at
    return steps


def measure(runs: int, computed: bool) -> None:
    """The page as the lead sees it: the first render after the cache entry expired
    (which computes the figures), then ``runs`` renders in a row; with ``computed``,
    the cache is off and every render computes."""
    from django.conf import settings
    from django.core.cache import cache

    lead = User.objects.filter(email="bench-mediator-0@example.com").first()
    if lead is None:
        sys.exit("Seed first: scripts/seed_bench.py seed")
    if computed:
        settings.MEDIATION_DASHBOARD_CACHE_SECONDS = 0
    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(lead)
    url = reverse("mediation_dashboard:dashboard")
    print(
        f"{Dispute.objects.exclude(state__in=[S.DRAFT, S.CLOSED, S.CANCELLED]).count()} open disputes, "
        f"{Dispute.objects.count()} in all, {DisputeEvent.objects.count()} events; cache "
        f"{settings.MEDIATION_DASHBOARD_CACHE_SECONDS} s ({settings.CACHES['default']['BACKEND']})"
    )
    for period in ("30", "90", "365", "all"):
        cache.delete(f"mediation:dashboard:v2:{period}")
        queries: list[str] = []

        def count(execute, sql, params, many, context, queries=queries):
            queries.append(sql)
            return execute(sql, params, many, context)

        # A wrapper, not CaptureQueriesContext: the request_started signal resets the
        # connection's query log in the middle of a captured request.
        began = time.perf_counter()
        with connection.execute_wrapper(count):
            assert client.get(url, {"period": period}).status_code == 200
        first = (time.perf_counter() - began) * 1000
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            response = client.get(url, {"period": period})
            times.append((time.perf_counter() - began) * 1000)
            assert response.status_code == 200
        print(
            f"period {period:>3}: first render {first:.0f} ms ({len(queries)} queries); then "
            f"median {statistics.median(times):.1f} ms, min {min(times):.1f}, max {max(times):.1f} "
            f"over {runs} renders"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    seeding = sub.add_parser("seed")
    seeding.add_argument("--open", type=int, default=100_000, help="open disputes")
    seeding.add_argument("--done", type=int, default=20_000, help="closed and cancelled disputes")
    seeding.add_argument("--seed", type=int, default=6)
    seeding.add_argument("--reset", action="store_true", help="remove earlier benchmark rows first")
    measuring = sub.add_parser("measure")
    measuring.add_argument("--runs", type=int, default=20)
    measuring.add_argument(
        "--computed", action="store_true", help="cache off: every render computes the figures"
    )
    args = parser.parse_args()
    if args.command == "seed":
        if args.reset:
            reset()
        seed(args.open, args.done, args.seed)
    else:
        measure(args.runs, args.computed)


if __name__ == "__main__":
    main()
