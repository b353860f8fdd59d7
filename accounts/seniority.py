"""Who is a senior mediator: the ``review_appeals`` permission, held directly or
through a group, or a superuser. Written once as SQL conditions so that the
roster, the signed-in user's load and the one-off check agree.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q

SENIOR_PERMISSION = "review_appeals"
# Leads run the roster and reassignment, and own the payments that need
# attention (SPEC 13.4); ``User.is_mediation_lead`` asks it one user at a time.
LEAD_PERMISSION = "lead_mediation"


def holds_permission(codename: str, user_ref: str) -> Q:
    """The user whose id is the outer query's ``user_ref`` holds ``codename`` (an
    ``accounts`` permission), directly or through a group: two index lookups."""
    direct = Permission.objects.filter(
        codename=codename, content_type__app_label="accounts", user=OuterRef(user_ref)
    )
    grouped = Permission.objects.filter(
        codename=codename, content_type__app_label="accounts", group__user=OuterRef(user_ref)
    )
    return Q(Exists(direct)) | Q(Exists(grouped))


def senior_q(user_prefix: str) -> Q:
    """The user at ``user_prefix`` (``"user"`` from a mediator's profile) is senior:
    a superuser, or holding the seniority permission."""
    return Q(**{f"{user_prefix}__is_superuser": True}) | holds_permission(
        SENIOR_PERMISSION, f"{user_prefix}_id"
    )


def leads_payments(user: Any) -> bool:
    """A mediator who leads, and so owns the payments needing attention: as loaded
    with the signed-in user (``disputes_site.auth_backends``, no query), else asked."""
    loaded = getattr(user, "_leads_payments", None)
    if loaded is not None:
        return bool(loaded)
    return bool(user.is_authenticated and user.is_mediator and user.is_mediation_lead)
