from functools import cache

from django.http import HttpRequest
from django.urls import get_script_prefix, reverse

from accounts.seniority import leads_payments
from disputes.selectors import unread_count
from disputes.services.refunds import needing_attention


def notifications(request: HttpRequest) -> dict[str, object]:
    """The bell's unread count, for every page: loaded with the signed-in user
    (disputes_site/auth_backends.py), else one COUNT on the partial index."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    loaded = getattr(user, "_unread_notifications", None)
    return {"unread_notifications": unread_count(user) if loaded is None else int(loaded)}


def payments(request: HttpRequest) -> dict[str, object]:
    """For leads only: the menu's count of "Payments needing attention" (SPEC 13.4),
    loaded with the signed-in user (disputes_site/auth_backends.py), else one
    COUNT on the partial index."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_mediator:
        return {}
    if not leads_payments(user):
        return {}
    loaded = getattr(user, "_payments_needing_attention", None)
    count = needing_attention().count() if loaded is None else int(loaded)
    return {"payments_needing_attention": count, "leads_payments": True}


# The menu's links, by the name base.html uses for each.
MENU = {
    "change_password": "account_change_password",
    "login": "account_login",
    "logout": "account_logout",
    "signup": "account_signup",
    "account": "accounts:account",
    "admin": "admin:index",
    "avoid_disputes": "avoid_disputes",
    "disputes": "disputes:list",
    "home": "home",
    "mediation": "mediation:queue",
    "payments": "mediation_payments:list",
    "dashboard": "mediation_dashboard:dashboard",
    "mfa": "mfa_index",
    "preferences": "notification_preferences",
    "notifications": "notifications",
    "orders": "orders:list",
}


def menu(request: HttpRequest) -> dict[str, object]:
    """The links of the menu, reversed once per process (and script prefix), not
    fifteen times a page: they were about a sixth of the Disputes list's rendering."""
    return {"menu": _menu(get_script_prefix())}


@cache
def _menu(prefix: str) -> dict[str, str]:
    return {key: reverse(name) for key, name in MENU.items()}
