"""Random journeys through the dispute services, checked against SPEC section 3 (and
13.1-13.2: the platform's proposal, more time once).

A hypothesis ``RuleBasedStateMachine`` opens disputes on two or three orders
and lets the buyer, the seller, a mediator, two senior mediators and a
stranger try every transition with good and bad input, while a clock it keeps
moves forward and the deadline sweep runs. Every call is judged three ways: by
``allowed_actions`` (what the pages and the API offer), by a small model of the
spec written out below, and by its input; a refused call must leave the case
exactly as it was. After every step the books must balance: terminal states
stay terminal, refunds never exceed what was paid, a deadline exists exactly
while the case waits on someone, one dispute per order, offers and returns
match the case, and every audit chain verifies.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta
from decimal import ROUND_DOWN, Decimal
from typing import Any

import hypothesis
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.db import transaction
from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from hypothesis import HealthCheck
from hypothesis import strategies as st
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from disputes import services
from disputes.errors import DisputeError
from disputes.events import verify_all
from disputes.models import (
    Appeal,
    Dispute,
    DisputeEvent,
    Notification,
    Offer,
    Refund,
    ReturnShipment,
)
from disputes.permissions import allowed_actions
from disputes.tasks import execute_refund
from disputes.waiting import waiting_on, waiting_party, your_move_q
from integrations.carriers.base import CarrierUpdate
from integrations.carriers.services import record as carrier_record
from integrations.models import CarrierShipment
from mediation.models import MediatorProfile
from orders.models import Order
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order, make_senior

pytestmark = pytest.mark.django_db

# --- the spec, written out independently of disputes/workflow.py -------------

TERMINAL = {"closed", "cancelled"}
# SPEC 13.1 adds ``proposed``, a state before resolved (the buyer may still cancel).
BEFORE_RESOLVED = {
    "draft",
    "awaiting_seller",
    "negotiating",
    "under_review",
    "awaiting_info",
    "proposed",
}
REFUND_OUTCOMES = {"full_refund", "partial_refund", "return_and_refund"}
OFFER_OUTCOMES = {"full_refund", "partial_refund", "return_and_refund", "replacement"}
OUTCOMES = OFFER_OUTCOMES | {"claim_rejected"}
REASON_CODES = {
    "evidence_supports_buyer",
    "evidence_supports_seller",
    "shared_fault",
    "seller_no_response",
    "buyer_no_response",
    "return_not_shipped",
    "other",
}
REASONS = {
    "quality": {"damaged", "defective", "not_as_described", "counterfeit", "other"},
    "incorrect_shipment": {
        "wrong_item",
        "wrong_quantity",
        "wrong_specification",
        "missing_items",
        "other",
    },
    "not_received": {"no_tracking", "tracking_stalled", "tracking_shows_delivered", "other"},
}

# Each arrow a person takes: from which states, by whom, to which states.
# (A return or a replacement keeps a case resolved until it is carried out.)
SPEC_MOVES: dict[str, tuple[set[str], set[str], set[str]]] = {
    "submit": ({"draft"}, {"buyer"}, {"awaiting_seller"}),
    "accept_claim": ({"awaiting_seller"}, {"seller"}, {"resolved"}),
    "reject_claim": ({"awaiting_seller"}, {"seller"}, {"negotiating"}),
    "make_offer": ({"awaiting_seller", "negotiating"}, {"buyer", "seller"}, {"negotiating"}),
    "request_refund": ({"negotiating"}, {"buyer", "seller"}, {"negotiating"}),
    "decline_offer": ({"negotiating"}, {"buyer", "seller"}, {"negotiating"}),
    "accept_offer": ({"negotiating"}, {"buyer", "seller"}, {"resolved"}),
    "escalate": ({"negotiating"}, {"buyer", "seller"}, {"under_review"}),
    "request_info": ({"under_review"}, {"mediator", "senior"}, {"awaiting_info"}),
    "provide_info": ({"awaiting_info"}, {"buyer", "seller"}, {"under_review"}),
    "decide": ({"under_review"}, {"mediator", "senior"}, {"resolved"}),
    # SPEC 13.1: the platform proposes; each party accepts once (the first acceptance
    # waits for the other, the second resolves amicably, or closes a rejected claim),
    # or either rejects it and the mediator decides.
    "propose": ({"under_review"}, {"mediator", "senior"}, {"proposed"}),
    "accept_proposal": ({"proposed"}, {"buyer", "seller"}, {"proposed", "resolved", "closed"}),
    "reject_proposal": ({"proposed"}, {"buyer", "seller"}, {"under_review"}),
    # SPEC 13.2: the party a wait is on may move its deadline, once; the case stays put.
    "extend_deadline": (
        {"awaiting_seller", "awaiting_info", "resolved"},
        {"buyer", "seller"},
        {"awaiting_seller", "awaiting_info", "resolved"},
    ),
    "appeal": ({"resolved"}, {"buyer", "seller"}, {"appealed"}),
    "decide_appeal": ({"appealed"}, {"senior"}, {"closed", "resolved"}),
    "ship_return": ({"resolved"}, {"buyer"}, {"resolved"}),
    "confirm_return": ({"resolved"}, {"seller"}, {"resolved"}),
    "report_return_problem": ({"resolved"}, {"seller"}, {"under_review"}),
    # Issue 15 item 6: a replacement closes only when the buyer confirms it arrived
    # (or the carrier delivered it and the buyer said nothing: a timeout).
    "ship_replacement": ({"resolved"}, {"seller"}, {"resolved"}),
    "confirm_replacement": ({"resolved"}, {"buyer"}, {"closed"}),
    "object_replacement": ({"resolved"}, {"buyer"}, {"under_review"}),
    "cancel": (BEFORE_RESOLVED, {"buyer"}, {"cancelled"}),
}
ACTIONS = list(SPEC_MOVES)

# What the platform does when a wait ends: timeout event -> where it may lead.
TIMEOUTS = {
    "seller_silence": {"under_review", "resolved"},
    "negotiation_timeout": {"under_review"},
    "info_timeout": {"under_review"},
    "review_overdue": {"under_review", "appealed"},
    "finalize": {"closed", "resolved"},
    "forfeit_return": {"closed"},
    "confirm_return": {"resolved"},
    "replacement_timeout": {"under_review"},
    "replacement_unconfirmed": {"closed", "under_review"},
    "proposal_timeout": {"under_review"},
    "expire_draft": {"cancelled"},
}
TIMEOUT_OF_RULE = {
    "seller_response": "seller_silence",
    "negotiation": "negotiation_timeout",
    "info_response": "info_timeout",
    "mediator_review": "review_overdue",
    "appeal_review": "review_overdue",
    "appeal_window": "finalize",
    "return_shipment": "forfeit_return",
    "return_receipt": "confirm_return",
    "replacement_shipment": "replacement_timeout",
    "replacement_receipt": "replacement_unconfirmed",
    "proposal_response": "proposal_timeout",
    "draft_expiry": "expire_draft",
}

# Each state that waits on someone, and the deadline rule of that wait.
WAIT_RULE = {
    ("draft", ""): "draft_expiry",
    ("awaiting_seller", ""): "seller_response",
    ("negotiating", ""): "negotiation",
    ("under_review", ""): "mediator_review",
    ("awaiting_info", ""): "info_response",
    ("proposed", ""): "proposal_response",
    ("appealed", ""): "appeal_review",
    ("resolved", "appeal_window"): "appeal_window",
    ("resolved", "return_shipment"): "return_shipment",
    ("resolved", "return_receipt"): "return_receipt",
    ("resolved", "replacement"): "replacement_shipment",
    ("resolved", "replacement_receipt"): "replacement_receipt",
}
# SPEC 13.2: the waits a party may extend, and whose they are (None: the party asked).
EXTENDABLE = {
    ("awaiting_seller", ""): "seller",
    ("awaiting_info", ""): None,
    ("resolved", "return_shipment"): "buyer",
}
RESOLVED_SETTLEMENTS = {
    "appeal_window",
    "refunding",
    "return_shipment",
    "return_receipt",
    "replacement",
    "replacement_receipt",
}

# The people of a run; senior2 lets an appeal be reviewed by someone who did not decide.
PEOPLE = ["buyer", "seller", "mediator", "senior", "senior2", "stranger"]
KIND = {p: p for p in PEOPLE} | {"senior2": "senior"}

START = datetime(2031, 5, 14, 9, 30, tzinfo=UTC)
LONG_TEXT = "The mugs arrived broken and the outer box was crushed."

# --- what hypothesis draws ----------------------------------------------------

PICK = st.integers(min_value=0, max_value=5)
# "natural" (five times in six): whoever the case lets take the action now, if anyone.
WHO = st.sampled_from(["natural"] * 30 + PEOPLE)
# Amounts are drawn as specs and made concrete against what is still refundable.
GOOD_AMOUNT = st.sampled_from(["half", "all", "min"])
AMOUNT = st.one_of(
    st.sampled_from(
        [
            "half",
            "all",
            "min",
            "over",
            "zero",
            "negative",
            "three_places",
            "nan",
            "infinity",
            "junk",
            "none",
            "huge",
        ]
    ),
    st.decimals(min_value=0, max_value=1500, places=2, allow_nan=False, allow_infinity=False),
)
TEXT = (st.just(LONG_TEXT), st.sampled_from([LONG_TEXT, "", "   ", "No.", "Not acceptable!"]))
NOTE = (st.just("Packed with care."), st.sampled_from(["", "Packed with care."]))
MONEY = (GOOD_AMOUNT, AMOUNT)
BAD_OUTCOME = "store_credit"
OFFER_OUTCOME = (st.sampled_from(sorted(OFFER_OUTCOMES)), st.sampled_from([*OUTCOMES, BAD_OUTCOME]))
OUTCOME = (st.sampled_from(sorted(OUTCOMES)), st.sampled_from([*OUTCOMES, BAD_OUTCOME]))
OFFER_REF = (st.just("open"), st.sampled_from(["open", "stale", "junk"]))
CARRIER = (st.just("DHL"), st.sampled_from(["DHL", ""]))
TRACKING = (st.just("JD0001"), st.sampled_from(["JD0001", "  "]))


def _one_of(values: list[str], wrong: str) -> tuple[st.SearchStrategy[str], ...]:
    return st.sampled_from(values), st.sampled_from([*values, wrong])


Inputs = tuple[st.SearchStrategy[dict[str, Any]], st.SearchStrategy[dict[str, Any]]]


def _inputs(**fields: tuple[st.SearchStrategy[Any], st.SearchStrategy[Any]]) -> Inputs:
    """Each field is a (good, anything) pair. The steered rules get every field good four
    times in five, so that cases move on, else anything; the free-for-all gets anything."""
    good = st.fixed_dictionaries({name: pair[0] for name, pair in fields.items()})
    anything = st.fixed_dictionaries({name: pair[1] for name, pair in fields.items()})
    # (Not flatmap, which shrinks badly: both are drawn, one is used.)
    mostly_good = st.tuples(st.sampled_from(["good"] * 4 + ["anything"]), good, anything).map(
        lambda drawn: drawn[1] if drawn[0] == "good" else drawn[2]
    )
    return mostly_good, anything


_INPUTS: dict[str, Inputs] = {
    "submit": _inputs(),
    "accept_claim": _inputs(),
    "reject_claim": _inputs(note=NOTE),
    "make_offer": _inputs(outcome=OFFER_OUTCOME, amount=MONEY, note=NOTE),
    "request_refund": _inputs(amount=MONEY, rationale=TEXT),
    "decline_offer": _inputs(offer=OFFER_REF, note=NOTE),
    "accept_offer": _inputs(offer=OFFER_REF),
    "escalate": _inputs(justification=TEXT),
    "request_info": _inputs(party=_one_of(["buyer", "seller"], "mediator"), question=TEXT),
    "provide_info": _inputs(answer=TEXT),
    "propose": _inputs(outcome=OUTCOME, amount=MONEY, rationale=TEXT),
    "accept_proposal": _inputs(),
    "reject_proposal": _inputs(reason=TEXT),
    "extend_deadline": _inputs(reason=TEXT),
    "decide": _inputs(
        outcome=OUTCOME,
        amount=MONEY,
        reason_code=_one_of(sorted(REASON_CODES), "gut_feeling"),
        rationale=TEXT,
    ),
    "appeal": _inputs(explanation=TEXT),
    "decide_appeal": _inputs(
        result=_one_of(["upheld", "overturned"], "maybe"),
        outcome=OUTCOME,
        amount=MONEY,
        rationale=TEXT,
    ),
    "ship_return": _inputs(carrier=CARRIER, tracking_number=TRACKING),
    "confirm_return": _inputs(),
    "report_return_problem": _inputs(
        problem=_one_of(["damaged", "empty", "different"], "lost"), note=NOTE
    ),
    "ship_replacement": _inputs(carrier=CARRIER, tracking_number=TRACKING),
    "confirm_replacement": _inputs(),
    "object_replacement": _inputs(reason=TEXT),
    "cancel": _inputs(reason=NOTE),
}
INPUTS = {action: pair[0] for action, pair in _INPUTS.items()}
ANY_INPUTS = {action: pair[1] for action, pair in _INPUTS.items()}
CREATE_INPUTS, _ = _inputs(
    type=_one_of(sorted(REASONS), "quality"),
    reason=_one_of(["fits", "other"], "bogus"),
    outcome=OFFER_OUTCOME,
    amount=MONEY,
    description=TEXT,
    future_facts=(st.just(False), st.booleans()),
)


# --- money, as the spec says it: Decimal, two places, never more than refundable ---


def concrete_amount(spec: Any, refundable: Decimal) -> Any:
    if isinstance(spec, Decimal):
        return spec
    return {
        "half": (refundable / 2).quantize(Decimal("0.01"), rounding=ROUND_DOWN),
        "all": refundable,
        "min": Decimal("0.01"),
        "over": refundable + Decimal("0.01"),
        "zero": Decimal("0"),
        "negative": "-5.00",
        "three_places": "1.005",
        "nan": "NaN",
        "infinity": "Infinity",
        "junk": "twelve",
        "none": None,
        "huge": "1E+30",
    }[spec]


# Money columns hold twelve digits before the point; any amount from a trillion up is
# refused as input whatever the outcome, even one (a replacement) that ignores it.
AMOUNT_CEILING = Decimal("1e12")


def parsed_amount(value: Any) -> Decimal | None:
    """The amount a form would accept: a finite number, zero or more, below the
    ceiling, at most two places."""
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        return None
    if not amount.is_finite() or amount < 0 or amount >= AMOUNT_CEILING:
        return None
    exponent = amount.normalize().as_tuple().exponent
    if not isinstance(exponent, int) or exponent < -2:
        return None
    return amount


def money_ok(outcome: str, value: Any, refundable: Decimal) -> bool:
    """A refund outcome needs more than zero and at most what is refundable; others ignore it."""
    amount = parsed_amount(value)
    if amount is None:
        return False
    if outcome in REFUND_OUTCOMES:
        return Decimal(0) < amount <= refundable
    return True


def text_ok(value: str, min_length: int = 1) -> bool:
    return len((value or "").strip()) >= min_length


# --- the machine --------------------------------------------------------------


class DisputeMachine(RuleBasedStateMachine):
    # Journeys that got past the setup, counted across the examples of one test run.
    journeys = 0

    def __init__(self) -> None:
        super().__init__()
        # Every example runs in its own savepoint, rolled back in teardown.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self._travel = time_machine.travel(START, tick=False)
        self.clock = self._travel.start()
        self.people = {
            "buyer": BuyerFactory(),
            "seller": SellerFactory(),
            "mediator": MediatorFactory(),
            "senior": make_senior(MediatorFactory()),
            "senior2": make_senior(MediatorFactory()),
            "stranger": BuyerFactory(),
        }
        # On the roster: a case reaching review is assigned to one of them, and
        # only that one acts on it (SPEC 13.6).
        for person in ("mediator", "senior", "senior2"):
            MediatorProfile.objects.create(user=self.people[person], capacity=1000)
        self.orders: list[int] = []
        self.disputes: list[int] = []
        # Every state each dispute was seen in, in order.
        self.history: dict[int, list[str]] = {}
        # For the preconditions: what someone may do on each dispute, and the deadlines.
        self.can: dict[int, dict[str, list[str]]] = {}
        self.doable: dict[int, set[str]] = {}
        self.deadlines: list[datetime] = []
        self.states: dict[int, str] = {}
        self.verified_heads: dict[int, str] = {}
        self.checks = 0
        # The model of SPEC 13.1 and 13.2, kept from what succeeded (not read from the
        # case): the open proposal of each dispute (outcome and amount), the parties
        # that accepted it, and whether the current wait has had its extension.
        self.proposals: dict[int, tuple[str, Decimal]] = {}
        self.accepted: dict[int, set[str]] = {}
        self.extended: dict[int, bool] = {}

    def teardown(self) -> None:
        # The invariant runs once after the setup and once after every step.
        if self.checks > 1:
            type(self).journeys += 1
        try:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
        finally:
            self._travel.stop()
            if isinstance(getattr(mail, "outbox", None), list):
                mail.outbox.clear()

    # -- setup -------------------------------------------------------------

    @initialize(
        orders=st.lists(
            st.tuples(
                st.sampled_from([Decimal("120.00"), Decimal("0.05"), Decimal("999.99")]),
                st.integers(min_value=0, max_value=29),
            ),
            min_size=2,
            max_size=3,
        )
    )
    def paid_and_delivered_orders(self, orders: list[tuple[Decimal, int]]) -> None:
        now = timezone.now()
        for paid, delivered_days_ago in orders:
            delivered_at = now - timedelta(days=delivered_days_ago)
            order = full_order(
                buyer=self.people["buyer"],
                seller=self.people["seller"],
                total=paid,
                placed_at=delivered_at - timedelta(days=6),
                delivered_at=delivered_at,
            )
            self.orders.append(order.pk)

    # -- helpers -------------------------------------------------------------

    def _refresh(self) -> list[Dispute]:
        """Every dispute on the machine's orders, fresh."""
        rows = list(Dispute.objects.filter(order_id__in=self.orders).order_by("pk"))
        self.states = {d.pk: d.state for d in rows}
        self.deadlines = sorted(d.deadline_at for d in rows if d.deadline_at is not None)
        # What each person may do now on each dispute (the invariant reads it; the
        # preconditions use it to steer the search, and judge nothing by it).
        self.can = {d.pk: {p: allowed_actions(d, self.people[p]) for p in PEOPLE} for d in rows}
        self.doable = {
            pk: {a for actions in can.values() for a in actions} for pk, can in self.can.items()
        }
        for d in rows:
            seen = self.history.setdefault(d.pk, [])
            if not seen or seen[-1] != d.state:
                seen.append(d.state)
        return rows

    def _some_active(self) -> bool:
        return any(state not in TERMINAL for state in self.states.values())

    def _waits_for(self, action: str) -> bool:
        return any(action in doable for doable in self.doable.values())

    def _pick(self, action: str | None, pick: int) -> int:
        """The ``pick``-th dispute where someone may take ``action`` (any dispute for None)."""
        candidates = [pk for pk in self.disputes if action is None or action in self.doable[pk]]
        return candidates[pick % len(candidates)]

    def _actor(self, action: str, dispute: Dispute, who: str) -> str:
        if who != "natural":
            return who
        for person in ["buyer", "seller", "mediator", "senior", "senior2"]:
            if action in allowed_actions(dispute, self.people[person]):
                return person
        roles = SPEC_MOVES[action][1]
        return next(p for p in PEOPLE if KIND[p] in roles)

    def _refundable(self, order_id: int) -> Decimal:
        """What was paid, less pending, processing and paid refunds."""
        paid, committed = (
            Order.objects.filter(pk=order_id)
            .annotate(
                committed=Sum(
                    "refunds__amount",
                    filter=Q(refunds__status__in=("pending", "processing", "succeeded")),
                )
            )
            .values_list("amount_paid", "committed")
            .get()
        )
        return paid - (committed or Decimal(0))

    def _order_open_for(self, order: Order, dispute_type: str) -> bool:
        """SPEC section 2: from payment until 30 days after delivery; "not received"
        only once 15 days have passed since shipment (no expected date is set here)."""
        now = timezone.now()
        shipment = order.shipment
        window_ends = shipment.delivered_at + timedelta(
            days=settings.DISPUTE_WINDOW_DAYS_AFTER_DELIVERY
        )
        if now > window_ends:
            return False
        if dispute_type == "not_received":
            return now >= shipment.shipped_at + timedelta(
                days=settings.NOT_RECEIVED_DAYS_AFTER_SHIPMENT
            )
        return True

    def _offer_ref(self, dispute: Dispute, spec: str) -> tuple[Any, bool]:
        open_offer = Offer.objects.filter(dispute=dispute, status="open").first()
        if spec == "open":
            return (open_offer.pk if open_offer else 0), open_offer is not None
        if spec == "stale":
            old = Offer.objects.filter(dispute=dispute).exclude(status="open").last()
            return (old.pk if old else 10**9), False
        return "not-an-offer", False

    def _fingerprint(self, pk: int) -> dict[str, Any]:
        """Everything a refused call must leave as it was: the row, and what hangs off it."""
        row = (
            Dispute.objects.filter(pk=pk)
            .annotate(
                n_events=Count("events", distinct=True),
                n_offers=Count("offers", distinct=True),
                n_open_offers=Count("offers", filter=Q(offers__status="open"), distinct=True),
                n_decisions=Count("decisions", distinct=True),
                n_appeals=Count("appeals", distinct=True),
                n_refunds=Count("refunds", distinct=True),
                return_shipped_at=F("return_shipment__shipped_at"),
                return_received_at=F("return_shipment__received_at"),
                return_problem=F("return_shipment__problem"),
                return_forfeited=F("return_shipment__forfeited"),
            )
            .values()
            .get()
        )
        row.pop("updated_at")
        return row

    def _prepare(self, action: str, d: Dispute, inputs: dict[str, Any]) -> tuple[dict, bool]:
        """The service's keyword arguments, and whether the input (and the moment) is valid."""
        refundable = self._refundable(d.order_id)

        def amount() -> Any:
            return concrete_amount(inputs["amount"], refundable)

        match action:
            case "submit":
                return {}, self._order_open_for(d.order, d.type)
            case "accept_claim" | "confirm_return" | "confirm_replacement":
                return {}, True
            case "object_replacement":
                return inputs, text_ok(inputs["reason"], 10)
            case "reject_claim":
                return {"note": inputs["note"]}, True
            case "make_offer":
                kwargs = {"outcome": inputs["outcome"], "amount": amount(), "note": inputs["note"]}
                valid = kwargs["outcome"] in OFFER_OUTCOMES and money_ok(
                    kwargs["outcome"], kwargs["amount"], refundable
                )
                return kwargs, valid
            case "request_refund":
                kwargs = {"amount": amount(), "rationale": inputs["rationale"]}
                valid = money_ok("partial_refund", kwargs["amount"], refundable) and text_ok(
                    inputs["rationale"]
                )
                return kwargs, valid
            case "decline_offer" | "accept_offer":
                offer, valid = self._offer_ref(d, inputs["offer"])
                kwargs = {"offer": offer}
                if action == "decline_offer":
                    kwargs["note"] = inputs["note"]
                return kwargs, valid
            case "escalate":
                return inputs, text_ok(inputs["justification"], 10)
            case "request_info":
                valid = inputs["party"] in ("buyer", "seller") and text_ok(inputs["question"])
                return inputs, valid
            case "provide_info":
                return inputs, text_ok(inputs["answer"])
            case "decide":
                kwargs = {
                    "outcome": inputs["outcome"],
                    "refund_amount": amount(),
                    "reason_code": inputs["reason_code"],
                    "rationale": inputs["rationale"],
                }
                valid = (
                    inputs["outcome"] in OUTCOMES
                    and inputs["reason_code"] in REASON_CODES
                    and text_ok(inputs["rationale"], 20)
                    and money_ok(inputs["outcome"], kwargs["refund_amount"], refundable)
                )
                return kwargs, valid
            case "propose":
                kwargs = {
                    "outcome": inputs["outcome"],
                    "refund_amount": amount(),
                    "rationale": inputs["rationale"],
                }
                valid = (
                    inputs["outcome"] in OUTCOMES
                    and text_ok(inputs["rationale"], 20)
                    and money_ok(inputs["outcome"], kwargs["refund_amount"], refundable)
                )
                return kwargs, valid
            case "accept_proposal":
                return {}, True
            case "reject_proposal" | "extend_deadline":
                return inputs, text_ok(inputs["reason"], 10)
            case "appeal":
                # Within the appeal window (the sweep closes it, but a party may be a second late).
                in_window = d.deadline_at is None or d.deadline_at > timezone.now()
                return inputs, text_ok(inputs["explanation"], 20) and in_window
            case "decide_appeal":
                kwargs = {
                    "result": inputs["result"],
                    "outcome": inputs["outcome"],
                    "refund_amount": amount(),
                    "rationale": inputs["rationale"],
                }
                valid = (
                    inputs["result"] in ("upheld", "overturned")
                    and text_ok(inputs["rationale"], 20)
                    and parsed_amount(kwargs["refund_amount"]) is not None
                )
                if inputs["result"] == "overturned":
                    valid = (
                        valid
                        and inputs["outcome"] in OUTCOMES
                        and money_ok(inputs["outcome"], kwargs["refund_amount"], refundable)
                    )
                return kwargs, valid
            case "ship_return" | "ship_replacement":
                valid = text_ok(inputs["carrier"]) and text_ok(inputs["tracking_number"])
                return inputs, valid
            case "report_return_problem":
                return inputs, inputs["problem"] in ("damaged", "empty", "different")
            case "cancel":
                return inputs, True
        raise AssertionError(action)

    def _appealed(self, pks: list[int]) -> dict[int, set[str]]:
        """Which parties have appealed each dispute (from the appeals, not the case's flags)."""
        appealed: dict[int, set[str]] = {pk: set() for pk in pks}
        for dispute_id, party in Appeal.objects.filter(dispute_id__in=pks).values_list(
            "dispute_id", "party"
        ):
            appealed[dispute_id].add(party)
        return appealed

    def _spec_permits(self, action: str, d: Dispute, person: str, appealed: set[str]) -> bool:
        """SPEC section 3, independent of the workflow table: may ``person`` do this now?"""
        sources, roles, _targets = SPEC_MOVES[action]
        kind = KIND[person]
        if d.state not in sources or kind not in roles:
            return False
        match action:
            case "make_offer":
                return d.state == "negotiating" or kind == "seller"
            case "decline_offer" | "accept_offer":
                return d.open_offer_party not in ("", kind)
            case "provide_info":
                return d.info_requested_from == kind
            case "appeal":
                # Only platform decisions, within the window, once each.
                return (
                    d.resolution_kind == "decision"
                    and d.settlement == "appeal_window"
                    and kind not in appealed
                )
            case "decide_appeal":
                return (
                    d.decided_by_id != self.people[person].pk
                    and d.assigned_mediator_id == self.people[person].pk
                )
            case "request_info" | "decide" | "propose":
                # SPEC 13.6: only the mediator the case is assigned to acts on it.
                return d.assigned_mediator_id == self.people[person].pk
            case "accept_proposal":
                # SPEC 13.1: each party accepts once.
                return kind not in self.accepted.get(d.pk, set())
            case "extend_deadline":
                # SPEC 13.2: only the party the wait is on, only in a wait a party may
                # extend, once per wait, and only while it runs.
                if (d.state, d.settlement) not in EXTENDABLE:
                    return False
                waits_on = EXTENDABLE[(d.state, d.settlement)] or d.info_requested_from
                return (
                    kind == waits_on
                    and not self.extended.get(d.pk, False)
                    and d.deadline_at is not None
                    and d.deadline_at > timezone.now()
                )
            case "ship_return":
                return d.settlement == "return_shipment"
            case "confirm_return" | "report_return_problem":
                return d.settlement == "return_receipt"
            case "ship_replacement":
                return d.settlement == "replacement"
            case "confirm_replacement" | "object_replacement":
                return d.settlement == "replacement_receipt"
        return True

    def _act(
        self,
        action: str,
        pick: int,
        who: str,
        inputs: dict[str, Any],
        *,
        steer: bool = True,
        on: int | None = None,
    ) -> int:
        """``action`` on the ``pick``-th dispute (or on dispute ``on``), judged; its pk."""
        pk = on if on is not None else self._pick(action if steer else None, pick)
        d = Dispute.objects.select_related("order__shipment").get(pk=pk)
        person = self._actor(action, d, who)
        actor = self.people[person]
        allowed = action in allowed_actions(d, actor)
        kwargs, valid = self._prepare(action, d, inputs)
        spec_ok = self._spec_permits(action, d, person, self._appealed([pk])[pk])
        before = self._fingerprint(pk)
        refundable = self._refundable(d.order_id)
        service = getattr(services, f"dispute_{action}")
        refusal: DisputeError | None = None
        try:
            service(dispute=d, actor=actor, **kwargs)
        except DisputeError as exc:
            refusal = exc
        if refusal is not None:
            assert self._fingerprint(pk) == before, (
                f"{action} by the {person} was refused ({refusal.code}) but changed the dispute"
            )
            assert not (allowed and valid), (
                f"{action} by the {person} was offered in allowed_actions with valid input "
                f"{kwargs!r} in state {d.state}/{d.settlement or '-'}, "
                f"but refused: {refusal.code}: {refusal.message}"
            )
            return pk
        assert allowed, f"{action} succeeded for the {person} but was not in allowed_actions"
        assert valid, f"{action} by the {person} succeeded with invalid input {kwargs!r}"
        assert spec_ok, (
            f"{action} by the {person} succeeded in {d.state}/{d.settlement or '-'}: "
            "SPEC section 3 does not allow it"
        )
        event = DisputeEvent.objects.get(dispute_id=pk, seq=d.event_count + 1)
        assert (event.kind, event.actor_id, event.from_state) == (action, actor.pk, d.state)
        assert event.to_state in SPEC_MOVES[action][2], (
            f"{action} led from {d.state} to {event.to_state}"
        )
        assert Dispute.objects.values_list("version", flat=True).get(pk=pk) > d.version
        self._pay_refunds()
        self._the_model_follows(action, d, KIND[person], kwargs, event, refundable)
        return pk

    def _the_model_follows(
        self,
        action: str,
        d: Dispute,
        kind: str,
        kwargs: dict[str, Any],
        event: DisputeEvent,
        refundable: Decimal,
    ) -> None:
        """``action`` by a ``kind`` succeeded on ``d`` (as it was before, when ``refundable``
        was left on its order): update the model and check the case against it (SPEC 13.1
        and 13.2; the refund task has run)."""
        after = Dispute.objects.get(pk=d.pk)
        now = timezone.now()
        where = f"{d.reference} after {action} by the {kind}"
        # Every wait but the one just extended starts without its extension.
        self.extended[d.pk] = action == "extend_deadline"
        match action:
            case "propose":
                amount = parsed_amount(kwargs["refund_amount"])
                assert amount is not None
                self.proposals[d.pk] = (kwargs["outcome"], amount)
                self.accepted[d.pk] = set()
                # The case stays with the mediator who proposed.
                assert after.assigned_mediator_id == d.assigned_mediator_id, where
            case "accept_proposal":
                accepted = self.accepted.setdefault(d.pk, set())
                accepted.add(kind)
                if len(accepted) == 1:
                    # The first acceptance waits for the other party: same state, same wait.
                    assert event.to_state == "proposed", where
                    assert (after.state, after.deadline_at) == ("proposed", d.deadline_at), where
                else:
                    self._resolved_as_proposed(d, after, event, refundable)
            case "reject_proposal":
                # Back to the same mediator, who decides, with a fresh review window.
                assert after.assigned_mediator_id == d.assigned_mediator_id, where
                assert (after.deadline_rule, after.deadline_started_at) == (
                    "mediator_review",
                    now,
                ), where
            case "extend_deadline":
                assert event.to_state == d.state, where
                unchanged = ("state", "settlement", "deadline_rule", "deadline_started_at")
                assert [getattr(after, f) for f in unchanged] == [getattr(d, f) for f in unchanged]
                assert after.info_requested_from == d.info_requested_from, where
                assert d.deadline_at is not None
                assert after.deadline_at == d.deadline_at + timedelta(
                    days=settings.DISPUTE_EXTENSION_DAYS
                ), where
                # The other side is told (the timeline says so: the event checked above).
                other = "seller" if kind == "buyer" else "buyer"
                assert Notification.objects.filter(
                    event=event, recipient=self.people[other]
                ).exists(), f"{where}: the {other} was not told"
        if after.state != "proposed":
            self.accepted.pop(d.pk, None)
            self.proposals.pop(d.pk, None)

    def _resolved_as_proposed(
        self, d: Dispute, after: Dispute, event: DisputeEvent, refundable: Decimal
    ) -> None:
        """Both parties accepted: the proposal is carried out as an accepted offer would be,
        amicably (no appeal); a rejected claim closes the case, a refund closes it once paid."""
        outcome, amount = self.proposals[d.pk]
        where = f"{d.reference}, proposal {outcome} {amount} accepted by both"
        expected = {
            "full_refund": ("resolved", "closed", ""),
            "partial_refund": ("resolved", "closed", ""),
            "return_and_refund": ("resolved", "resolved", "return_shipment"),
            "replacement": ("resolved", "resolved", "replacement"),
            "claim_rejected": ("closed", "closed", ""),
        }[outcome]
        assert (event.to_state, after.state, after.settlement) == expected, where
        assert (after.outcome, after.resolution_kind) == (outcome, "amicable"), where
        if outcome in REFUND_OUTCOMES:
            assert after.refund_amount == amount, where
        # A refund outcome pays the proposed amount now; a return's refund waits for the return.
        paid = refundable - self._refundable(d.order_id)
        expected_paid = amount if outcome in ("full_refund", "partial_refund") else Decimal(0)
        assert paid == expected_paid, f"{where}: {paid} refunded"

    def _pay_refunds(self) -> None:
        """What the worker does after the commit (on_commit never fires inside the test's
        transaction): the refund task, run here directly so that its errors surface."""
        for pk in Refund.objects.filter(status="pending").values_list("pk", flat=True):
            assert execute_refund(pk) == "paid"

    def _sweep_after(self, delta: timedelta) -> None:
        if delta > timedelta(0):
            self.clock.shift(delta)
        now = timezone.now()
        before = {d.pk: d for d in Dispute.objects.filter(pk__in=self.disputes)}
        due = {pk for pk, d in before.items() if d.deadline_at is not None and d.deadline_at <= now}
        delivered = {
            pk: CarrierShipment.objects.filter(
                dispute_id=pk, kind="replacement", delivered_at__isnull=False
            ).exists()
            for pk in due
        }
        result = services.sweep()
        self._pay_refunds()
        assert result.skipped == [], f"the sweep failed on disputes {result.skipped}"
        assert result.timeouts == len(due)
        appended: dict[int, list[tuple[str, int | None, str, str]]] = {pk: [] for pk in before}
        for pk, seq, *event in (
            DisputeEvent.objects.filter(dispute_id__in=self.disputes)
            .order_by("dispute_id", "seq")
            .values_list("dispute_id", "seq", "kind", "actor_id", "from_state", "to_state")
        ):
            if seq > before[pk].event_count:
                appended[pk].append(tuple(event))
        for pk, d in before.items():
            new = appended[pk]
            timeouts = [e for e in new if e[0] in TIMEOUTS]
            if pk in due:
                expected = TIMEOUT_OF_RULE[d.deadline_rule]
                assert new, f"{d.reference} was due ({d.deadline_rule}) but nothing happened"
                assert new[0][:3] == (expected, None, d.state), (
                    f"{d.reference} was due ({d.deadline_rule}) but the sweep did {new}"
                )
                assert new[0][3] in TIMEOUTS[expected]
                assert len(timeouts) == 1
                # A new wait (or none) starts: without its extension (SPEC 13.2).
                self.extended[pk] = False
                if expected == "replacement_unconfirmed":
                    # Closed only when the carrier delivered it; else the platform steps in.
                    assert new[0][3] == ("closed" if delivered[pk] else "under_review"), (
                        f"{d.reference}: delivered {delivered[pk]}, went {new[0][3]}"
                    )
                if expected == "proposal_timeout":
                    # SPEC 13.1: "the mediator then decides": the one who proposed.
                    assert "assigned" not in {e[0] for e in new}, f"{d.reference}: {new}"
            else:
                assert timeouts == [], f"{d.reference} was not due, yet the sweep did {timeouts}"
            # "assigned": a timeout that brings the case into review hands it to the roster.
            assert {e[0] for e in new} <= {
                *TIMEOUTS,
                "reminder",
                "refund_succeeded",
                "complete",
                "assigned",
            }
        after = Dispute.objects.filter(pk__in=self.disputes)
        for pk, state, mediator in after.values_list("pk", "state", "assigned_mediator_id"):
            if state != "proposed":
                self.accepted.pop(pk, None)
                self.proposals.pop(pk, None)
            if before[pk].state == "proposed" and pk in due:
                assert mediator == before[pk].assigned_mediator_id
        assert not after.filter(deadline_at__lte=now).exists(), "a due deadline survived the sweep"
        assert not after.filter(reminder_at__lte=now).exists(), "a due reminder survived the sweep"
        # Deadlines are swept, so running the sweep twice is harmless: the second finds nothing.
        events = DisputeEvent.objects.filter(dispute_id__in=self.disputes).count()
        again = services.sweep()
        assert (again.timeouts, again.reminders, again.skipped) == (0, 0, [])
        assert DisputeEvent.objects.filter(dispute_id__in=self.disputes).count() == events

    # -- rules: opening ----------------------------------------------------------

    @precondition(lambda self: len(self.disputes) < len(self.orders))
    @rule(order=st.integers(min_value=0, max_value=2), who=WHO, inputs=CREATE_INPUTS)
    def open_a_dispute(self, order: int, who: str, inputs: dict[str, Any]) -> None:
        order_obj = Order.objects.select_related("shipment").get(
            pk=self.orders[order % len(self.orders)]
        )
        person = "buyer" if who == "natural" else who
        actor = self.people[person]
        dispute_type = inputs["type"]
        reason = (
            sorted(REASONS[dispute_type])[0] if inputs["reason"] == "fits" else inputs["reason"]
        )
        refundable = self._refundable(order_obj.pk)
        amount = concrete_amount(inputs["amount"], refundable)
        day = timezone.now().date() + timedelta(days=3 if inputs["future_facts"] else -1)
        facts = {
            "quality": {"received_on": day.isoformat(), "affected_quantity": 6},
            "incorrect_shipment": {
                "received_on": day.isoformat(),
                "expected_quantity": 12,
                "received_quantity": 10,
            },
            "not_received": {"tracking_number": "JD0001", "last_tracking_update": day.isoformat()},
        }[dispute_type]
        existing = Dispute.objects.filter(order=order_obj).count()
        expected = (
            actor.pk == order_obj.buyer_id
            and reason in REASONS[dispute_type]
            and inputs["outcome"] in OFFER_OUTCOMES
            and text_ok(inputs["description"], 10)
            and money_ok("full_refund", amount, refundable)
            # A claim for a full refund is of all that can be refunded (issue 15).
            and (inputs["outcome"] != "full_refund" or parsed_amount(amount) == refundable)
            and not inputs["future_facts"]
            # SPEC section 3: a cancelled dispute cannot be reopened; one dispute per order.
            and existing == 0
            and self._order_open_for(order_obj, dispute_type)
        )
        refusal: DisputeError | None = None
        try:
            dispute = services.dispute_create(
                order=order_obj,
                actor=actor,
                type=dispute_type,
                reason=reason,
                description=inputs["description"],
                claimed_amount=amount,
                requested_outcome=inputs["outcome"],
                facts=facts,
            )
        except DisputeError as exc:
            refusal = exc
        if refusal is not None:
            assert Dispute.objects.filter(order=order_obj).count() == existing
            assert not expected, f"opening a dispute was refused: {refusal.code}: {refusal.message}"
            return
        assert expected, f"a dispute was opened by the {person} with {inputs!r} ({amount!r})"
        assert (dispute.state, dispute.event_count) == ("draft", 1)
        self.disputes.append(dispute.pk)

    # -- rules: one per arrow, steered towards disputes where it can happen ------

    @precondition(lambda self: self._waits_for("submit"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["submit"])
    def submit(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("submit", pick, who, inputs)

    @precondition(lambda self: self._waits_for("accept_claim"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["accept_claim"])
    def accept_claim(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("accept_claim", pick, who, inputs)

    @precondition(lambda self: self._waits_for("reject_claim"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["reject_claim"])
    def reject_claim(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("reject_claim", pick, who, inputs)

    @precondition(lambda self: self._waits_for("make_offer"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["make_offer"])
    def make_offer(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("make_offer", pick, who, inputs)

    @precondition(lambda self: self._waits_for("request_refund"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["request_refund"])
    def request_refund(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("request_refund", pick, who, inputs)

    @precondition(lambda self: self._waits_for("decline_offer"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["decline_offer"])
    def decline_offer(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("decline_offer", pick, who, inputs)

    @precondition(lambda self: self._waits_for("accept_offer"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["accept_offer"])
    def accept_offer(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("accept_offer", pick, who, inputs)

    @precondition(lambda self: self._waits_for("escalate"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["escalate"])
    def escalate(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("escalate", pick, who, inputs)

    @precondition(lambda self: self._waits_for("request_info"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["request_info"])
    def request_info(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("request_info", pick, who, inputs)

    @precondition(lambda self: self._waits_for("provide_info"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["provide_info"])
    def provide_info(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("provide_info", pick, who, inputs)

    @precondition(lambda self: self._waits_for("decide"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["decide"])
    def decide(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("decide", pick, who, inputs)

    @precondition(lambda self: self._waits_for("propose"))
    @rule(
        pick=PICK,
        who=WHO,
        inputs=INPUTS["propose"],
        answers=st.sampled_from(
            [
                (),
                ("accept_proposal",),
                ("reject_proposal",),
                ("accept_proposal", "accept_proposal"),
                ("accept_proposal", "accept_proposal"),
                ("accept_proposal", "reject_proposal"),
            ]
        ),
        data=st.data(),
    )
    def propose(
        self,
        pick: int,
        who: str,
        inputs: dict[str, Any],
        answers: tuple[str, ...],
        data: st.DataObject,
    ) -> None:
        """The mediator proposes, and the parties may answer at once, each answer judged
        like any other call (left to the other rules, the three days mostly run out
        before both parties have accepted)."""
        pk = self._act("propose", pick, who, inputs)
        for answer in answers:
            if not Dispute.objects.filter(pk=pk, state="proposed").exists():
                break
            by = data.draw(WHO, label=f"{answer} by")
            self._act(answer, pick, by, data.draw(INPUTS[answer], label=answer), on=pk)

    @precondition(lambda self: self._waits_for("accept_proposal"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["accept_proposal"])
    def accept_proposal(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("accept_proposal", pick, who, inputs)

    @precondition(lambda self: self._waits_for("reject_proposal"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["reject_proposal"])
    def reject_proposal(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("reject_proposal", pick, who, inputs)

    @precondition(lambda self: self._waits_for("extend_deadline"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["extend_deadline"])
    def extend_deadline(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("extend_deadline", pick, who, inputs)

    @precondition(lambda self: self._waits_for("appeal"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["appeal"])
    def appeal(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("appeal", pick, who, inputs)

    @precondition(lambda self: self._waits_for("decide_appeal"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["decide_appeal"])
    def decide_appeal(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("decide_appeal", pick, who, inputs)

    @precondition(lambda self: self._waits_for("ship_return"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["ship_return"])
    def ship_return(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("ship_return", pick, who, inputs)

    @precondition(lambda self: self._waits_for("confirm_return"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["confirm_return"])
    def confirm_return(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("confirm_return", pick, who, inputs)

    @precondition(lambda self: self._waits_for("report_return_problem"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["report_return_problem"])
    def report_return_problem(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("report_return_problem", pick, who, inputs)

    @precondition(lambda self: self._waits_for("ship_replacement"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["ship_replacement"])
    def ship_replacement(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("ship_replacement", pick, who, inputs)

    @precondition(lambda self: self._waits_for("confirm_replacement"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["confirm_replacement"])
    def confirm_replacement(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("confirm_replacement", pick, who, inputs)

    @precondition(lambda self: self._waits_for("object_replacement"))
    @rule(pick=PICK, who=WHO, inputs=INPUTS["object_replacement"])
    def object_replacement(self, pick: int, who: str, inputs: dict[str, Any]) -> None:
        self._act("object_replacement", pick, who, inputs)

    @precondition(lambda self: bool(self.disputes))
    @rule(pick=PICK, status=st.sampled_from(["delivered", "delivered", "in_transit", "exception"]))
    def the_carrier_reports(self, pick: int, status: str) -> None:
        """Issue 15 item 6: a carrier's news of a case's return or replacement. A delivery
        the case waits for starts its receipt wait again, once; anything else is only
        told on the timeline, and the same news twice leaves no trace."""
        parcels = list(CarrierShipment.objects.filter(dispute_id__in=self.disputes).order_by("pk"))
        if not parcels:
            return
        parcel = parcels[pick % len(parcels)]
        d = Dispute.objects.get(pk=parcel.dispute_id)
        receipt = {"return": "return_receipt", "replacement": "replacement_receipt"}[parcel.kind]
        latest = max(p.pk for p in parcels if p.dispute_id == d.pk and p.kind == parcel.kind)
        waited_for = (
            status == "delivered"
            and d.state == "resolved"
            and d.settlement == receipt
            and parcel.delivered_at is None
            and parcel.pk == latest
        )
        update = CarrierUpdate(parcel.carrier, parcel.tracking_number, status, timezone.now())
        result = carrier_record(parcel, update)
        after = Dispute.objects.get(pk=d.pk)
        where = f"{d.reference} in {d.state}/{d.settlement or '-'}, {parcel.kind} {status}"
        if d.state in TERMINAL:
            # The webhook never looks there; the service is asked here all the same.
            assert after.state == d.state, where
        if waited_for:
            assert result == "delivered", where
            assert (after.state, after.settlement, after.deadline_rule) == (
                "resolved",
                receipt,
                receipt,
            ), where
            assert after.deadline_started_at == timezone.now(), where
            self.extended[d.pk] = False
            return
        # Nothing but the timeline changed: same state, same wait.
        assert (after.state, after.settlement, after.deadline_at) == (
            d.state,
            d.settlement,
            d.deadline_at,
        ), where
        again = carrier_record(CarrierShipment.objects.get(pk=parcel.pk), update)
        assert again == "unchanged", f"{where}: the same news twice was {again}"

    # Anything, on any dispute, by anyone: mostly refused, and a refusal changes nothing.
    # (Cancelling has no rule of its own: allowed almost everywhere, it would end most
    # cases before they got far.)
    @precondition(lambda self: bool(self.disputes))
    @rule(action=st.sampled_from(ACTIONS), pick=PICK, who=WHO, data=st.data())
    def anyone_tries_anything(self, action: str, pick: int, who: str, data: st.DataObject) -> None:
        inputs = data.draw(ANY_INPUTS[action], label="inputs")
        self._act(action, pick, who, inputs, steer=False)

    # -- rules: time passes, the sweep runs ----------------------------------

    @precondition(lambda self: self._some_active())
    @rule(hours=st.integers(min_value=1, max_value=5 * 24))
    def time_passes(self, hours: int) -> None:
        self._sweep_after(timedelta(hours=hours))

    @precondition(lambda self: bool(self.deadlines))
    @rule(pick=PICK, offset=st.sampled_from([0, 1, -1]))
    def time_reaches_a_deadline(self, pick: int, offset: int) -> None:
        """To the second: a deadline is due at its instant, not a second before."""
        target = self.deadlines[pick % len(self.deadlines)] + timedelta(seconds=offset)
        self._sweep_after(target - timezone.now())

    # -- invariants ----------------------------------------------------------

    @invariant()
    def the_books_balance(self) -> None:
        self.checks += 1
        rows = self._refresh()
        assert {d.pk for d in rows} == set(self.disputes), "a dispute appeared behind our back"
        to_states: dict[int, list[str]] = {d.pk: [] for d in rows}
        for dispute_id, to_state in (
            DisputeEvent.objects.filter(dispute_id__in=self.disputes)
            .exclude(to_state="")
            .order_by("dispute_id", "seq")
            .values_list("dispute_id", "to_state")
        ):
            to_states[dispute_id].append(to_state)
        appealed = self._appealed(self.disputes)
        for d in rows:
            self._terminal_stays_terminal(d, to_states[d.pk])
            self._deadline_exactly_while_waiting(d)
            self._only_what_the_spec_allows_is_offered(d, appealed[d.pk])
            self._someone_can_act(d)
            self._overdue_only_while_the_platform_owes_a_decision(d)
            self._a_proposal_stands_as_accepted(d)
        self._refunds_within_paid(rows)
        self._one_dispute_per_order(rows)
        self._offers_match_the_case(rows)
        self._returns_match_the_case(rows)
        self._lists_agree_on_whose_move_it_is(rows)
        # The audit chains, verified again whenever any of them grew.
        heads = {d.pk: d.chain_head for d in rows}
        if heads != self.verified_heads:
            breaks = [str(b) for b in verify_all()]
            assert breaks == [], breaks
            self.verified_heads = heads

    def _terminal_stays_terminal(self, d: Dispute, to_states: list[str]) -> None:
        # As the machine saw it after each step ...
        seen = self.history[d.pk]
        ended = [i for i, state in enumerate(seen) if state in TERMINAL]
        assert not ended or ended[0] == len(seen) - 1, f"{d.reference} went {seen}"
        # ... and as the timeline tells it, event by event.
        ended = [i for i, state in enumerate(to_states) if state in TERMINAL]
        if ended:
            final = to_states[ended[0]]
            assert set(to_states[ended[0] :]) == {final}, f"{d.reference}: {to_states}"
            assert d.state == final

    def _deadline_exactly_while_waiting(self, d: Dispute) -> None:
        if d.state == "resolved":
            assert d.settlement in RESOLVED_SETTLEMENTS, (
                f"{d.reference} resolved, waiting on nothing"
            )
        else:
            assert d.settlement == "", f"{d.reference} is {d.state} with settlement {d.settlement}"
        rule_key = WAIT_RULE.get((d.state, d.settlement))
        where = f"{d.reference} in {d.state}/{d.settlement or '-'}"
        # SPEC 13.2: once per wait, and only a wait a party may extend.
        extended = self.extended.get(d.pk, False)
        assert d.deadline_extended == extended, f"{where}: extended {d.deadline_extended}"
        assert not extended or (d.state, d.settlement) in EXTENDABLE, where
        if rule_key is None:
            assert d.deadline_at is None, f"{where} has a deadline ({d.deadline_rule})"
            assert d.deadline_rule == "", f"{where} has a deadline rule {d.deadline_rule}"
            assert d.reminder_at is None, f"{where} has a reminder due"
            return
        assert d.deadline_at is not None, f"{where} waits on someone without a deadline"
        assert d.deadline_rule == rule_key, f"{where} runs on rule {d.deadline_rule!r}"
        days = settings.DISPUTE_DEADLINE_DAYS[rule_key]
        if extended:
            days += settings.DISPUTE_EXTENSION_DAYS
        assert d.deadline_started_at is not None
        assert d.deadline_at - d.deadline_started_at == timedelta(days=days), where
        assert d.deadline_started_at <= timezone.now()

    def _only_what_the_spec_allows_is_offered(self, d: Dispute, appealed: set[str]) -> None:
        """A button or API action is offered only when SPEC section 3 allows it."""
        for person, actions in self.can[d.pk].items():
            for action in actions:
                assert self._spec_permits(action, d, person, appealed), (
                    f"{d.reference} in {d.state}/{d.settlement or '-'} offers the {person} "
                    f"{action!r}, which SPEC section 3 does not allow"
                )

    def _someone_can_act(self, d: Dispute) -> None:
        """Whoever the case waits on has something to do (``waiting_on`` never strands a case)."""
        waiting = waiting_party(d)
        can = self.can[d.pk]
        assert can["stranger"] == [], "a stranger may act on someone else's dispute"
        if waiting in ("buyer", "seller"):
            assert can[waiting], f"{d.reference} waits on the {waiting}, who can do nothing"
        elif waiting == "parties":
            assert can["buyer"], f"{d.reference} waits on the parties"
            assert can["seller"], f"{d.reference} waits on the parties"
        elif d.state == "under_review":
            assert "decide" in can["mediator"] + can["senior"] + can["senior2"]
        elif d.state == "appealed":
            assert "decide_appeal" in can["senior"] + can["senior2"]
        if d.state in TERMINAL:
            assert not any(can.values()), f"{d.reference} is {d.state} but offers {can}"

    def _lists_agree_on_whose_move_it_is(self, rows: list[Dispute]) -> None:
        """The lists sort by ``your_move_q`` in SQL; it must say what the page says."""
        for person in ("buyer", "seller", "mediator"):
            user = self.people[person]
            in_sql = set(
                Dispute.objects.filter(pk__in=self.disputes)
                .filter(your_move_q(user))
                .values_list("pk", flat=True)
            )
            on_pages = {d.pk for d in rows if waiting_on(d, user) == "you"}
            assert in_sql == on_pages, f"your move for the {person}: SQL {in_sql}, pages {on_pages}"

    def _overdue_only_while_the_platform_owes_a_decision(self, d: Dispute) -> None:
        """SPEC section 3: a review that misses its deadline is flagged overdue; once the
        case is decided or has ended, nothing is overdue any more (the page shows the flag)."""
        if d.is_overdue:
            assert d.state in ("under_review", "awaiting_info", "appealed"), (
                f"{d.reference} is {d.state}/{d.settlement or '-'} but still flagged overdue"
            )

    def _a_proposal_stands_as_accepted(self, d: Dispute) -> None:
        """SPEC 13.1: while the proposal is open the case says which party has accepted it
        (at most one: the second acceptance resolves it); once it is answered, nobody
        stands by it."""
        accepted = self.accepted.get(d.pk, set())
        if d.state == "proposed":
            assert d.pk in self.proposals, f"{d.reference} is proposed, but nothing was"
            assert len(accepted) <= 1, f"{d.reference} accepted by both, still proposed"
            assert d.proposal_accepted_by == next(iter(accepted), ""), (
                f"{d.reference}: accepted by {accepted}, the case says {d.proposal_accepted_by!r}"
            )
        elif d.state not in TERMINAL:
            assert d.proposal_accepted_by == "", (
                f"{d.reference} is {d.state}, yet accepted by {d.proposal_accepted_by!r}"
            )

    def _returns_match_the_case(self, rows: list[Dispute]) -> None:
        """SPEC section 3, "Return and refund": while the buyer is to ship, nothing has been
        shipped; while the seller is to confirm, the return is on its way, not yet received
        and no problem reported."""
        shipments = {
            r["dispute_id"]: r
            for r in ReturnShipment.objects.filter(dispute_id__in=self.disputes).values(
                "dispute_id", "tracking_number", "shipped_at", "received_at", "problem"
            )
        }
        for d in rows:
            if d.settlement not in ("return_shipment", "return_receipt"):
                continue
            shipment = shipments.get(d.pk)
            assert shipment is not None, f"{d.reference} waits on a return that does not exist"
            shipped = d.settlement == "return_receipt"
            assert (
                bool(shipment["tracking_number"]),
                shipment["shipped_at"] is not None,
                shipment["received_at"],
                shipment["problem"],
            ) == (shipped, shipped, None, ""), (
                f"{d.reference} in {d.settlement}, its return shipment says {shipment}"
            )

    def _refunds_within_paid(self, rows: list[Dispute]) -> None:
        paid = dict(Order.objects.filter(pk__in=self.orders).values_list("pk", "amount_paid"))
        committed = dict.fromkeys(paid, Decimal(0))
        for order_id, amount, status in Refund.objects.filter(order_id__in=self.orders).values_list(
            "order_id", "amount", "status"
        ):
            if status in ("pending", "processing", "succeeded"):
                committed[order_id] += amount
            # The refund task ran after each step: with the sandbox gateway every
            # refund is paid ...
            assert status == "succeeded", f"a refund of {amount} is {status}"
        for order_id, total in committed.items():
            assert total <= paid[order_id], f"{total} refunded of {paid[order_id]} paid"
        # ... and a case that waited on its refund has closed.
        stuck = [d.reference for d in rows if d.settlement == "refunding"]
        assert stuck == [], f"{stuck} wait on refunds already paid"

    def _one_dispute_per_order(self, rows: list[Dispute]) -> None:
        active = [d.order_id for d in rows if d.state not in TERMINAL]
        assert len(active) == len(set(active)), "two active disputes on one order"
        # An ended dispute cannot be reopened and the order cannot be disputed again.
        orders = [d.order_id for d in rows]
        assert len(orders) == len(set(orders)), "an order was disputed twice"

    def _offers_match_the_case(self, rows: list[Dispute]) -> None:
        open_offers = dict(
            Offer.objects.filter(dispute_id__in=self.disputes, status="open").values_list(
                "dispute_id", "party"
            )
        )
        for d in rows:
            assert open_offers.get(d.pk, "") == d.open_offer_party, (
                f"{d.reference}: open offer by {open_offers.get(d.pk)!r}, "
                f"the case says {d.open_offer_party!r}"
            )
            if d.open_offer_party:
                assert d.state == "negotiating", "offers expire with the negotiation"


# `make test` (and so CI) replays one fixed set of 200 journeys, derived from the code, so
# that a red build always means a change broke something; `make fuzz` draws fresh ones
# (FUZZ_EXAMPLES of them) each run to look for what the fixed set does not reach.
FUZZ = os.environ.get("STATE_MACHINE_FUZZ") == "1"
SETTINGS = hypothesis.settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "1000")) if FUZZ else 200,
    derandomize=not FUZZ,
    print_blob=True,
    stateful_step_count=30,
    deadline=None,
    database=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)


def test_random_journeys_keep_every_invariant(db, tmp_path):
    DisputeMachine.journeys = 0
    # Even without its example database hypothesis caches what it learns from the
    # source under .hypothesis/; keep that out of the repository.
    set_hypothesis_home_dir(tmp_path)
    try:
        run_state_machine_as_test(DisputeMachine, settings=SETTINGS)
    finally:
        set_hypothesis_home_dir(None)
    # The bar is at least 200 journeys per run (hypothesis may also try a few it discards).
    assert DisputeMachine.journeys >= SETTINGS.max_examples
