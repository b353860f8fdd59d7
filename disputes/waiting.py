"""Who a case waits on (SPEC section 9's ``waiting_on``), from the deadline rules of the
workflow table, for one case and, as SQL, for a list sorted by "your move"."""

from __future__ import annotations

from typing import TYPE_CHECKING

from disputes.choices import DisputeState as S
from disputes.choices import Party, Settlement
from disputes.permissions import may_work, role_in
from disputes.workflow import RULES, Role, WaitsOn

if TYPE_CHECKING:
    from django.db.models import Q

    from accounts.models import User
    from disputes.models import Dispute


def waiting_party(dispute: Dispute) -> str:
    """Who must act next: ``buyer``, ``seller``, ``parties``, ``platform`` or ``nobody``."""
    state = dispute.state
    if state in (S.CLOSED, S.CANCELLED):
        return "nobody"
    if state == S.DRAFT:
        return Party.BUYER
    if state == S.RESOLVED and dispute.settlement == Settlement.REFUNDING:
        return "platform"
    rule = RULES.get(dispute.deadline_rule)
    if rule is None:
        return "platform" if state in (S.UNDER_REVIEW, S.APPEALED) else "nobody"
    if rule.waits_on == WaitsOn.PARTIES:
        # The side that stands by an offer it made, or by the proposal it accepted,
        # waits for the other.
        standing = dispute.open_offer_party or dispute.proposal_accepted_by
        if standing == Party.BUYER:
            return Party.SELLER
        if standing == Party.SELLER:
            return Party.BUYER
        return "parties"
    if rule.waits_on == WaitsOn.ASKED_PARTY:
        return dispute.info_requested_from or "nobody"
    return rule.waits_on.value


def waiting_on(dispute: Dispute, user: User) -> str:
    """SPEC section 9's ``waiting_on`` for this viewer: you, other_party, platform, nobody."""
    party = waiting_party(dispute)
    role = role_in(dispute, user)
    if party == "nobody":
        return "nobody"
    if party == "platform":
        # The platform's move is the assigned mediator's: another mediator waits
        # for them (a lead may step in, but the case does not wait on the lead),
        # and an unassigned case for whoever takes it.
        mine = dispute.assigned_mediator_id == user.pk and may_work(dispute, user)
        # A refund being paid is the gateway's, then the leads' (SPEC 13.4), not the mediator's.
        mine = mine and dispute.settlement != Settlement.REFUNDING
        return "you" if role == Role.MEDIATOR and mine else "platform"
    if role in (Role.BUYER, Role.SELLER):
        if party == "parties" or party == role.value:
            return "you"
        return "other_party"
    return "other_party"


def your_move_q(user: User) -> Q:
    """SQL for ``waiting_on(dispute, user) == "you"``, so lists can sort by it.

    Built from ``RULES`` like ``waiting_party``; a test checks the two agree.
    Only parties and mediators have moves; anyone else gets a Q matching nothing.
    """
    from django.db.models import Q

    def rules(waits_on: WaitsOn) -> list[str]:
        return [key for key, rule in RULES.items() if rule.waits_on == waits_on]

    ended = Q(state__in=(S.CLOSED, S.CANCELLED)) | Q(settlement=Settlement.REFUNDING)
    role = getattr(user, "role", None)
    if role == "mediator":
        platform = Q(deadline_rule__in=rules(WaitsOn.PLATFORM)) | (
            Q(state__in=(S.UNDER_REVIEW, S.APPEALED)) & ~Q(deadline_rule__in=list(RULES))
        )
        waits = (platform & ~Q(state__in=(S.CLOSED, S.CANCELLED))) | Q(
            state=S.RESOLVED, settlement=Settlement.REFUNDING
        )
        return waits & Q(assigned_mediator=user)
    if role not in (Party.BUYER, Party.SELLER):
        return Q(pk__in=[])
    own = Q(buyer=user) if role == Party.BUYER else Q(seller=user)
    move = (
        Q(deadline_rule__in=rules(WaitsOn(role)))
        | (
            Q(deadline_rule__in=rules(WaitsOn.PARTIES))
            & ~Q(open_offer_party=role)
            & ~Q(proposal_accepted_by=role)
        )
        | Q(deadline_rule__in=rules(WaitsOn.ASKED_PARTY), info_requested_from=role)
    )
    if role == Party.BUYER:
        move |= Q(state=S.DRAFT)
    return own & move & ~ended
