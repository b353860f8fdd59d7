"""Who is a senior mediator: the ``review_appeals`` permission, held directly or
through a group, or a superuser. Written once as SQL conditions so that the
roster, the signed-in user's load and the one-off check agree.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db.models import Exists, OuterRef, Q

SENIOR_PERMISSION = "review_appeals"


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
