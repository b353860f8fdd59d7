"""Manual assignment: a mediator takes an unassigned case; a lead reassigns one.

Both are ``assigned`` events in the case's chain, written by the engine
(``disputes.services.engine.assignment_event``) under the dispute's row lock.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from accounts.models import Role, User
from disputes.choices import DisputeState
from disputes.errors import InvalidInput, NotAllowedNow
from disputes.models import Dispute
from disputes.permissions import is_senior
from disputes.services.engine import assignment_event
from mediation.assignment import OPEN_STATES


def _eligibility(dispute: Dispute, mediator: User) -> str | None:
    """Why ``mediator`` may not work this case (recusal, seniority), or None."""
    if not (mediator.is_active and mediator.role == Role.MEDIATOR):
        return "Only an active mediator can take a case."
    if mediator.pk in (dispute.buyer_id, dispute.seller_id):
        return "A party to the case cannot mediate it."
    if dispute.state == DisputeState.APPEALED:
        if not is_senior(mediator):
            return "Appeals go to senior mediators."
        if mediator.pk == dispute.decided_by_id:
            return "Whoever decided the case cannot review its appeal."
    return None


def case_take(*, dispute: Dispute, actor: User) -> Dispute:
    """A mediator assigns an unassigned case of the queue to themselves."""

    def check(locked: Dispute) -> None:
        if locked.state not in OPEN_STATES:
            raise NotAllowedNow("This case is not waiting for a mediator.")
        if locked.assigned_mediator_id == actor.pk:
            raise NotAllowedNow("This case is already yours.")
        if locked.assigned_mediator_id is not None:
            raise NotAllowedNow("Someone else has taken this case; a lead can reassign it.")
        problem = _eligibility(locked, actor)
        if problem:
            raise NotAllowedNow(problem)

    return assignment_event(dispute.pk, mediator=actor, actor=actor, why="take", check=check)


def case_reassign(*, dispute: Dispute, actor: User, mediator: User) -> Dispute:
    """A mediation lead hands an open case to another mediator (recusal still holds)."""
    if not actor.is_mediation_lead:
        raise PermissionDenied("Only mediation leads reassign cases.")

    def check(locked: Dispute) -> None:
        if locked.state not in OPEN_STATES:
            raise NotAllowedNow("Only cases under review, awaiting information or appealed move.")
        if locked.assigned_mediator_id == mediator.pk:
            raise InvalidInput("The case is already assigned to them.", field="mediator")
        problem = _eligibility(locked, mediator)
        if problem:
            raise InvalidInput(problem, field="mediator")

    return assignment_event(dispute.pk, mediator=mediator, actor=actor, why="reassign", check=check)
