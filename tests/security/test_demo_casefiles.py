"""Acceptance of issue 13: the demo's case files verify offline with the published key;
a chain rewritten after its checkpoint does not (SPEC 13.4, docs/audit.md)."""

from __future__ import annotations

import io
import os

import pytest
from django.core.management import call_command
from django.urls import reverse

from disputes.checkpoints import sign_pending
from disputes.models import Dispute, DisputeEvent
from tests.conftest import client_for
from tests.factories import MediatorFactory, make_lead
from tests.security.test_signed_checkpoints import casefile_at, rewrite_chain, run_verifier

pytestmark = pytest.mark.django_db


def export(lead, dispute: Dispute) -> bytes:
    response = client_for(lead).post(
        reverse("mediation_dashboard:casefile", args=[dispute.reference])
    )
    assert response.status_code == 200, dispute.state
    return b"".join(response.streaming_content)


def test_every_demo_case_file_verifies_offline_and_a_rewritten_one_does_not(
    settings, tmp_path, signing_key, published_key, triggers_off
):
    settings.MEDIA_ROOT = tmp_path / "media"
    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    while sign_pending():
        pass
    call_command("verify_audit", stdout=io.StringIO(), stderr=io.StringIO())
    lead = make_lead(MediatorFactory(email="lead-auditor@example.com"))
    disputes = list(Dispute.objects.order_by("pk"))
    assert len(disputes) >= 10
    for dispute in disputes:
        code, output = run_verifier(
            casefile_at(tmp_path, export(lead, dispute)), "--public-key", str(published_key)
        )
        assert code == 0, f"{dispute.reference} ({dispute.state}): {output}"
        assert "Ed25519 signature checked" in output

    # A forger rewrites the longest case's second event, every later hash and the
    # head recomputed (the triggers off, as a superuser can): the case file exported
    # now passes through a chain the signed head does not match.
    victim = max(disputes, key=lambda d: d.event_count)
    second = DisputeEvent.objects.get(dispute=victim, seq=2)
    rewrite_chain(victim, 2, {**second.details, "forged": True})
    code, output = run_verifier(
        casefile_at(tmp_path, export(lead, victim)), "--public-key", str(published_key)
    )
    assert code == 1, output
    assert "is not the signed head" in output
