"""Who may take which transition now: the guards of the workflow table, a viewer's role
in a case, ``allowed_actions`` and "the assigned mediator, or a lead" (SPEC 13.6).
Pages, API, admin and commands ask these and nothing else."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from disputes.choices import DisputeState as S
from disputes.choices import Party
from disputes.errors import NotYourCase
from disputes.workflow import RULES, TRANSITIONS, Role, Transition, WaitsOn

if TYPE_CHECKING:
    from accounts.models import User
    from disputes.models import Dispute


# Guards: conditions beyond state and role, each a function of the dispute
# row, the actor's role in it and the actor (no queries, but for a lead's
# permissions, asked only of a mediator on another mediator's case).
def _offer_recipient(d: Dispute, role: Role, user: User | None) -> bool:
    return bool(d.open_offer_party) and d.open_offer_party != role.value


def _asked_party(d: Dispute, role: Role, user: User | None) -> bool:
    return d.info_requested_from == role.value


def _not_yet_appealed(d: Dispute, role: Role, user: User | None) -> bool:
    return not (d.buyer_appealed if role == Role.BUYER else d.seller_appealed)


def _seller_first(d: Dispute, role: Role, user: User | None) -> bool:
    # While the case awaits the seller, only the seller moves it.
    return d.state != S.AWAITING_SELLER or role == Role.SELLER


def _not_the_decider(d: Dispute, role: Role, user: User | None) -> bool:
    # Recusal: whoever decided the case never reviews its appeal.
    return d.decided_by_id is None or user is None or d.decided_by_id != user.pk


def _assignee(d: Dispute, role: Role, user: User | None) -> bool:
    # "The assigned mediator, or a lead" (issue 12; SPEC 13.6): a mediator acts
    # on or writes to a case only when it is assigned to them; others read it
    # and ask a lead, who may step in on it (or reassign it). An unassigned
    # case is nobody's, a lead's neither, until a mediator takes it: one
    # mediator answers for every case (reminders, overdue reassignment and
    # the workload figures follow the assignment). ``may_work`` asks this guard.
    if user is None or d.assigned_mediator_id is None:
        return False
    return d.assigned_mediator_id == user.pk or user.is_mediation_lead


def _not_yet_accepted(d: Dispute, role: Role, user: User | None) -> bool:
    return d.proposal_accepted_by != role.value


def _must_act(d: Dispute, role: Role, user: User | None) -> bool:
    # The wait is on this party, and it is one a party may ask more time for
    # (SPEC 13.2: the seller's response, the asked party's answer, a return to
    # ship), and it has not run out.
    rule = RULES.get(d.deadline_rule)
    if rule is None or not rule.extendable or d.deadline_at is None:
        return False
    if d.deadline_at <= timezone.now():
        return False
    if rule.waits_on == WaitsOn.ASKED_PARTY:
        return d.info_requested_from == role.value
    return rule.waits_on.value == role.value


def _not_yet_extended(d: Dispute, role: Role, user: User | None) -> bool:
    return not d.deadline_extended


def _deadline_passed(d: Dispute, role: Role, user: User | None) -> bool:
    return d.deadline_at is not None and d.deadline_at <= timezone.now()


GUARDS: dict[str, Callable[[Dispute, Role, User | None], bool]] = {
    "offer_recipient": _offer_recipient,
    "asked_party": _asked_party,
    "not_yet_appealed": _not_yet_appealed,
    "seller_first": _seller_first,
    "not_the_decider": _not_the_decider,
    "assignee": _assignee,
    "deadline_passed": _deadline_passed,
    "not_yet_accepted": _not_yet_accepted,
    "must_act": _must_act,
    "not_yet_extended": _not_yet_extended,
}
# Why a guard refuses, said to whoever tried: the state alone ("the dispute is
# appealed") does not tell a senior who decided the case why they cannot
# decide its appeal. A test holds every guard to a reason.
GUARD_REFUSALS: dict[str, str] = {
    "offer_recipient": "only the party the offer was made to can answer it",
    "asked_party": "the mediator asked the other party",
    "not_yet_appealed": "you have already appealed",
    "seller_first": "the seller responds first",
    "not_the_decider": ("you decided this case, so another senior mediator reviews its appeal"),
    "assignee": "the case is assigned to another mediator",
    "deadline_passed": "its deadline has not passed",
    "not_yet_accepted": "you have already accepted the proposal",
    "must_act": "only the party who must act now may take more time, before the deadline",
    "not_yet_extended": "more time has already been taken at this stage",
}


def role_in(dispute: Dispute, user: User | None) -> Role | None:
    """The viewer's role in this case: a party, a mediator, the system (None user), or nothing."""
    if user is None:
        return Role.SYSTEM
    party = dispute.party_of(user)
    if party == Party.BUYER:
        return Role.BUYER
    if party == Party.SELLER:
        return Role.SELLER
    if getattr(user, "is_mediator", False):
        # Seniority (the review_appeals permission) is asked only where it
        # matters, in permits(): it costs a query the first time.
        return Role.MEDIATOR
    return None


def is_senior(user: User) -> bool:
    """Has the review_appeals permission (directly, through a group, or as superuser).

    The signed-in user of a page comes with the answer (``disputes_site.auth_backends``
    loads it with the user); anyone else costs one query, remembered on the
    user object for the rest of the request.
    """
    cached = getattr(user, "_is_senior", None)
    if cached is None:
        from accounts.models import User
        from accounts.seniority import SENIOR_PERMISSION, holds_permission

        # User's manager, not type(user)'s: request.user is a lazy wrapper.
        cached = user.is_superuser or (
            User._default_manager.filter(
                holds_permission(SENIOR_PERMISSION, "pk"), pk=user.pk
            ).exists()
        )
        user._is_senior = cached  # type: ignore[attr-defined]
    return bool(cached)


def may_work(dispute: Dispute, user: User | None) -> bool:
    """Is ``dispute`` this mediator's to act on and write to (SPEC 13.6)?

    The ``assignee`` guard of the table, asked for writes that are not
    transitions too (messages, notes, evidence), so that pages, API, admin and
    commands give one answer. Reads the row only: no query.
    """
    return _assignee(dispute, Role.MEDIATOR, user)


def check_may_work(dispute: Dispute, user: User | None) -> None:
    """Refuse a mediator's write to a case that is not assigned to them."""
    if may_work(dispute, user):
        return
    if dispute.assigned_mediator_id is None:
        raise NotYourCase(_("Take the case before you act on it."))
    raise NotYourCase(_("This case is assigned to another mediator; ask a lead to reassign it."))


def failed_guards(
    transition: Transition, dispute: Dispute, role: Role | None, user: User | None = None
) -> tuple[str, ...] | None:
    """The guards that stop ``role`` (``user``; None for the system) taking
    ``transition`` now: () when it may, None when the state, the role or the
    settlement already rules it out."""
    if role is None or dispute.state not in transition.sources:
        return None
    if role not in transition.roles:
        # A senior mediator may do everything a mediator may, and decide appeals.
        senior_only = role == Role.MEDIATOR and Role.SENIOR in transition.roles
        if not (senior_only and user is not None and is_senior(user)):
            return None
    if transition.settlements and dispute.settlement not in transition.settlements:
        return None
    # The sweep's timeouts need their deadline passed; a system action that a
    # service triggers (confirm_return by the sweep, complete by the refund
    # task) has no such guard.
    guards = transition.guards
    if role != Role.SYSTEM:
        guards = tuple(g for g in guards if g != "deadline_passed")
    return tuple(g for g in guards if not GUARDS[g](dispute, role, user))


def permits(
    transition: Transition, dispute: Dispute, role: Role | None, user: User | None = None
) -> bool:
    """May ``role`` (``user``; None for the system) take ``transition`` on ``dispute`` now?"""
    return failed_guards(transition, dispute, role, user) == ()


def allowed_actions(dispute: Dispute, user: User) -> list[str]:
    """The transitions this viewer may take now, in table order (never system ones)."""
    role = role_in(dispute, user)
    if role in (None, Role.SYSTEM):
        return []
    return [t.name for t in TRANSITIONS.values() if permits(t, dispute, role, user)]
