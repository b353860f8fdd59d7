"""The authentication backends of settings.AUTHENTICATION_BACKENDS, loading the
signed-in user of each request together with their seniority.

Every page a mediator opens asks whether they are senior (the queue shows
appeals only to seniors; the workflow asks before offering an appeal's
decision). Asked on its own that is a query per request; asked in the query
that loads the user from the session it costs two index lookups in a
statement that runs anyway. ``disputes.workflow.is_senior`` reads the answer
from ``_is_senior``; anyone loaded another way is asked on first use.
"""

from __future__ import annotations

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.db.models import BooleanField, ExpressionWrapper, Q

from accounts.models import User
from accounts.seniority import SENIOR_PERMISSION, holds_permission


def senior_annotation() -> ExpressionWrapper:
    """As ``disputes.workflow.is_senior`` asks it: a superuser, or anyone holding
    the seniority permission."""
    return ExpressionWrapper(
        Q(is_superuser=True) | holds_permission(SENIOR_PERMISSION, "pk"),
        output_field=BooleanField(),
    )


class _LoadsSeniority:
    def get_user(self, user_id: Any) -> User | None:
        try:
            user = User._default_manager.annotate(_is_senior=senior_annotation()).get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


class ModelBackend(_LoadsSeniority, DjangoModelBackend):
    pass


class AuthenticationBackend(_LoadsSeniority, AllauthBackend):
    pass
