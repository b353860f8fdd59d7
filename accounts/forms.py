from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from accounts.models import Role, SellerProfile, User

SIGNUP_ROLES = [
    (Role.BUYER, _("I buy: open disputes about my orders")),
    (Role.SELLER, _("I sell: answer disputes about my sales")),
]


class RoleSignupForm(forms.Form):
    """Extra fields on allauth's signup form: who you are, and your store if you sell.

    Mediators are never created here; administrators create them.
    """

    name = forms.CharField(label=_("Your name"), max_length=150)
    role = forms.ChoiceField(
        label=_("I am signing up as"),
        choices=SIGNUP_ROLES,
        widget=forms.RadioSelect,
        initial=Role.BUYER,
    )
    store_name = forms.CharField(
        label=_("Store name"),
        max_length=120,
        required=False,
        help_text=_("Sellers only: the name buyers see."),
    )
    country = forms.ChoiceField(
        label=_("Country"),
        choices=lambda: [("", "---------"), *countries],
        required=False,
        help_text=_("Sellers only: where your store trades from."),
    )

    field_order = ["name", "email", "password1", "password2", "role", "store_name", "country"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("role") == Role.SELLER:
            if not data.get("store_name"):
                self.add_error("store_name", _("A seller account needs a store name."))
            if not data.get("country"):
                self.add_error("country", _("A seller account needs a country."))
        return data

    def signup(self, request: HttpRequest, user: User) -> None:
        user.name = self.cleaned_data["name"]
        user.role = self.cleaned_data["role"]
        user.save(update_fields=["name", "role"])
        if user.role == Role.SELLER:
            SellerProfile.objects.create(
                user=user,
                store_name=self.cleaned_data["store_name"],
                country=self.cleaned_data["country"],
            )


class SellerProfileForm(forms.ModelForm):
    class Meta:
        model = SellerProfile
        fields = ["store_name", "country"]


class NameForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name"]
