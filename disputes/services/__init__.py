"""The write side of disputes: every change to a case goes through these functions."""

from collections.abc import Callable
from typing import Any

from disputes.services.conversation import message_post, note_add
from disputes.services.deadlines import sweep
from disputes.services.drafts import dispute_create, dispute_update_draft
from disputes.services.transitions import (
    dispute_accept_claim,
    dispute_accept_offer,
    dispute_appeal,
    dispute_cancel,
    dispute_complete,
    dispute_confirm_return,
    dispute_decide,
    dispute_decide_appeal,
    dispute_decline_offer,
    dispute_escalate,
    dispute_finalize,
    dispute_forfeit_return,
    dispute_info_timeout,
    dispute_make_offer,
    dispute_negotiation_timeout,
    dispute_provide_info,
    dispute_reject_claim,
    dispute_replacement_timeout,
    dispute_report_return_problem,
    dispute_request_info,
    dispute_request_refund,
    dispute_review_overdue,
    dispute_seller_silence,
    dispute_ship_replacement,
    dispute_ship_return,
    dispute_submit,
)
from disputes.workflow import RULES

# The service of every arrow in the workflow table, by transition name.
SERVICES: dict[str, Callable[..., Any]] = {
    "submit": dispute_submit,
    "accept_claim": dispute_accept_claim,
    "reject_claim": dispute_reject_claim,
    "make_offer": dispute_make_offer,
    "request_refund": dispute_request_refund,
    "decline_offer": dispute_decline_offer,
    "accept_offer": dispute_accept_offer,
    "escalate": dispute_escalate,
    "seller_silence": dispute_seller_silence,
    "negotiation_timeout": dispute_negotiation_timeout,
    "request_info": dispute_request_info,
    "provide_info": dispute_provide_info,
    "info_timeout": dispute_info_timeout,
    "review_overdue": dispute_review_overdue,
    "decide": dispute_decide,
    "appeal": dispute_appeal,
    "finalize": dispute_finalize,
    "decide_appeal": dispute_decide_appeal,
    "ship_return": dispute_ship_return,
    "confirm_return": dispute_confirm_return,
    "report_return_problem": dispute_report_return_problem,
    "forfeit_return": dispute_forfeit_return,
    "ship_replacement": dispute_ship_replacement,
    "replacement_timeout": dispute_replacement_timeout,
    "complete": dispute_complete,
    "cancel": dispute_cancel,
}

# The timeout of each deadline rule, as the sweep applies it: derived from the
# table's rules, never written by hand.
TIMEOUT_SERVICES: dict[str, Callable[..., Any]] = {
    rule.on_timeout: SERVICES[rule.on_timeout] for rule in RULES.values()
}

__all__ = [
    "SERVICES",
    "TIMEOUT_SERVICES",
    "dispute_create",
    "dispute_update_draft",
    "message_post",
    "note_add",
    "sweep",
    *sorted(f.__name__ for f in SERVICES.values()),
]
