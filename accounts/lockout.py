"""One failed-login counter per account, whatever door the password came through.

SPEC 13.6: failed logins lock an account for a while whichever door is used
(the web login, the admin login, the token endpoint, anything that calls
``django.contrib.auth.authenticate``). The counter lives in the cache (Redis),
keyed by the account an email names (every address of one account shares it:
a second address is not five more guesses), or by the normalised email when it
names none, so unknown addresses are counted as known ones are and the answer
says nothing about which accounts exist.

``LOGIN_LOCKOUT_ATTEMPTS`` wrong passwords within ``LOGIN_LOCKOUT_SECONDS`` of
the first lock the account for ``LOGIN_LOCKOUT_SECONDS`` from the last one.
Attempts while locked are refused unchecked and not counted, so the lock ends
when it said it would. The right password clears the counter (only the
password's holder can do that, so it gives a guesser nothing) and so does a
password reset.

The checks happen in the authentication backends (``disputes_site.auth_backends``):
a gate first in the list refuses a locked account before any password is
tried, and a counter last in the list is reached only when every backend has
refused the password, so a wrong password counts once however many backends
tried it. The doors ask ``check`` first as well, to answer with the lock's
message rather than "wrong password".
"""

from __future__ import annotations

import hashlib
import math

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q
from django.utils import timezone

from disputes.errors import DisputeError

LOCKED_MESSAGE = "Too many failed login attempts for this account. Try again in {minutes}."


class AccountLocked(DisputeError):
    """Too many wrong passwords for this account lately."""

    code = "account_locked"

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        when = "1 minute" if minutes == 1 else f"{minutes} minutes"
        super().__init__(LOCKED_MESSAGE.format(minutes=when))
        self.retry_after = retry_after


def normalise(login: str) -> str:
    return login.strip().lower()


def _account_id(login: str) -> int | None:
    """The account whose address (primary or any other) ``login`` is: one query."""
    from accounts.models import User

    email = normalise(login)
    return (
        User.objects.filter(Q(email__iexact=email) | Q(emailaddress__email__iexact=email))
        .values_list("pk", flat=True)
        .first()
    )


def _keys(login: str, *, account_id: int | None = None) -> tuple[str, str]:
    account_id = account_id if account_id is not None else _account_id(login)
    if account_id is not None:
        name = f"account:{account_id}"
    else:
        # Hashed: the key is of bounded length and no address sits in the cache.
        name = "login:" + hashlib.sha256(normalise(login).encode()).hexdigest()
    return f"login-failures:{name}", f"login-locked:{name}"


def seconds_locked(login: str, *, account_id: int | None = None) -> int:
    """How long ``login``'s account stays locked; 0 when it is not."""
    _failures, locked = _keys(login, account_id=account_id)
    until = cache.get(locked)
    if until is None:
        return 0
    # The time is kept in the entry (and compared with timezone.now()) rather
    # than read from the entry's expiry: the cache API has no TTL, and tests
    # move the clock.
    return max(0, math.ceil(until - timezone.now().timestamp()))


def check(login: str, *, account_id: int | None = None) -> None:
    """Raise ``AccountLocked`` when ``login``'s account is locked."""
    left = seconds_locked(login, account_id=account_id)
    if left:
        raise AccountLocked(left)


def record_failure(login: str, *, account_id: int | None = None) -> None:
    """Count one wrong password for ``login``'s account; the last allowed one locks it."""
    failures, locked = _keys(login, account_id=account_id)
    period = settings.LOGIN_LOCKOUT_SECONDS
    try:
        count = cache.incr(failures)
    except ValueError:
        # No window open: this failure opens it, or counts in the one a
        # failure racing it has just opened.
        count = 1 if cache.add(failures, 1, period) else cache.incr(failures)
    if count >= settings.LOGIN_LOCKOUT_ATTEMPTS:
        cache.set(locked, timezone.now().timestamp() + period, period)
        cache.delete(failures)


def clear(login: str, *, account_id: int | None = None) -> None:
    """Forget the failures and any lock of ``login``'s account (right password,
    password reset)."""
    cache.delete_many(list(_keys(login, account_id=account_id)))


def verify_current_password(user: object, password: str) -> bool:
    """The doors that ask a signed-in user for their current password (changing
    it, on the site or in the admin) are password doors too: a stolen session
    must not become a way to guess the password without limit. Raises
    ``AccountLocked`` while the account is locked; a wrong password counts."""
    account_id = user.pk  # type: ignore[attr-defined]
    check("", account_id=account_id)
    if user.check_password(password):  # type: ignore[attr-defined]
        clear("", account_id=account_id)
        return True
    record_failure("", account_id=account_id)
    return False
