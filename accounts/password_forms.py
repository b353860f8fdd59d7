"""The forms that ask a signed-in user for their current password (changing it,
on the site and in the admin): password doors too, through the account's
lockout (accounts/lockout.py).

Apart from accounts/forms.py, which allauth imports while building its own
forms (the signup form class) and so cannot import them back.
"""

from __future__ import annotations

from allauth.account.forms import ChangePasswordForm as AllauthChangePasswordForm
from django import forms
from django.contrib.admin.forms import AdminPasswordChangeForm as DjangoAdminPasswordChangeForm
from django.utils.translation import gettext_lazy as _

from accounts import lockout
from accounts.models import User


def _current_password_error(user: User, password: str) -> None:
    try:
        right = lockout.verify_current_password(user, password)
    except lockout.AccountLocked as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None
    if not right:
        raise forms.ValidationError(
            _("Please type your current password."), code="enter_current_password"
        )


class ChangePasswordForm(AllauthChangePasswordForm):
    """allauth's form, with the current password checked through the account's
    lockout (accounts/lockout.py), as every other password door is."""

    def clean_oldpassword(self) -> str:
        password = self.cleaned_data.get("oldpassword", "")
        _current_password_error(self.user, password)
        return password


class AdminPasswordChangeForm(DjangoAdminPasswordChangeForm):
    """The admin's own "change my password" page, through the same lockout."""

    def clean_old_password(self) -> str:
        password = self.cleaned_data.get("old_password", "")
        _current_password_error(self.user, password)
        return password
