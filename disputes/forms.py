"""The forms of the dispute page: one per transition a person can take, plus messages
and the "Start a dispute" form. They only parse input; the services decide."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from disputes.choices import (
    ALL_REASON_CODES,
    REASONS,
    REQUESTED_OUTCOMES,
    AppealResult,
    DecisionReason,
    DisputeType,
    Outcome,
    Party,
    ReturnProblem,
)
from disputes.workflow import TRANSITIONS

OFFER_OUTCOMES = [c for c in Outcome.choices if c[0] != Outcome.CLAIM_REJECTED]


def money(label: Any, *, required: bool = True) -> forms.DecimalField:
    return forms.DecimalField(
        label=label, required=required, max_digits=14, decimal_places=2, min_value=0
    )


class NoFields(forms.Form):
    pass


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note for the buyer"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class OfferForm(forms.Form):
    outcome = forms.ChoiceField(label=_("What you offer"), choices=OFFER_OUTCOMES)
    amount = money(_("Refund amount"), required=False)
    note = forms.CharField(
        label=_("Message with the offer"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )

    def clean_amount(self) -> object:
        return self.cleaned_data.get("amount") or 0


class RequestRefundForm(forms.Form):
    amount = money(_("Amount"))
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 3}))


class RespondToOfferForm(forms.Form):
    offer = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class AcceptOfferForm(forms.Form):
    offer = forms.IntegerField(widget=forms.HiddenInput)


class EscalateForm(forms.Form):
    justification = forms.CharField(
        label=_("Why the platform should decide"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("At least 10 characters. Say what you tried and where you disagree."),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that a mediator will review the case and decide, and that open offers end now."
        )
    )


class RequestInfoForm(forms.Form):
    party = forms.ChoiceField(label=_("Ask"), choices=Party.choices)
    question = forms.CharField(label=_("Question"), widget=forms.Textarea(attrs={"rows": 2}))
    respond_within_days = forms.IntegerField(
        label=_("Days to answer"),
        required=False,
        min_value=1,
        max_value=30,
        help_text=_("Leave empty for the usual time."),
    )


class CitesEvidence(forms.Form):
    """A decision's "evidence relied on": checkboxes over the case's items only."""

    evidence_ids = forms.TypedMultipleChoiceField(
        label=_("Evidence relied on"),
        coerce=int,
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
    )

    def cite_from(self, items: Any) -> None:
        """The case's items (hidden ones left out): anything else is "not a valid choice"."""
        self.fields["evidence_ids"].choices = [  # type: ignore[attr-defined]
            (
                item.pk,
                f"#{item.pk} {item.original_name} ({item.uploader_role}, SHA-256 {item.sha256[:12]}…)",
            )
            for item in items
            if item.hidden_at is None
        ]


class ProvideInfoForm(forms.Form):
    answer = forms.CharField(label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(CitesEvidence):
    field_order = (
        "outcome",
        "refund_amount",
        "reason_code",
        "rules_applied",
        "evidence_ids",
        "rationale",
    )
    outcome = forms.ChoiceField(label=_("Outcome"), choices=Outcome.choices)
    refund_amount = money(_("Refund amount"), required=False)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=DecisionReason.choices)
    rules_applied = forms.CharField(
        label=_("Rules applied"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    rationale = forms.CharField(
        label=_("Rationale (both parties read it)"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At least 20 characters."),
    )

    def clean_refund_amount(self) -> object:
        return self.cleaned_data.get("refund_amount") or 0


class AppealForm(forms.Form):
    explanation = forms.CharField(
        label=_("Why the decision should change"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("At least 20 characters. Bring new information; add new evidence above."),
    )


class DecideAppealForm(CitesEvidence):
    field_order = ("result", "outcome", "refund_amount", "evidence_ids", "rationale")
    result = forms.ChoiceField(label=_("Result"), choices=AppealResult.choices)
    outcome = forms.ChoiceField(
        label=_("New outcome (when overturned)"),
        choices=[("", "—"), *Outcome.choices],
        required=False,
    )
    refund_amount = money(_("Refund amount"), required=False)
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}))

    def clean_refund_amount(self) -> object:
        return self.cleaned_data.get("refund_amount") or 0


class ShipmentForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=64)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=64)


class ReturnProblemForm(forms.Form):
    problem = forms.ChoiceField(label=_("What came back"), choices=ReturnProblem.choices)
    note = forms.CharField(
        label=_("Details"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (optional)"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand that a cancelled dispute cannot be reopened and this order cannot be disputed again."
        )
    )


# The form of each transition a person takes; its button's words are the table's
# (``Transition.button_label``; SPEC section 10's words where it has them).
FORMS: dict[str, type[forms.Form]] = {
    "submit": NoFields,
    "accept_claim": NoFields,
    "reject_claim": NoteForm,
    "make_offer": OfferForm,
    "request_refund": RequestRefundForm,
    "decline_offer": RespondToOfferForm,
    "accept_offer": AcceptOfferForm,
    "escalate": EscalateForm,
    "request_info": RequestInfoForm,
    "provide_info": ProvideInfoForm,
    "decide": DecideForm,
    "appeal": AppealForm,
    "decide_appeal": DecideAppealForm,
    "ship_return": ShipmentForm,
    "confirm_return": NoFields,
    "report_return_problem": ReturnProblemForm,
    "ship_replacement": ShipmentForm,
    "cancel": CancelForm,
}
# transition -> (form, button label), for the pages.
ACTION_FORMS: dict[str, tuple[type[forms.Form], Any]] = {
    name: (form, _(TRANSITIONS[name].button_label)) for name, form in FORMS.items()
}
# Fields that only confirm; not passed to the service.
CONFIRMATIONS = {"confirm"}


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message"), widget=forms.Textarea(attrs={"rows": 3}), max_length=5000
    )
    visibility = forms.ChoiceField(
        label=_("Send to"),
        choices=[
            ("all", _("Both parties")),
            ("buyer", _("The buyer only")),
            ("seller", _("The seller only")),
        ],
        required=False,
    )


def _reason_choices() -> list[tuple[str, Any]]:
    labels: dict[str, Any] = {}
    for codes in REASONS.values():
        for code, label in codes:
            labels.setdefault(code, label)
    return [("", _("Choose the reason")), *((code, labels[code]) for code in ALL_REASON_CODES)]


class ReasonSelect(forms.Select):
    """Each reason says which dispute types it belongs to, so the page script can
    offer only the reasons of the chosen type (the service checks it anyway)."""

    def create_option(self, name: str, value: Any, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(name, value, *args, **kwargs)
        types = [t for t, codes in REASONS.items() if any(code == value for code, _l in codes)]
        if types:
            option["attrs"]["data-types"] = " ".join(types)
        return option


class StartDisputeForm(forms.Form):
    """Manage orders → Start a dispute: the guided form's fields (the draft keeps them)."""

    type = forms.ChoiceField(
        label=_("Type of dispute"), choices=DisputeType.choices, widget=forms.RadioSelect
    )
    reason = forms.ChoiceField(label=_("Reason"), choices=_reason_choices, widget=ReasonSelect)
    received_on = forms.DateField(
        label=_("Date received"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    affected_quantity = forms.IntegerField(label=_("Units affected"), required=False, min_value=0)
    expected_quantity = forms.IntegerField(label=_("Units ordered"), required=False, min_value=0)
    received_quantity = forms.IntegerField(label=_("Units received"), required=False, min_value=0)
    tracking_number = forms.CharField(label=_("Tracking number"), required=False, max_length=64)
    last_tracking_update = forms.DateField(
        label=_("Last tracking update"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    description = forms.CharField(
        label=_("Describe the problem"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Dates, quantities and what you see: the seller and the mediator read it."),
    )
    claimed_amount = money(_("Amount you claim"))
    requested_outcome = forms.ChoiceField(label=_("What you want"), choices=REQUESTED_OUTCOMES)

    FACT_FIELDS = (
        "received_on",
        "affected_quantity",
        "expected_quantity",
        "received_quantity",
        "tracking_number",
        "last_tracking_update",
    )

    def fact_fields(self) -> list[tuple[forms.BoundField, str]]:
        """Each fact field with the dispute types it matters for (the script shows
        only the chosen type's facts; without script all are shown)."""
        from disputes.choices import FACTS

        return [
            (self[name], " ".join(t for t, facts in FACTS.items() if name in facts))
            for name in self.FACT_FIELDS
        ]

    def service_kwargs(self) -> dict[str, object]:
        data = self.cleaned_data
        facts = {key: data[key] for key in self.FACT_FIELDS if data.get(key) not in (None, "")}
        from disputes.choices import FACTS

        facts = {key: str(value) for key, value in facts.items() if key in FACTS[data["type"]]}
        return {
            "type": data["type"],
            "reason": data["reason"],
            "description": data["description"],
            "claimed_amount": data["claimed_amount"],
            "requested_outcome": data["requested_outcome"],
            "facts": facts,
        }
