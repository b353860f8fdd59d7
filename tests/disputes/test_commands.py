"""The management commands that reach the lifecycle before the pages do."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from disputes.models import Dispute

pytestmark = pytest.mark.django_db


def test_dispute_action_takes_a_transition_through_its_service(submitted, seller):
    out = StringIO()
    call_command(
        "dispute_action",
        submitted.reference,
        "make_offer",
        "--as",
        seller.email,
        "--set",
        "outcome=partial_refund",
        "--set",
        "amount=30.00",
        "--set",
        "note=30 back",
        stdout=out,
    )
    assert f"{submitted.reference} is now negotiating." in out.getvalue()
    assert "waiting on: other_party" in out.getvalue()
    assert Dispute.objects.get(pk=submitted.pk).offers.get().note == "30 back"


def test_dispute_action_reports_a_refusal_with_its_code(submitted, buyer):
    with pytest.raises(CommandError, match="not_allowed_now"):
        call_command("dispute_action", submitted.reference, "accept_claim", "--as", buyer.email)


def test_dispute_action_needs_a_person_for_a_persons_transition(submitted):
    with pytest.raises(CommandError, match="give --as EMAIL"):
        call_command("dispute_action", submitted.reference, "accept_claim")


def test_workflow_doc_check_passes_on_the_committed_file():
    call_command("workflow_doc", "--check")
