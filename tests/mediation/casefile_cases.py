"""A case the platform has worked: evidence from both sides (one item mediator-only, one
hidden by an administrator), a private note, a reasoned decision.

Imported by the case-file tests (not a conftest: the mediation tests have their own)."""

from __future__ import annotations

from disputes import services
from disputes.models import Dispute
from evidence.models import Evidence
from evidence.services import evidence_add, evidence_hide
from tests.conftest import open_dispute
from tests.evidence.conftest import upload
from tests.evidence.corpus import jpeg, pdf, png
from tests.factories import UserFactory


def work_case(order, *, buyer, seller, mediator, decide: bool = True) -> Dispute:
    d = services.dispute_submit(dispute=open_dispute(order), actor=buyer)
    evidence_add(dispute=d, actor=buyer, upload=upload("broken mugs.jpg", jpeg()))
    evidence_add(
        dispute=d, actor=seller, upload=upload("invoice.pdf", pdf()), visibility="mediator"
    )
    d = services.dispute_reject_claim(dispute=d, actor=seller, note="Packed well.")
    d = services.dispute_escalate(
        dispute=d, actor=buyer, justification="The seller refuses any refund."
    )
    # Assignment is the queue's business (another module); here it is set directly.
    Dispute.objects.filter(pk=d.pk).update(assigned_mediator=mediator)
    hidden = evidence_add(dispute=d, actor=buyer, upload=upload("card.png", png()))
    staff = UserFactory(is_staff=True, email="ops@example.com")
    evidence_hide(evidence=hidden, actor=staff, reason="Shows a card number.")
    services.note_add(dispute=d, actor=mediator, body="The carrier's photos look rough.")
    if decide:
        services.dispute_decide(
            dispute=d,
            actor=mediator,
            outcome="partial_refund",
            refund_amount="40.00",
            reason_code="shared_fault",
            rationale="Packing was thin and the carrier was rough.",
            rules_applied="Quality claims, section 3.",
            # The decision relies on the first item (the buyer's photo).
            evidence_ids=[Evidence.objects.filter(dispute=d).order_by("pk").first().pk],
        )
    return Dispute.objects.get(pk=d.pk)
