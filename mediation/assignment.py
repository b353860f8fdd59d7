"""Who gets a case: the least-loaded active mediator who is not a party (recusal).

Pure choice, no writes: the engine calls ``choose_mediator`` under the
dispute's row lock and writes the assignment and its event itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from accounts.models import Role, User
from disputes.choices import DisputeState
from disputes.models import Dispute
from mediation.models import MediatorProfile

# A mediator's open cases: the ones the platform is working on.
OPEN_STATES = (DisputeState.UNDER_REVIEW, DisputeState.AWAITING_INFO, DisputeState.APPEALED)


def _has_perm(codename: str) -> Q:
    """The user of the outer row holds ``accounts.<codename>`` directly or through a group."""
    direct = Permission.objects.filter(
        codename=codename, content_type__app_label="accounts", user=OuterRef("user_id")
    )
    grouped = Permission.objects.filter(
        codename=codename,
        content_type__app_label="accounts",
        group__user=OuterRef("user_id"),
    )
    return Q(Exists(direct)) | Q(Exists(grouped))


def roster(*, seniors_only: bool = False) -> QuerySet[MediatorProfile]:
    """Active profiles of active mediators (seniors only: review_appeals or superuser)."""
    profiles = MediatorProfile.objects.filter(
        active=True, user__is_active=True, user__role=Role.MEDIATOR
    )
    if seniors_only:
        profiles = profiles.filter(Q(user__is_superuser=True) | _has_perm("review_appeals"))
    return profiles


def open_case_counts(user_ids: Iterable[int]) -> dict[int, int]:
    """Open cases per mediator, one query (mediators with none are absent)."""
    rows = (
        Dispute.objects.filter(assigned_mediator_id__in=list(user_ids), state__in=OPEN_STATES)
        .values("assigned_mediator_id")
        .annotate(n=Count("id"))
    )
    return {row["assigned_mediator_id"]: row["n"] for row in rows}


def choose_mediator(dispute: Dispute, *, appeal: bool, exclude: Iterable[int] = ()) -> int | None:
    """The id of the mediator who should take ``dispute`` now, or None when nobody can.

    Never a party to the case; for an appeal a senior mediator who did not
    decide it; never anyone in ``exclude`` (the mediator who let the review
    run late). Among those below capacity, the fewest open cases wins; ties go
    to the longest-serving profile (lowest id), so the choice is repeatable.

    Two queries. The candidates' profile rows are locked, in id order, until
    the caller's transaction ends: two escalations at the same moment queue
    here, and the second one counts the first one's case.
    """
    barred = {dispute.buyer_id, dispute.seller_id, *exclude}
    if appeal and dispute.decided_by_id is not None:
        barred.add(dispute.decided_by_id)
    candidates = list(
        roster(seniors_only=appeal)
        .exclude(user_id__in=barred)
        .order_by("user_id")
        .select_for_update(of=("self",))
        .values_list("user_id", "capacity")
    )
    if not candidates:
        return None
    load = open_case_counts(user_id for user_id, _capacity in candidates)
    free = [
        (load.get(user_id, 0), user_id)
        for user_id, capacity in candidates
        if load.get(user_id, 0) < capacity
    ]
    return min(free)[1] if free else None


def leads() -> list[int]:
    """Who hears about overdue reviews: active mediation leads and superusers."""
    people = User.objects.filter(is_active=True).filter(
        Q(is_superuser=True)
        | Q(
            role=Role.MEDIATOR,
            user_permissions__codename="lead_mediation",
            user_permissions__content_type__app_label="accounts",
        )
        | Q(
            role=Role.MEDIATOR,
            groups__permissions__codename="lead_mediation",
            groups__permissions__content_type__app_label="accounts",
        )
    )
    return sorted(set(people.values_list("pk", flat=True)))
