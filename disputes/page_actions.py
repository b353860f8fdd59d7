"""One transition taken from a page form (the dispute page or the mediator's case
view): parse the form, run the service, put its errors next to the fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.utils.translation import gettext as _

from accounts.models import User
from disputes.errors import DisputeError, NotYourCase, NotYours, TransitionRefused
from disputes.forms import ACTION_FORMS, CONFIRMATIONS, CitesEvidence
from disputes.models import Dispute
from disputes.services import SERVICES
from evidence.selectors import evidence_for


def action_forms(
    dispute: Dispute,
    allowed: list[str],
    items: list[Any],
    bound: dict[str, forms.Form],
    initial: dict[str, dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The forms of the transitions this viewer may take now, for either case page
    (the party's dispute page, the mediator's case view): a bound one (that failed)
    keeps its input and errors and is shown open; evidence is cited from ``items``."""
    actions = []
    for name in allowed:
        form_class, label = ACTION_FORMS[name]
        form = bound.get(name) or form_class(initial=(initial or {}).get(name, {}), prefix=name)
        if isinstance(form, CitesEvidence):
            form.cite_from(items)
        actions.append({"name": name, "label": label, "form": form, "open": name in bound})
    return actions


def take_action(request: HttpRequest, user: User, dispute: Dispute, name: str) -> forms.Form | None:
    """Run transition ``name`` from the posted form.

    None when the page should go back to the case: the action went through, or it
    is not possible (any more) for this viewer, and a message says which (the
    form may not even be on the page now, so the reason goes to the top of it).
    Otherwise the bound form, with its errors next to its fields.
    """
    form_class, label = ACTION_FORMS[name]
    form = form_class(request.POST, prefix=name)
    if isinstance(form, CitesEvidence):
        form.cite_from(evidence_for(user, dispute))
    if not form.is_valid():
        return form
    arguments = {k: v for k, v in form.cleaned_data.items() if k not in CONFIRMATIONS}
    try:
        service: Any = SERVICES[name]
        service(dispute=dispute, actor=user, **arguments)
    except NotYourCase as exc:
        # Another mediator's case, or nobody's yet: 403, as the API answers.
        raise PermissionDenied(exc.message) from exc
    except (TransitionRefused, NotYours) as exc:
        messages.error(request, exc.message)
        return None
    except DisputeError as exc:
        form.add_error(exc.field if exc.field in form.fields else None, exc.message)
        return form
    messages.success(request, _("Done: %(action)s.") % {"action": label})
    return None
