from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from disputes.choices import (
    ALL_REASON_CODES,
    PLATFORM_STATES,
    REQUESTED_OUTCOMES,
    TERMINAL_STATES,
    AppealResult,
    DecisionReason,
    DisputeState,
    DisputeType,
    NotificationCategory,
    OfferStatus,
    Outcome,
    Party,
    RefundStatus,
    ResolutionKind,
    ReturnProblem,
    Settlement,
    Visibility,
)
from orders.models import Order, new_reference
from orders.money import money_field

USER = settings.AUTH_USER_MODEL
GENESIS_HASH = "0" * 64
# The text search configuration of the search indexes; disputes.search queries
# with the same one, or PostgreSQL could not use them (a new one needs a migration).
SEARCH_CONFIG = "english"


def new_dispute_reference() -> str:
    return new_reference("DSP")


class Dispute(models.Model):
    """A buyer's claim about one order.

    Nothing but the services of ``disputes.services`` writes ``state``,
    ``settlement`` or the deadline columns (ARCHITECTURE rule 3).
    """

    reference = models.CharField(
        max_length=16, unique=True, default=new_dispute_reference, editable=False
    )
    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="disputes")
    # The parties are copied from the order so every scoped read is one index lookup.
    buyer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="disputes_opened")
    seller = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="disputes_received")
    type = models.CharField(_("type"), max_length=32, choices=DisputeType.choices)
    reason = models.CharField(
        _("reason"), max_length=32, choices=[(c, c) for c in ALL_REASON_CODES]
    )
    description = models.TextField(_("description"))
    # The facts that matter for the type: dates, quantities, tracking.
    facts = models.JSONField(_("facts"), default=dict, blank=True)
    claimed_amount = money_field(_("amount claimed"))
    requested_outcome = models.CharField(
        _("requested outcome"), max_length=32, choices=REQUESTED_OUTCOMES
    )

    state = models.CharField(
        max_length=32, choices=DisputeState.choices, default=DisputeState.DRAFT, editable=False
    )
    settlement = models.CharField(
        max_length=32,
        choices=Settlement.choices,
        default=Settlement.NONE,
        blank=True,
        editable=False,
    )
    # The current wait: when it ends, which rule set it, when it started (for
    # the 50 % / 90 % reminders) and when the next reminder is due.
    deadline_at = models.DateTimeField(null=True, blank=True, editable=False)
    deadline_rule = models.CharField(max_length=32, blank=True, editable=False)
    deadline_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminder_at = models.DateTimeField(null=True, blank=True, editable=False)
    reminders_sent = models.PositiveSmallIntegerField(default=0, editable=False)

    assigned_mediator = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="assigned_disputes"
    )
    # awaiting_info: which party was asked.
    info_requested_from = models.CharField(
        max_length=8, choices=Party.choices, blank=True, editable=False
    )
    # The seller let the response window pass (SPEC: "the case shows the silence").
    seller_silent = models.BooleanField(default=False, editable=False)
    # A mediator review deadline was missed.
    is_overdue = models.BooleanField(default=False, editable=False)

    # Denormalised from offers, decisions and appeals so that
    # allowed_actions() and waiting_on() read nothing but this row.
    open_offer_party = models.CharField(
        max_length=8, choices=Party.choices, blank=True, editable=False
    )
    decided_by = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+", editable=False
    )
    buyer_appealed = models.BooleanField(default=False, editable=False)
    seller_appealed = models.BooleanField(default=False, editable=False)
    # proposed: the party that has accepted the platform's proposal (the other
    # one has not yet answered). The proposal itself is its ``propose`` event.
    # (Defaults in the database too: rows written by raw SQL, the bench's bulk seed,
    # get them.)
    proposal_accepted_by = models.CharField(
        max_length=8, choices=Party.choices, blank=True, default="", db_default="", editable=False
    )
    # The party that must act took its one extension of the current wait
    # (SPEC 13.2); every new wait starts without one.
    deadline_extended = models.BooleanField(default=False, db_default=False, editable=False)

    # The resolution: what was agreed or decided, and how.
    outcome = models.CharField(max_length=32, choices=Outcome.choices, blank=True, editable=False)
    refund_amount = money_field(_("refund amount"), null=True, blank=True, editable=False)
    resolution_kind = models.CharField(
        max_length=32, choices=ResolutionKind.choices, blank=True, editable=False
    )

    created_at = models.DateTimeField(default=timezone.now, editable=False)
    submitted_at = models.DateTimeField(null=True, blank=True, editable=False)
    resolved_at = models.DateTimeField(null=True, blank=True, editable=False)
    closed_at = models.DateTimeField(null=True, blank=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped by every transition: the compare-and-set token.
    version = models.PositiveIntegerField(default=0, editable=False)
    # The audit chain: how many events, and the hash of the last one.
    event_count = models.PositiveIntegerField(default=0, editable=False)
    chain_head = models.CharField(max_length=64, default=GENESIS_HASH, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["state", "deadline_at"], name="dispute_state_deadline"),
            # The sweep: only rows that wait on a deadline are in these indexes.
            models.Index(
                fields=["deadline_at"],
                name="dispute_deadline_due",
                condition=Q(deadline_at__isnull=False),
            ),
            models.Index(
                fields=["reminder_at"],
                name="dispute_reminder_due",
                condition=Q(reminder_at__isnull=False),
            ),
            # The mediation queue (mediation/selectors.py): its pages, by deadline
            # (with the state, so that a non-senior's queue, which leaves appeals
            # out, still reads its page ids from the index alone)...
            models.Index(
                fields=["deadline_at", "id", "state"],
                name="dispute_queue_deadline",
                condition=Q(state__in=[s.value for s in PLATFORM_STATES]),
            ),
            # ...and its counts per filter, read from this index alone (an index-only
            # scan: every column they filter on is in it; key columns rather than
            # INCLUDE, which SQLite, the demo's database, does not have).
            models.Index(
                fields=[
                    "state",
                    "type",
                    "assigned_mediator",
                    "is_overdue",
                    "deadline_at",
                    "claimed_amount",
                    "submitted_at",
                ],
                name="dispute_queue_counts",
                condition=Q(state__in=[s.value for s in PLATFORM_STATES]),
            ),
            models.Index(fields=["buyer", "-created_at"], name="dispute_buyer_created"),
            models.Index(fields=["seller", "-created_at"], name="dispute_seller_created"),
            # The mediation dashboard (mediation/dashboard.py): open cases by state with
            # the overdue and unassigned counts, and the workload per mediator, read from
            # the index alone; the resolutions of a period, by resolution time.
            models.Index(
                fields=["state", "assigned_mediator", "is_overdue"], name="dispute_dashboard_open"
            ),
            models.Index(
                fields=["resolved_at", "id", "submitted_at"],
                name="dispute_dashboard_resolved",
                condition=Q(state__in=["resolved", "closed"]),
            ),
            # Each mediator's open cases (mediation.assignment.open_case_counts), read
            # on every assignment and once per batch of the deadline sweep: an
            # index-only scan of the open cases alone, where the plain foreign-key
            # index made it read every assigned row to check its state (0.3 s at
            # 1 000 000 disputes).
            models.Index(
                fields=["assigned_mediator"],
                name="dispute_open_by_mediator",
                condition=Q(state__in=[s.value for s in PLATFORM_STATES]),
            ),
            # Search (disputes/search.py): the words of the description, PostgreSQL only.
            GinIndex(
                SearchVector("description", config=SEARCH_CONFIG), name="dispute_description_search"
            ),
        ]
        constraints = [
            # SPEC section 2: at most one active dispute per order.
            models.UniqueConstraint(
                fields=["order"],
                condition=~Q(state__in=[s.value for s in TERMINAL_STATES]),
                name="dispute_one_active_per_order",
            ),
            models.CheckConstraint(
                condition=Q(claimed_amount__gte=0), name="dispute_claimed_amount_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(refund_amount__isnull=True) | Q(refund_amount__gte=0),
                name="dispute_refund_amount_gte_0",
            ),
            models.CheckConstraint(
                condition=Q(state__in=DisputeState.values), name="dispute_state_valid"
            ),
            models.CheckConstraint(
                condition=Q(type__in=DisputeType.values), name="dispute_type_valid"
            ),
            models.CheckConstraint(
                condition=Q(settlement__in=Settlement.values), name="dispute_settlement_valid"
            ),
            # A deadline never exists without the rule that explains it.
            models.CheckConstraint(
                condition=Q(deadline_at__isnull=True) | ~Q(deadline_rule=""),
                name="dispute_deadline_has_rule",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_active(self) -> bool:
        return self.state not in TERMINAL_STATES

    @property
    def currency(self) -> str:
        return self.order.currency

    @property
    def reason_label(self) -> str:
        """The reason code in words ("damaged" → "Damaged")."""
        from disputes.choices import REASONS

        for code, label in REASONS.get(self.type, []):
            if code == self.reason:
                return str(label)
        return self.reason.replace("_", " ").capitalize()

    def party_of(self, user: object) -> str | None:
        """``buyer``, ``seller`` or None for anyone else."""
        user_id = getattr(user, "pk", None)
        if user_id == self.buyer_id:
            return Party.BUYER
        if user_id == self.seller_id:
            return Party.SELLER
        return None


class Offer(models.Model):
    """A proposal from one side; the other accepts or declines. A new one supersedes the last."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="offers")
    made_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=8, choices=Party.choices)
    outcome = models.CharField(
        max_length=32,
        choices=[c for c in Outcome.choices if c[0] != Outcome.CLAIM_REJECTED],
    )
    amount = money_field(_("refund amount"), default=0)
    note = models.TextField(blank=True)
    # "Request a refund" is the buyer's offer of a refund with a rationale.
    is_refund_request = models.BooleanField(default=False)
    status = models.CharField(max_length=16, choices=OfferStatus.choices, default=OfferStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    responded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["dispute"],
                condition=Q(status=OfferStatus.OPEN),
                name="offer_one_open_per_dispute",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="offer_amount_gte_0"),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} {self.amount} ({self.status})"


class Decision(models.Model):
    """A mediator's reasoned decision, or a senior mediator's decision on appeal."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="decisions")
    mediator = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    is_appeal = models.BooleanField(default=False)
    appeal_result = models.CharField(max_length=16, choices=AppealResult.choices, blank=True)
    outcome = models.CharField(max_length=32, choices=Outcome.choices)
    refund_amount = money_field(default=0)
    reason_code = models.CharField(max_length=32, choices=DecisionReason.choices)
    rules_applied = models.TextField(blank=True)
    rationale = models.TextField()
    # SPEC section 3: "the evidence it relied on", chosen from the case's items.
    evidence = models.ManyToManyField(
        "evidence.Evidence",
        blank=True,
        related_name="cited_by",
        verbose_name=_("evidence relied on"),
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(refund_amount__gte=0), name="decision_refund_gte_0"),
        ]

    def __str__(self) -> str:
        kind = "Appeal decision" if self.is_appeal else "Decision"
        return f"{kind}: {self.get_outcome_display()}"


class Appeal(models.Model):
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="appeals")
    appellant = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    party = models.CharField(max_length=8, choices=Party.choices)
    explanation = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # SPEC section 3: once each.
            models.UniqueConstraint(fields=["dispute", "party"], name="appeal_once_per_party"),
        ]

    def __str__(self) -> str:
        return f"Appeal by the {self.party}"


class Refund(models.Model):
    """Money going back to the buyer, executed through the payment gateway by a task."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="refunds")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="refunds")
    amount = money_field()
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=16, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    provider_reference = models.CharField(max_length=64, blank=True)
    # Sent to the gateway with every attempt, so a retry never pays twice.
    idempotency_key = models.CharField(max_length=64, unique=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    # Set when the gateway gave up: the leads' payments list owns the refund
    # until then (SPEC 13.4); cleared when a lead retries it or records a
    # payment made outside the platform.
    attention_due_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            # The leads' list and the menu's count: only the few refunds that
            # need someone, so counting them is reading a tiny index.
            models.Index(
                fields=["attention_due_at"],
                name="refund_needs_attention",
                condition=Q(attention_due_at__isnull=False),
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_gt_0"),
            models.CheckConstraint(
                condition=Q(status__in=RefundStatus.values), name="refund_status_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} ({self.status})"


class ReturnShipment(models.Model):
    """The goods going back to the seller in a return-and-refund outcome."""

    dispute = models.OneToOneField(
        Dispute, on_delete=models.CASCADE, related_name="return_shipment"
    )
    carrier = models.CharField(max_length=64, blank=True)
    tracking_number = models.CharField(max_length=64, blank=True)
    shipped_at = models.DateTimeField(null=True, blank=True)
    received_at = models.DateTimeField(null=True, blank=True)
    auto_confirmed = models.BooleanField(default=False)
    problem = models.CharField(max_length=16, choices=ReturnProblem.choices, blank=True)
    problem_note = models.TextField(blank=True)
    forfeited = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Return {self.carrier} {self.tracking_number}".strip()


class Message(models.Model):
    """Never edited or deleted (a database trigger refuses it, docs/audit.md); only
    redacted, with a reason, by ``disputes.services.redaction``."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    # all, or (chosen by a mediator) the mediator and one party only.
    visibility = models.CharField(
        max_length=8,
        choices=[(v, label) for v, label in Visibility.choices if v != Visibility.MEDIATOR],
        default=Visibility.ALL,
    )
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the body was removed (a court order, personal data): the chain
    # keeps its hash and the ``redacted`` event says who and why.
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["dispute", "created_at"], name="message_dispute_created"),
            # Search (disputes/search.py): the words of every message, PostgreSQL only.
            GinIndex(SearchVector("body", config=SEARCH_CONFIG), name="message_body_search"),
        ]

    def __str__(self) -> str:
        return self.body[:60]


class MediatorNote(models.Model):
    """Private notes of the platform; parties never see them. Redacted like messages."""

    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="mediator_notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    body = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)
    redacted_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [GinIndex(SearchVector("body", config=SEARCH_CONFIG), name="note_body_search")]

    def __str__(self) -> str:
        return self.body[:60]


class DisputeEvent(models.Model):
    """One thing that happened to a dispute: append-only, hash-chained per dispute.

    ``hash`` covers every column below and ``prev_hash``, the hash of the
    dispute's previous event, so editing, deleting or inserting a row breaks
    the chain (``manage.py verify_audit``).
    """

    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=32)
    actor = models.ForeignKey(
        USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # What the actor was in this case: buyer, seller, mediator, system.
    actor_role = models.CharField(max_length=16)
    from_state = models.CharField(max_length=32, blank=True)
    to_state = models.CharField(max_length=32, blank=True)
    details = models.JSONField(default=dict, blank=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.ALL)
    created_at = models.DateTimeField()
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["dispute_id", "seq"]
        indexes = [
            # The dashboard's time per stage: the state changes of a dispute in order,
            # with their times, read from the index alone (mediation/dashboard.py).
            models.Index(
                fields=["dispute", "seq", "created_at", "from_state", "to_state"],
                name="event_state_changes",
                condition=~Q(from_state=models.F("to_state")),
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["dispute", "seq"], name="event_seq_unique_per_dispute"),
        ]

    def __str__(self) -> str:
        return f"{self.dispute_id}#{self.seq} {self.kind}"


class Notification(models.Model):
    """An in-app notification for one person about one event; its email is delivered by a task.

    Written in the same transaction as the event, so it is also the outbox:
    whatever a crashed worker or a broker outage left unsent, the sweep sends.
    """

    class EmailStatus(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        OFF = "off", _("Email off")
        FAILED = "failed", _("Failed")

    recipient = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="notifications")
    # A dispute's event, or a message of an order's conversation (before any dispute).
    event = models.ForeignKey(
        DisputeEvent, on_delete=models.CASCADE, related_name="notifications", null=True
    )
    dispute = models.ForeignKey(Dispute, on_delete=models.CASCADE, related_name="+", null=True)
    order_message = models.ForeignKey(
        "orders.OrderMessage", on_delete=models.CASCADE, related_name="+", null=True
    )
    order = models.ForeignKey("orders.Order", on_delete=models.CASCADE, related_name="+", null=True)
    category = models.CharField(max_length=16, choices=NotificationCategory.choices)
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    email_status = models.CharField(max_length=8, choices=EmailStatus.choices)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["event", "recipient"], name="notification_once_per_event"
            ),
            # About a dispute's event, or about an order's message: one of the two.
            models.CheckConstraint(
                condition=Q(event__isnull=False, dispute__isnull=False, order_message__isnull=True)
                | Q(event__isnull=True, order_message__isnull=False, order__isnull=False),
                name="notification_of_an_event_or_an_order_message",
            ),
        ]
        indexes = [
            models.Index(
                fields=["recipient", "-created_at"],
                name="notification_unread",
                condition=Q(read_at__isnull=True),
            ),
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient"),
            # The unread messages of each order thread (order list, order page).
            models.Index(
                fields=["recipient", "order"],
                name="notification_unread_order",
                condition=Q(read_at__isnull=True, order__isnull=False),
            ),
            models.Index(
                fields=["created_at"],
                name="notification_email_pending",
                condition=Q(email_status__in=["pending", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class NotificationPreference(models.Model):
    """Email on or off for one category; no row means on."""

    user = models.ForeignKey(
        USER, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    category = models.CharField(max_length=16, choices=NotificationCategory.choices)
    email = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "category"], name="preference_once_per_category"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category}: {'on' if self.email else 'off'}"


class AuditCheckpoint(models.Model):
    """A signed statement of the chain heads that changed since the previous one (SPEC 13.4).

    ``statement`` is the exact JSON that was signed (Ed25519, with a key kept
    outside the database): its number, time, the previous checkpoint's hash,
    the event id it covers up to, and the Merkle root of its leaves. Each
    checkpoint names the previous one's hash, so they form a chain of their
    own; docs/audit.md ("Signed checkpoints") describes the format.
    """

    number = models.PositiveIntegerField(unique=True)
    created_at = models.DateTimeField()
    # SHA-256 of the previous checkpoint's statement (the genesis hash for the first).
    previous = models.CharField(max_length=64, unique=True)
    # Every event with an id up to this one is covered by this checkpoint or an earlier one.
    events_through = models.BigIntegerField()
    leaf_count = models.PositiveIntegerField()
    root = models.CharField(max_length=64)
    key_id = models.CharField(max_length=16)
    statement = models.TextField()
    # SHA-256 of ``statement``: what the next checkpoint names as ``previous``.
    hash = models.CharField(max_length=64, unique=True)
    signature = models.CharField(max_length=88)

    class Meta:
        ordering = ["number"]

    def __str__(self) -> str:
        return f"checkpoint #{self.number}"


class CheckpointLeaf(models.Model):
    """One dispute's chain head as a checkpoint signed it: a leaf of its Merkle tree."""

    checkpoint = models.ForeignKey(AuditCheckpoint, on_delete=models.PROTECT, related_name="leaves")
    dispute = models.ForeignKey(Dispute, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveIntegerField()
    event_count = models.PositiveIntegerField()
    head = models.CharField(max_length=64)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["checkpoint", "position"], name="checkpoint_leaf_position_unique"
            ),
        ]
        indexes = [
            # A dispute's latest signed head (emails, case files): its newest leaf.
            models.Index(fields=["dispute", "-checkpoint"], name="checkpoint_leaf_latest"),
        ]

    def __str__(self) -> str:
        return f"{self.checkpoint_id}:{self.dispute_id}@{self.event_count}"
