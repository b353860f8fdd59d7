from django import forms
from django.utils.translation import gettext_lazy as _

from integrations.models import ApiToken


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Name"), max_length=100, required=False, help_text=_("Where you will use it.")
    )
    # Read unless the person asks for more: a token that only reads does
    # little harm when it leaks.
    scope = forms.TypedChoiceField(
        label=_("Scope"),
        choices=ApiToken.Scope.choices,
        initial=ApiToken.Scope.READ,
        required=False,
        empty_value=ApiToken.Scope.READ,
        widget=forms.RadioSelect,
        help_text=_("A read-only token cannot change anything (every POST is refused)."),
    )


class EndpointForm(forms.Form):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
