"""Bulk seeding for the benchmark: users, orders, disputes in every state, events and the rest.

    from bench.seed import seed
    seed(100_000)          # in any configured Django process on PostgreSQL

Rows go in with PostgreSQL ``COPY`` (psycopg 3's ``cursor.copy()``), tens of
times faster than ``bulk_create``. The rows are consistent with what the
services would have written: each state has the deadline rule of
``disputes.workflow.RULES`` with its reminder still ahead, negotiating cases
have the seller's open offer, and every dispute's events form a real hash
chain computed with ``disputes.events.event_hash`` (``manage.py verify_audit``
passes). The events themselves are *synthetic*: plausible transition names in
order, with empty details, not a replay of the services.

A marker table, ``bench_seed``, records the size and when it was seeded;
``seed()`` reuses a database that already holds that many disputes.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import DatabaseError, connection
from django.db.models import Model
from django.db.models.fields import NOT_PROVIDED
from django.utils import timezone

from accounts.models import SellerProfile, User
from disputes.choices import DisputeState as S
from disputes.events import event_hash
from disputes.models import (
    GENESIS_HASH,
    Dispute,
    DisputeEvent,
    Message,
    Notification,
    Offer,
)
from disputes.workflow import RULES, next_reminder_at
from evidence.models import Evidence
from mediation.models import MediatorProfile
from orders.models import Order, OrderItem, Payment, Shipment

# Each buyer has this many disputes, whatever the size: a buyer's list is the
# same page at 200 and at 1 000 000 disputes.
DISPUTES_PER_BUYER = 25
DISPUTES_PER_SELLER = 100
DISPUTES_PER_MEDIATOR = 2_000
# The first buyers and the first mediator are the ones the load generator logs in as.
BENCH_BUYERS = 16
# Orders nobody disputed, as a share of the disputed ones.
UNDISPUTED_ORDERS = 0.1
# Reused only while the seeded deadlines are still ahead (the shortest wait is 3 days).
MAX_AGE = timedelta(hours=12)
# Every run adds offers, evidence and events to the bench buyers' cases:
# start again before the evidence limits fill up.
MAX_RUNS = 5

# Share of disputes per state (per cent); every state of SPEC section 3 is present.
STATE_MIX: list[tuple[str, int]] = [
    (S.DRAFT, 5),
    (S.AWAITING_SELLER, 15),
    (S.NEGOTIATING, 20),
    (S.UNDER_REVIEW, 10),
    (S.AWAITING_INFO, 3),
    (S.PROPOSED, 1),
    (S.RESOLVED, 7),
    (S.APPEALED, 2),
    (S.CLOSED, 32),
    (S.CANCELLED, 5),
]
# The wait each active state is in.
STATE_RULE: dict[str, str] = {
    S.AWAITING_SELLER: "seller_response",
    S.NEGOTIATING: "negotiation",
    S.UNDER_REVIEW: "mediator_review",
    S.AWAITING_INFO: "info_response",
    S.PROPOSED: "proposal_response",
    S.RESOLVED: "appeal_window",
    S.APPEALED: "appeal_review",
}
# The synthetic history of each state: (transition, actor role, from, to).
_CREATED = ("created", "buyer", "", S.DRAFT)
_SUBMIT = ("submit", "buyer", S.DRAFT, S.AWAITING_SELLER)
_OFFER = ("make_offer", "seller", S.AWAITING_SELLER, S.NEGOTIATING)
_ESCALATE = ("escalate", "buyer", S.NEGOTIATING, S.UNDER_REVIEW)
_DECIDE = ("decide", "mediator", S.UNDER_REVIEW, S.RESOLVED)
HISTORY: dict[str, list[tuple[str, str, str, str]]] = {
    S.DRAFT: [_CREATED],
    S.AWAITING_SELLER: [_CREATED, _SUBMIT],
    S.NEGOTIATING: [_CREATED, _SUBMIT, _OFFER],
    S.UNDER_REVIEW: [_CREATED, _SUBMIT, _OFFER, _ESCALATE],
    S.AWAITING_INFO: [
        _CREATED,
        _SUBMIT,
        _OFFER,
        _ESCALATE,
        ("request_info", "mediator", S.UNDER_REVIEW, S.AWAITING_INFO),
    ],
    S.PROPOSED: [
        _CREATED,
        _SUBMIT,
        _OFFER,
        _ESCALATE,
        ("propose", "mediator", S.UNDER_REVIEW, S.PROPOSED),
    ],
    S.RESOLVED: [_CREATED, _SUBMIT, _OFFER, _ESCALATE, _DECIDE],
    S.APPEALED: [
        _CREATED,
        _SUBMIT,
        _OFFER,
        _ESCALATE,
        _DECIDE,
        ("appeal", "seller", S.RESOLVED, S.APPEALED),
    ],
    S.CLOSED: [
        _CREATED,
        _SUBMIT,
        ("accept_claim", "seller", S.AWAITING_SELLER, S.RESOLVED),
        ("complete", "system", S.RESOLVED, S.CLOSED),
    ],
    S.CANCELLED: [_CREATED, ("cancel", "buyer", S.DRAFT, S.CANCELLED)],
}
_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_PASSWORD_UNUSABLE = "!bench-seeded"  # noqa: S105 (an unusable password hash, by design)


def reference(prefix: str, number: int) -> str:
    """``DSP-22222223``: the house format, unique per number (32**8 of them)."""
    chars = []
    for _ in range(8):
        number, digit = divmod(number, 32)
        chars.append(_ALPHABET[digit])
    return prefix + "-" + "".join(reversed(chars))


def buyer_email(index: int) -> str:
    return f"buyer{index}@bench.example"


def mediator_email(index: int) -> str:
    return f"mediator{index}@bench.example"


@dataclass
class Plan:
    """How many of everything ``size`` disputes take, and where each id range starts."""

    size: int
    buyers: int = 0
    sellers: int = 0
    mediators: int = 0
    orders: int = 0

    def __post_init__(self) -> None:
        self.buyers = max(-(-self.size // DISPUTES_PER_BUYER), 2)
        self.sellers = max(-(-self.size // DISPUTES_PER_SELLER), 2)
        self.mediators = max(self.size // DISPUTES_PER_MEDIATOR, 3)
        self.orders = self.size + int(self.size * UNDISPUTED_ORDERS)

    def buyer_id(self, index: int) -> int:
        return 1 + index

    def seller_id(self, index: int) -> int:
        return 1 + self.buyers + index

    def mediator_id(self, index: int) -> int:
        return 1 + self.buyers + self.sellers + index


@dataclass
class SeedResult:
    size: int
    reused: bool
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)


# --- The marker --------------------------------------------------------------

_MARKER_DDL = """
CREATE TABLE IF NOT EXISTS bench_seed (
    size integer NOT NULL,
    seeded_at timestamptz NOT NULL,
    runs integer NOT NULL DEFAULT 0
)
"""


def marker() -> tuple[int, datetime, int] | None:
    """(size, seeded_at, runs) of the seeded data, or None."""
    with connection.cursor() as cursor:
        cursor.execute(_MARKER_DDL)
        cursor.execute("SELECT size, seeded_at, runs FROM bench_seed LIMIT 1")
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), row[1], int(row[2]))


def count_run() -> None:
    """One more benchmark run has written into the seeded data."""
    with connection.cursor() as cursor:
        cursor.execute("UPDATE bench_seed SET runs = runs + 1")


def is_reusable(size: int, now: datetime | None = None) -> bool:
    found = marker()
    if found is None:
        return False
    seeded_size, seeded_at, runs = found
    now = now or timezone.now()
    return (
        seeded_size == size
        and now - seeded_at < MAX_AGE
        and runs < MAX_RUNS
        and Dispute.objects.count() == size
    )


# --- Seeding -----------------------------------------------------------------


def seed(size: int, *, reuse: bool = True, now: datetime | None = None) -> SeedResult:
    """Fill the current database with ``size`` disputes and everything around them.

    Everything of the seeded tables is deleted first (TRUNCATE): never point
    this at a database whose data matters. With ``reuse``, a database that
    already holds this seed is left as it is.
    """
    if connection.vendor != "postgresql":
        raise RuntimeError("bench.seed needs PostgreSQL (COPY).")
    if size < 1:
        raise ValueError("size must be at least 1")
    start = time.perf_counter()
    if reuse and is_reusable(size, now):
        return SeedResult(size=size, reused=True, seconds=time.perf_counter() - start)
    now = now or timezone.now()
    plan = Plan(size)
    rng = random.Random(size)  # the same data for the same size
    _truncate()
    with _foreign_key_checks_off():
        rows = _copy_all(plan, rng, now)
    _finish(size, now)
    return SeedResult(size=size, reused=False, seconds=time.perf_counter() - start, rows=rows)


def _copy_all(plan: Plan, rng: random.Random, now: datetime) -> dict[str, int]:
    rows: dict[str, int] = {}
    rows["users"] = _copy(User, _USER_COLUMNS, _users(plan, now))
    rows["seller profiles"] = _copy(SellerProfile, _PROFILE_COLUMNS, _profiles(plan, now))
    rows["mediator roster"] = _copy(MediatorProfile, _ROSTER_COLUMNS, _roster(plan, now))
    facts = _order_facts(plan, rng, now)
    rows["orders"] = _copy(Order, _ORDER_COLUMNS, _orders(facts, now))
    rows["order items"] = _copy(OrderItem, _ITEM_COLUMNS, _items(facts))
    rows["payments"] = _copy(Payment, _PAYMENT_COLUMNS, _payments(facts))
    rows["shipments"] = _copy(Shipment, _SHIPMENT_COLUMNS, _shipments(facts))
    cases = _Cases(plan, facts, rng, now)
    rows["disputes"] = _copy(Dispute, _DISPUTE_COLUMNS, cases.disputes())
    rows["events"] = _copy(DisputeEvent, _EVENT_COLUMNS, cases.events)
    rows["offers"] = _copy(Offer, _OFFER_COLUMNS, cases.offers)
    rows["messages"] = _copy(Message, _MESSAGE_COLUMNS, cases.messages)
    rows["evidence"] = _copy(Evidence, _EVIDENCE_COLUMNS, cases.evidence)
    rows["notifications"] = _copy(Notification, _NOTIFICATION_COLUMNS, cases.notifications)
    return rows


def _truncate() -> None:
    tables = [m._meta.db_table for m in (User, Order)]
    with connection.cursor() as cursor:
        cursor.execute(_MARKER_DDL)
        cursor.execute("DELETE FROM bench_seed")
        # CASCADE: every table that points at users or orders (disputes,
        # events, sessions, tokens, ...) empties with them.
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")


def _finish(size: int, now: datetime) -> None:
    with connection.cursor() as cursor:
        for model in (User, Order, Dispute, DisputeEvent):
            table = model._meta.db_table
            # Ids were given explicitly: move each identity past them.
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # nosec B608  # table: a model's db_table, not input
                f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )
        # VACUUM as autovacuum would have by now in production: it sets the
        # visibility map, without which the index-only scans the queue's
        # counts are built for read the table too. Not possible inside a
        # transaction (a test's): then statistics only.
        cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
        cursor.execute(
            "INSERT INTO bench_seed (size, seeded_at, runs) VALUES (%s, %s, 0)", [size, now]
        )


def _copy(model: type[Model], columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    _check_columns(model, columns)
    table = model._meta.db_table
    count = 0
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg 3 cursor under Django's wrapper
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            # COPY's text format, written by hand in large chunks: several
            # times faster than adapting every value with write_row().
            chunk: list[str] = []
            for row in rows:
                chunk.append("\t".join([_text(v) for v in row]))
                count += 1
                if len(chunk) >= 5_000:
                    copy.write("\n".join(chunk) + "\n")
                    chunk.clear()
            if chunk:
                copy.write("\n".join(chunk) + "\n")
    return count


@contextmanager
def _foreign_key_checks_off() -> Iterator[None]:
    """The rows are generated consistent; checking every foreign key row by row would
    double the time. Needs a superuser (the local PostgreSQL's postgres); without
    one, the checks simply run. Back on before anything else uses the connection."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")
        switched = True
    except DatabaseError:
        switched = False
    try:
        yield
    finally:
        if switched:
            with connection.cursor() as cursor:
                cursor.execute("RESET session_replication_role")


def _escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return value


_TEXT: dict[type, Any] = {
    str: _escape,
    int: str,
    Decimal: str,
    bool: lambda v: "t" if v else "f",
    datetime: datetime.isoformat,
    type(None): lambda v: "\\N",
}


def _text(value: Any) -> str:
    convert = _TEXT.get(type(value))
    return convert(value) if convert is not None else _escape(str(value))


def _check_columns(model: type[Model], columns: Sequence[str]) -> None:
    """Every NOT NULL column without a database default must be written: a migration
    that adds one makes the seeder fail here, by name, instead of inside COPY."""
    missing = [
        f.column
        for f in model._meta.concrete_fields
        if not f.null
        and not f.primary_key
        and f.column not in columns
        and f.db_default is NOT_PROVIDED
    ]
    if missing:
        raise RuntimeError(
            f"bench.seed does not write {model._meta.db_table}.{', '.join(str(c) for c in missing)}; add it."
        )


# --- Rows ---------------------------------------------------------------------

_USER_COLUMNS = [
    "id",
    "password",
    "last_login",
    "is_superuser",
    "email",
    "name",
    "role",
    "is_staff",
    "is_active",
    "date_joined",
]


def _users(plan: Plan, now: datetime) -> Iterator[tuple[Any, ...]]:
    joined = now - timedelta(days=400)
    for i in range(plan.buyers):
        yield (
            plan.buyer_id(i),
            _PASSWORD_UNUSABLE,
            None,
            False,
            buyer_email(i),
            f"Buyer {i}",
            "buyer",
            False,
            True,
            joined,
        )
    for i in range(plan.sellers):
        yield (
            plan.seller_id(i),
            _PASSWORD_UNUSABLE,
            None,
            False,
            f"seller{i}@bench.example",
            f"Seller {i}",
            "seller",
            False,
            True,
            joined,
        )
    for i in range(plan.mediators):
        yield (
            plan.mediator_id(i),
            _PASSWORD_UNUSABLE,
            None,
            False,
            mediator_email(i),
            f"Mediator {i}",
            "mediator",
            False,
            True,
            joined,
        )


_PROFILE_COLUMNS = ("user_id", "store_name", "country", "created_at")
_COUNTRIES = ("DE", "FR", "US", "CN", "IT", "PL", "NL", "ES")


def _profiles(plan: Plan, now: datetime) -> Iterator[tuple[Any, ...]]:
    for i in range(plan.sellers):
        yield (plan.seller_id(i), f"Store {i}", _COUNTRIES[i % len(_COUNTRIES)], now)


_ROSTER_COLUMNS = ("user_id", "active", "capacity", "created_at")


def _roster(plan: Plan, now: datetime) -> Iterator[tuple[Any, ...]]:
    # Capacity above the open cases each mediator is seeded with (about 1 in 10
    # disputes is open and assigned), so the roster is consistent with them.
    capacity = max(30, 2 * DISPUTES_PER_MEDIATOR // 10)
    for i in range(plan.mediators):
        yield (plan.mediator_id(i), True, capacity, now)


_ORDER_COLUMNS = [
    "id",
    "reference",
    "buyer_id",
    "seller_id",
    "status",
    "currency",
    "total",
    "amount_paid",
    "expected_delivery_date",
    "placed_at",
    "updated_at",
]


@dataclass(frozen=True)
class _OrderFacts:
    buyer: int
    seller: int
    total: Decimal
    placed_at: datetime


def _order_facts(plan: Plan, rng: random.Random, now: datetime) -> list[_OrderFacts]:
    facts = []
    for i in range(plan.orders):
        # Disputed orders first: order i belongs to dispute i.
        buyer = i // DISPUTES_PER_BUYER if i < plan.size else rng.randrange(plan.buyers)
        facts.append(
            _OrderFacts(
                buyer=plan.buyer_id(buyer),
                seller=plan.seller_id(rng.randrange(plan.sellers)),
                total=Decimal(rng.randrange(5_000, 500_000)) / 100,
                placed_at=now - timedelta(days=20 + rng.random() * 100),
            )
        )
    return facts


def _orders(facts: list[_OrderFacts], now: datetime) -> Iterator[tuple[Any, ...]]:
    for i, o in enumerate(facts):
        yield (
            i + 1,
            reference("ORD", i + 1),
            o.buyer,
            o.seller,
            "delivered",
            "USD",
            o.total,
            o.total,
            (o.placed_at + timedelta(days=6)).date(),
            o.placed_at,
            now,
        )


_ITEM_COLUMNS = ("order_id", "product_name", "sku", "quantity", "unit_price")


def _items(facts: list[_OrderFacts]) -> Iterator[tuple[Any, ...]]:
    for i, o in enumerate(facts):
        yield (i + 1, f"Pallet of parts #{i % 97}", f"SKU-{i % 9973}", 1, o.total)


_PAYMENT_COLUMNS = [
    "order_id",
    "method",
    "provider",
    "provider_reference",
    "amount",
    "currency",
    "status",
    "paid_at",
]


def _payments(facts: list[_OrderFacts]) -> Iterator[tuple[Any, ...]]:
    for i, o in enumerate(facts):
        yield (
            i + 1,
            "card",
            "sandbox",
            f"bench-{i + 1}",
            o.total,
            "USD",
            "succeeded",
            o.placed_at + timedelta(minutes=5),
        )


_SHIPMENT_COLUMNS = ("order_id", "carrier", "tracking_number", "shipped_at", "delivered_at")


def _shipments(facts: list[_OrderFacts]) -> Iterator[tuple[Any, ...]]:
    for i, o in enumerate(facts):
        yield (
            i + 1,
            "DHL",
            f"JD{i + 1:012d}",
            o.placed_at + timedelta(days=1),
            o.placed_at + timedelta(days=5),
        )


_DISPUTE_COLUMNS = [
    "id",
    "reference",
    "order_id",
    "buyer_id",
    "seller_id",
    "type",
    "reason",
    "description",
    "facts",
    "claimed_amount",
    "requested_outcome",
    "state",
    "settlement",
    "deadline_at",
    "deadline_rule",
    "deadline_started_at",
    "reminder_at",
    "reminders_sent",
    "assigned_mediator_id",
    "info_requested_from",
    "seller_silent",
    "is_overdue",
    "open_offer_party",
    "decided_by_id",
    "buyer_appealed",
    "seller_appealed",
    "outcome",
    "refund_amount",
    "resolution_kind",
    "created_at",
    "submitted_at",
    "resolved_at",
    "closed_at",
    "updated_at",
    "version",
    "event_count",
    "chain_head",
]
_EVENT_COLUMNS = [
    "id",
    "dispute_id",
    "seq",
    "kind",
    "actor_id",
    "actor_role",
    "from_state",
    "to_state",
    "details",
    "visibility",
    "created_at",
    "prev_hash",
    "hash",
]
_OFFER_COLUMNS = [
    "dispute_id",
    "made_by_id",
    "party",
    "outcome",
    "amount",
    "note",
    "is_refund_request",
    "status",
    "created_at",
    "responded_at",
]
_MESSAGE_COLUMNS = ("dispute_id", "author_id", "body", "visibility", "created_at")
_EVIDENCE_COLUMNS = [
    "dispute_id",
    "uploader_id",
    "uploader_role",
    "kind",
    "file",
    "original_name",
    "content_type",
    "size",
    "sha256",
    "width",
    "height",
    "thumbnail",
    "thumbnail_status",
    "description",
    "visibility",
    "created_at",
    "hidden_at",
    "hidden_reason",
]
_NOTIFICATION_COLUMNS = [
    "recipient_id",
    "event_id",
    "dispute_id",
    "category",
    "title",
    "body",
    "created_at",
    "read_at",
    "email_status",
    "email_attempts",
    "email_claimed_at",
    "emailed_at",
]
_TYPES = [
    ("quality", "damaged"),
    ("quality", "defective"),
    ("incorrect_shipment", "wrong_item"),
    ("incorrect_shipment", "missing_items"),
    ("not_received", "tracking_stalled"),
]
_EMPTY = "{}"


def chain_hash(
    dispute_id: int,
    seq: int,
    kind: str,
    actor_id: int | None,
    actor_role: str,
    from_state: str,
    to_state: str,
    created_at: datetime,
    prev_hash: str,
) -> str:
    """``disputes.events.event_hash`` of an event with empty details visible to all,
    four times faster: the canonical JSON (sorted keys, no spaces) written out
    directly. Only plain names go in, which JSON writes as they are; a test
    holds it equal to ``event_hash``."""
    actor = "null" if actor_id is None else actor_id
    canonical = (
        f'{{"actor":{actor},"actor_role":"{actor_role}","at":"{created_at.isoformat()}",'
        f'"details":{{}},"dispute":{dispute_id},"from":"{from_state}","kind":"{kind}",'
        f'"prev":"{prev_hash}","seq":{seq},"to":"{to_state}","visibility":"all"}}'
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _proposal(claimed: Decimal) -> dict[str, str]:
    """A ``propose`` event's details, as ``dispute_propose`` writes them."""
    half = (claimed / 2).quantize(Decimal("0.01"))
    return {
        "outcome": "partial_refund",
        "refund_amount": str(half),
        "rationale": "Half back: the photos show damage to one of the two items.",
    }


class _Cases:
    """The disputes, and as they are written, the rows that hang off them.

    The dependent rows are collected while the disputes stream into COPY, so
    each dispute's chain is computed once; they are copied right after.
    """

    def __init__(
        self, plan: Plan, facts: list[_OrderFacts], rng: random.Random, now: datetime
    ) -> None:
        self.plan, self.facts, self.rng, self.now = plan, facts, rng, now
        self.events: list[tuple[Any, ...]] = []
        self.offers: list[tuple[Any, ...]] = []
        self.messages: list[tuple[Any, ...]] = []
        self.evidence: list[tuple[Any, ...]] = []
        self.notifications: list[tuple[Any, ...]] = []
        self.states = [s for s, share in STATE_MIX for _ in range(share)]
        self.next_event_id = 1
        self.next_evidence = 1

    def disputes(self) -> Iterator[tuple[Any, ...]]:
        for i in range(self.plan.size):
            yield self._dispute(i + 1, self.facts[i])

    def _dispute(self, pk: int, order: _OrderFacts) -> tuple[Any, ...]:
        rng, now, plan = self.rng, self.now, self.plan
        state = self.states[rng.randrange(len(self.states))]
        kind, reason = _TYPES[pk % len(_TYPES)]
        created = order.placed_at + timedelta(days=8 + rng.random() * 10)
        if created > now - timedelta(days=2):
            created = now - timedelta(days=2 + rng.random())
        claimed = (order.total * Decimal(rng.choice((25, 50, 100))) / 100).quantize(Decimal("0.01"))
        mediator = plan.mediator_id(pk % plan.mediators)
        buyer, seller = order.buyer, order.seller

        rule = STATE_RULE.get(state, "")
        deadline_at = started = reminder_at = None
        history = HISTORY[state]
        if rule:
            duration = RULES[rule].duration
            # Somewhere in the first 40 % of the wait: the 50 % reminder is
            # still ahead, so nothing is due until the sweep benchmark says so.
            started = now - duration * (rng.random() * 0.4)
            deadline_at = started + duration
            reminder_at = next_reminder_at(started, deadline_at, sent=0)
            # The last transition started the current wait.
            end = started
            created = min(created, end - timedelta(hours=2 * len(history)))
        else:
            end = min(created + timedelta(days=1 + rng.random() * 10), now)
        step = (end - created) / max(len(history) - 1, 1)

        chain = GENESIS_HASH
        last_event_id, last_role, at = 0, "buyer", created
        roles = {"buyer": buyer, "seller": seller, "mediator": mediator, "system": None}
        for seq, (name, role, from_state, to_state) in enumerate(history, start=1):
            at = created + step * (seq - 1)
            event_id = self.next_event_id
            self.next_event_id += 1
            actor = roles[role]
            details, prev = _EMPTY, chain
            if name == "propose":
                # The case page shows the proposal from its event (1 % of cases:
                # the slow, general hash is fine).
                proposal = _proposal(claimed)
                details = json.dumps(proposal)
                chain = event_hash(
                    dispute_id=pk,
                    seq=seq,
                    kind=name,
                    actor_id=actor,
                    actor_role=role,
                    from_state=from_state,
                    to_state=to_state,
                    details=proposal,
                    visibility="all",
                    created_at=at,
                    prev_hash=chain,
                )
            else:
                chain = chain_hash(pk, seq, name, actor, role, from_state, to_state, at, chain)
            self.events.append(
                (
                    event_id,
                    pk,
                    seq,
                    name,
                    actor,
                    role,
                    from_state,
                    to_state,
                    details,
                    "all",
                    at,
                    prev,
                    chain,
                )
            )
            last_event_id, last_role = event_id, role

        submitted = created + timedelta(minutes=30) if len(history) > 1 else None
        open_offer_party = ""
        if state == S.NEGOTIATING:
            open_offer_party = "seller"
            self.offers.append(
                (
                    pk,
                    seller,
                    "seller",
                    "partial_refund",
                    claimed / 2,
                    "Half back?",
                    False,
                    "open",
                    at,
                    None,
                )
            )
        resolved = state in (S.RESOLVED, S.APPEALED, S.CLOSED)
        decided = state in (S.RESOLVED, S.APPEALED)
        if state not in (S.DRAFT, S.CANCELLED):
            self.messages.append((pk, buyer, "Could you look at the photos?", "all", created))
            if pk % 2:
                self.messages.append((pk, seller, "We are checking.", "all", created))
            if pk % 2 == 0:
                n = self.next_evidence
                self.next_evidence += 1
                self.evidence.append(
                    (
                        pk,
                        buyer,
                        "buyer",
                        "photo",
                        f"evidence/{pk}/seed-{n}.jpg",
                        "carton.jpg",
                        "image/jpeg",
                        1_843_200,
                        f"{n:064x}",
                        4000,
                        3000,
                        f"evidence/{pk}/thumbs/seed-{n}.jpg",
                        "ready",
                        "The damaged carton",
                        "parties",
                        created,
                        None,
                        "",
                    )
                )
        if len(history) > 1:
            recipient = seller if last_role == "buyer" else buyer
            self.notifications.append(
                (
                    recipient,
                    last_event_id,
                    pk,
                    "case",
                    f"Dispute {reference('DSP', pk)} moved",
                    "",
                    at,
                    at if pk % 5 else None,
                    "sent",
                    1,
                    None,
                    at,
                )
            )
        return (
            pk,
            reference("DSP", pk),
            pk,
            buyer,
            seller,
            kind,
            reason,
            "The goods arrived damaged.",
            _EMPTY,
            claimed,
            "full_refund",
            state,
            "appeal_window" if state == S.RESOLVED else "",
            deadline_at,
            rule,
            started,
            reminder_at,
            0,
            mediator
            if state in (S.UNDER_REVIEW, S.AWAITING_INFO, S.PROPOSED, S.APPEALED) and pk % 3
            else None,
            "buyer" if state == S.AWAITING_INFO else "",
            False,
            False,
            open_offer_party,
            mediator if decided else None,
            False,
            state == S.APPEALED,
            "partial_refund" if resolved else "",
            claimed / 2 if resolved else None,
            ("decision" if decided else "claim_accepted") if resolved else "",
            created,
            submitted,
            at if resolved else None,
            at if state in (S.CLOSED, S.CANCELLED) else None,
            at,
            len(history),
            len(history),
            chain,
        )
