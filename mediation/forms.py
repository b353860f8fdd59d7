"""Forms of the mediation pages. They parse input; the services decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mediation.selectors import mediators_for_reassignment


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Private note (parties never see it)"),
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
    )


class ReassignForm(forms.Form):
    mediator = forms.ModelChoiceField(
        label=_("Hand the cases to"), queryset=mediators_for_reassignment(), empty_label=None
    )
    cases = forms.CharField(widget=forms.HiddenInput)

    def references(self) -> list[str]:
        raw = self.cleaned_data.get("cases", "")
        return [ref for ref in (part.strip() for part in raw.split(",")) if ref][:100]


class CannedReplyForm(forms.Form):
    """A lead's canned reply; the service checks the placeholders and the title."""

    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("Text"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        help_text=_(
            "Placeholders in braces, such as {buyer_name}, are filled for the case when a "
            "mediator inserts the reply; the list is below."
        ),
    )
