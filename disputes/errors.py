"""Typed domain errors with stable codes (ARCHITECTURE rule 11).

The API maps them to status codes (``http_status``); pages show ``message``
next to ``field`` when there is one.
"""

from __future__ import annotations


class DisputeError(Exception):
    code = "dispute_error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TransitionRefused(DisputeError):
    """The transition cannot happen now (409 in the API)."""

    code = "transition_refused"
    http_status = 409


class NotAllowedNow(TransitionRefused):
    """Not from this state, or not for this person at this point of the case."""

    code = "not_allowed_now"


class Conflict(TransitionRefused):
    """Another change to the case won the race; reload and try again."""

    code = "conflict"


class NotYours(DisputeError):
    """The actor has no part in this case (the API answers 404, so references cannot be probed)."""

    code = "not_yours"
    http_status = 404


class NotYourCase(DisputeError):
    """A mediator acting on or writing to a case that is not assigned to them (SPEC
    13.6): an unassigned case is taken first, another mediator's is reassigned by a
    lead. They may read it, so the API answers 403, not 404."""

    code = "not_your_case"
    http_status = 403


class BadAmount(DisputeError):
    code = "bad_amount"


class NotALead(DisputeError):
    """Only mediation leads handle the payments that need attention (SPEC 13.4)."""

    code = "not_a_lead"
    http_status = 403


class RefundNotFailed(TransitionRefused):
    """The refund is not waiting for a lead: it was paid, retried or settled already."""

    code = "refund_not_failed"


class WindowClosed(DisputeError):
    """A time window has passed: opening a dispute, appealing."""

    code = "window_closed"
    http_status = 409


class InvalidInput(DisputeError):
    code = "invalid"
