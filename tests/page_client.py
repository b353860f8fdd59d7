"""The test client posts page forms as a browser does: with the form's one-time key.

A page's changing form carries ``{% once_key %}`` (disputes_site/once.py); a
test that posts to a page stands for someone who filled that form in, so each
post gets a fresh key for the signed-in user unless the test gives its own
(tests/security/test_page_forms_act_once.py does, and posts without one with
a plain ``django.test.Client``).
"""

from __future__ import annotations

from typing import Any

from django.test import Client

from disputes_site.once import EXEMPT_PREFIXES, FIELD, mint_key


class PageClient(Client):
    # Who is signed in, kept at login rather than read from the session: reading
    # it here would add a query to the tests that count them.
    once_user_pk: Any = None

    def _login(self, user: Any, backend: str | None = None) -> None:
        super()._login(user, backend)
        self.once_user_pk = user.pk

    def logout(self) -> None:
        super().logout()
        self.once_user_pk = None

    def post(self, path: str, data: Any = None, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        user_pk = self.once_user_pk
        if (
            user_pk is not None
            and not path.startswith(EXEMPT_PREFIXES)
            and (data is None or isinstance(data, dict))
            and FIELD not in (data or {})
        ):
            data = {**(data or {}), FIELD: mint_key(user_pk)}
        return super().post(path, data, *args, **kwargs)
