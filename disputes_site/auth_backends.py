"""The authentication backends of settings.AUTHENTICATION_BACKENDS, loading the
signed-in user of each request together with what every page asks of them.

Every page shows the bell's unread count, and every page a mediator opens
asks whether they are senior (the queue shows appeals only to seniors; the
workflow asks before offering an appeal's decision). Asked on their own those
are a query each per request; asked in the statement that loads the user
from the session they cost a few index lookups in a statement that runs
anyway. ``disputes.permissions.is_senior`` reads ``_is_senior`` and the bell
(``disputes.context_processors.notifications``) ``_unread_notifications``;
anyone loaded another way is asked on first use. Both are as of the start of
the request, as the pages were: a view that changes them redirects. A
mediator who leads comes with ``_leads_payments`` and the number of failed
refunds waiting for the leads (``_payments_needing_attention``, read by the
menu and the payments list of ``mediation.payments_views``); for anyone else
that count is never run.

The statement is written out once per process rather than built by the ORM on
every request: composing the two ``EXISTS`` subqueries through the ORM cost
more Python time than the rest of loading the user (docs/benchmarks.md).
``accounts.seniority.holds_permission`` says the same in the ORM, and a test
holds the two equal.

Measured with and without (issue 14, 100 000 disputes, two runs each): no
throughput gain beyond the machine's noise; what it pays for is the query
budgets (the buyer's list in 3 queries instead of 5, the case page in 8
instead of 10; docs/benchmarks.md).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection

from accounts import lockout
from accounts.models import Role, User
from accounts.seniority import LEAD_PERMISSION, SENIOR_PERMISSION
from disputes.models import Notification, Refund


@cache
def _signed_in_user_sql() -> str:
    """SELECT the user's columns, ``_is_senior`` (a superuser, or holding the
    seniority permission directly or through a group) and
    ``_unread_notifications``. Parameters: ``_params``."""
    quote = connection.ops.quote_name
    user = quote(User._meta.db_table)
    direct = quote(User.user_permissions.through._meta.db_table)
    groups = quote(User.groups.through._meta.db_table)
    group_perms = quote(Group.permissions.through._meta.db_table)
    permission = quote(Permission._meta.db_table)
    content_type = quote(ContentType._meta.db_table)
    notification = quote(Notification._meta.db_table)
    refund = quote(Refund._meta.db_table)
    columns = ", ".join(f"u.{quote(field.column)}" for field in User._meta.concrete_fields)  # type: ignore[arg-type]
    # The permission, named by codename and app (parameters, as every value here).
    senior = (
        f"JOIN {permission} p ON p.id = x.permission_id "
        f"JOIN {content_type} ct ON ct.id = p.content_type_id "
        "WHERE p.codename = %s AND ct.app_label = %s"
    )
    # Holding a permission (a parameter) directly or through a group.
    holds = (
        f"(EXISTS (SELECT 1 FROM {direct} x {senior} AND x.user_id = u.id) "  # noqa: S608  # nosec B608  # quoted identifiers only
        f"OR EXISTS (SELECT 1 FROM {groups} g JOIN {group_perms} x ON x.group_id = g.group_id "
        f"{senior} AND g.user_id = u.id))"
    )
    # A mediator who leads (User.is_mediation_lead, for a mediator).
    leads = f"(u.role = %s AND (u.is_superuser OR {holds}))"
    # Only quoted identifiers from the models' metadata are formatted in.
    return (
        f"SELECT {columns}, (u.is_superuser OR {holds}) AS _is_senior, "  # noqa: S608  # nosec B608  # quoted identifiers from model metadata only
        # On the partial index of unread notifications, as unread_count() is.
        f"(SELECT COUNT(*) FROM {notification} n "
        "WHERE n.recipient_id = u.id AND n.read_at IS NULL) AS _unread_notifications, "
        f"{leads} AS _leads_payments, "
        # On the partial index of the refunds needing attention, as
        # refunds.needing_attention() is; counted for leads only.
        f"CASE WHEN {leads} THEN (SELECT COUNT(*) FROM {refund} r "
        "WHERE r.attention_due_at IS NOT NULL) ELSE 0 END AS _payments_needing_attention "
        f"FROM {user} u WHERE u.id = %s"
    )


def _params(pk: Any) -> list[Any]:
    senior = [SENIOR_PERMISSION, "accounts", SENIOR_PERMISSION, "accounts"]
    leads = [Role.MEDIATOR.value, LEAD_PERMISSION, "accounts", LEAD_PERMISSION, "accounts"]
    return [*senior, *leads, *leads, pk]


class _LoadsWhatPagesAsk:
    def get_user(self, user_id: Any) -> User | None:
        try:
            pk = User._meta.pk.to_python(user_id)
        except ValidationError:  # not an id at all (a tampered session)
            return None
        found = list(User.objects.raw(_signed_in_user_sql(), _params(pk)))
        if not found:
            return None
        user = found[0]
        return user if self.user_can_authenticate(user) else None  # type: ignore[attr-defined]


def _login_of(credentials: dict[str, Any]) -> str | None:
    """The account a password is tried for: allauth and the token endpoint send
    ``email``, Django's login forms (the admin's) ``username``, which is the
    email here (``User.USERNAME_FIELD``)."""
    login = credentials.get("email") or credentials.get("username")
    if "password" not in credentials or not isinstance(login, str) or not login.strip():
        return None
    return login


# The two below have ``authenticate`` and nothing else: they never sign anyone
# in, so they load no user (Django and its test client pick the first backend
# with ``get_user`` to sign someone in by hand) and hold no permissions.


class LockoutGate:
    """First in AUTHENTICATION_BACKENDS: a locked account is refused before any
    backend tries its password (``PermissionDenied`` stops Django's loop), so
    even the right password gets nowhere while it lasts (``accounts.lockout``)."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        login = _login_of(credentials)
        if login is not None and lockout.seconds_locked(login):
            raise PermissionDenied
        return None


class FailureCounter:
    """Last in AUTHENTICATION_BACKENDS: Django reaches it only when every backend
    before it refused the password, so each wrong password counts once."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        login = _login_of(credentials)
        if login is not None:
            lockout.record_failure(login)
        return None


class _ClearsFailuresOnSuccess:
    def authenticate(self, request: Any, **credentials: Any) -> User | None:
        user = super().authenticate(request, **credentials)  # type: ignore[misc]
        login = _login_of(credentials)
        if user is not None and login is not None:
            # Only the password's holder gets here: earlier typos are forgotten.
            lockout.clear(login, account_id=user.pk)
        return user


# Django's authenticate() names ``username``; ours takes any credentials, as
# allauth's does, and passes them on.
class ModelBackend(_ClearsFailuresOnSuccess, _LoadsWhatPagesAsk, DjangoModelBackend):  # type: ignore[misc]
    pass


class AuthenticationBackend(_ClearsFailuresOnSuccess, _LoadsWhatPagesAsk, AllauthBackend):
    pass
