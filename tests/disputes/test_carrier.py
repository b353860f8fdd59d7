"""Carrier status (issue 15 item 6): a return or replacement delivered by the carrier
starts the receipt wait; a replacement closes only once it arrived; the timeline shows
the carrier's news; who pays to ship a return is on the decision and the return page."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from disputes import services
from disputes.errors import DisputeError, NotAllowedNow
from disputes.events import verify_all
from disputes.models import Dispute, DisputeEvent, Notification, Offer
from disputes.timeline import event_label, event_summary
from integrations.carriers import tracker
from integrations.carriers.base import CarrierUpdate
from integrations.carriers.sandbox import SandboxCarrier
from integrations.carriers.services import poll, record, shipments_for
from integrations.models import CarrierShipment
from mediation.services import case_take
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def _accepted(d, buyer, seller, outcome):
    d = services.dispute_make_offer(
        dispute=d, actor=seller, outcome=outcome, amount="0" if outcome == "replacement" else "50"
    )
    offer = Offer.objects.get(dispute=d, status="open")
    return services.dispute_accept_offer(dispute=d, actor=buyer, offer=offer.pk)


@pytest.fixture
def replacement_shipped(submitted, buyer, seller):
    d = _accepted(submitted, buyer, seller, "replacement")
    return services.dispute_ship_replacement(
        dispute=d, actor=seller, carrier="DHL", tracking_number="JD014600"
    )


@pytest.fixture
def return_shipped(submitted, buyer, seller):
    d = _accepted(submitted, buyer, seller, "return_and_refund")
    return services.dispute_ship_return(
        dispute=d, actor=buyer, carrier="UPS", tracking_number="1Z999AA1"
    )


def _says(parcel, status, when=None):
    return CarrierUpdate(parcel.carrier, parcel.tracking_number, status, when or timezone.now())


def test_a_shipped_replacement_no_longer_closes_the_case(replacement_shipped):
    d = Dispute.objects.get(pk=replacement_shipped.pk)
    assert (d.state, d.settlement, d.deadline_rule) == (
        "resolved",
        "replacement_receipt",
        "replacement_receipt",
    )
    assert d.deadline_at - d.deadline_started_at == timedelta(days=7)
    parcel = CarrierShipment.objects.get(dispute=d)
    assert (parcel.kind, parcel.carrier, parcel.tracking_number) == (
        "replacement",
        "DHL",
        "JD014600",
    )


def test_the_buyer_confirms_the_replacement_arrived_and_the_case_closes(
    replacement_shipped, buyer, seller
):
    d = services.dispute_confirm_replacement(dispute=replacement_shipped, actor=buyer)
    d = Dispute.objects.get(pk=d.pk)
    assert (d.state, d.settlement, d.deadline_at) == ("closed", "", None)
    assert Notification.objects.filter(
        recipient=seller, title__contains="the replacement arrived"
    ).exists()


def test_the_seller_cannot_confirm_the_replacement_for_the_buyer(replacement_shipped, seller):
    with pytest.raises(DisputeError) as refused:
        services.dispute_confirm_replacement(dispute=replacement_shipped, actor=seller)
    assert refused.value.code == "not_allowed_now"


def test_the_buyer_objects_and_the_platform_reviews_the_case(replacement_shipped, buyer):
    d = services.dispute_object_replacement(
        dispute=replacement_shipped, actor=buyer, reason="It never came, the box was not there."
    )
    d = Dispute.objects.get(pk=d.pk)
    assert (d.state, d.settlement, d.deadline_rule) == ("under_review", "", "mediator_review")
    event = DisputeEvent.objects.get(dispute=d, kind="object_replacement")
    assert "“It never came, the box was not there.”" in event_summary(
        event.kind, event.details, "USD"
    )


def test_an_objection_needs_a_reason(replacement_shipped, buyer):
    with pytest.raises(DisputeError) as refused:
        services.dispute_object_replacement(dispute=replacement_shipped, actor=buyer, reason="no")
    assert (refused.value.code, refused.value.field) == ("invalid", "reason")


def test_the_carrier_delivers_the_replacement_and_the_buyer_s_wait_starts_again(
    replacement_shipped,
):
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    with time_machine.travel(timezone.now() + timedelta(days=3), tick=False):
        assert record(parcel, _says(parcel, "delivered")) == "delivered"
        d = Dispute.objects.get(pk=replacement_shipped.pk)
        assert d.deadline_started_at == timezone.now()
        assert d.deadline_at == timezone.now() + timedelta(days=7)
    assert (d.state, d.settlement) == ("resolved", "replacement_receipt")
    event = DisputeEvent.objects.get(dispute=d, kind="carrier_delivered")
    assert (event.actor_id, event.actor_role) == (None, "system")
    assert str(event_label(event.kind)) == "Delivered by the carrier"
    assert event_summary(event.kind, event.details, "USD") == (
        "Delivered: the replacement, DHL JD014600"
    )


def test_a_delivered_replacement_the_buyer_says_nothing_of_closes_when_the_wait_ends(
    replacement_shipped,
):
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    record(parcel, _says(parcel, "delivered"))
    d = Dispute.objects.get(pk=replacement_shipped.pk)
    with time_machine.travel(d.deadline_at + timedelta(seconds=1)):
        result = services.sweep()
    assert result.timeouts == 1
    d = Dispute.objects.get(pk=d.pk)
    assert d.state == "closed"
    event = DisputeEvent.objects.get(dispute=d, kind="replacement_unconfirmed")
    assert event.details["delivered_by_carrier"] is True


def test_an_undelivered_replacement_nobody_confirms_goes_to_the_platform(replacement_shipped):
    d = Dispute.objects.get(pk=replacement_shipped.pk)
    with time_machine.travel(d.deadline_at + timedelta(seconds=1)):
        services.sweep()
    d = Dispute.objects.get(pk=d.pk)
    assert (d.state, d.deadline_rule) == ("under_review", "mediator_review")
    details = DisputeEvent.objects.get(dispute=d, kind="replacement_unconfirmed").details
    assert (details["deadline_passed"], details["delivered_by_carrier"]) == (
        "replacement_receipt",
        False,
    )


def test_the_carrier_delivers_the_return_and_the_seller_s_wait_starts_from_delivery(
    return_shipped,
):
    before = Dispute.objects.get(pk=return_shipped.pk)
    parcel = CarrierShipment.objects.get(dispute=return_shipped, kind="return")
    with time_machine.travel(timezone.now() + timedelta(days=4), tick=False):
        assert record(parcel, _says(parcel, "delivered")) == "delivered"
        d = Dispute.objects.get(pk=return_shipped.pk)
        assert d.deadline_at == timezone.now() + timedelta(days=10)
    assert d.deadline_at > before.deadline_at
    assert (d.state, d.settlement, d.deadline_rule) == (
        "resolved",
        "return_receipt",
        "return_receipt",
    )


def test_a_second_delivery_of_the_same_parcel_changes_nothing(replacement_shipped):
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    record(parcel, _says(parcel, "delivered"))
    d = Dispute.objects.get(pk=replacement_shipped.pk)
    parcel.refresh_from_db()
    assert record(parcel, _says(parcel, "delivered")) == "unchanged"
    with pytest.raises(NotAllowedNow):
        services.dispute_carrier_delivered(dispute=d)
    assert Dispute.objects.get(pk=d.pk).event_count == d.event_count


def test_news_in_transit_goes_on_the_timeline_once_and_tells_nobody(replacement_shipped):
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    notified = Notification.objects.count()
    assert record(parcel, _says(parcel, "in_transit")) == "recorded"
    assert record(parcel, _says(parcel, "in_transit")) == "unchanged"
    events = DisputeEvent.objects.filter(dispute=replacement_shipped, kind="carrier_update")
    assert [e.details["status"] for e in events] == ["in_transit"]
    assert str(event_label("carrier_update")) == "News from the carrier"
    assert Notification.objects.count() == notified
    assert list(verify_all()) == []


def test_a_delivery_problem_is_told_to_both_parties(replacement_shipped, buyer, seller):
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    assert record(parcel, _says(parcel, "exception")) == "recorded"
    event = DisputeEvent.objects.get(dispute=replacement_shipped, kind="carrier_update")
    assert event_summary(event.kind, event.details, "USD") == (
        "Delivery problem: the replacement, DHL JD014600"
    )
    told = set(Notification.objects.filter(event=event).values_list("recipient_id", flat=True))
    assert told == {buyer.pk, seller.pk}


def test_a_closed_case_hears_nothing_more_from_the_carrier(replacement_shipped, buyer):
    services.dispute_confirm_replacement(dispute=replacement_shipped, actor=buyer)
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    update = _says(parcel, "delivered")
    assert shipments_for(update) == []
    assert record(parcel, update) == "unchanged"


def test_parcels_are_found_by_tracking_number_and_carrier_whatever_its_case(replacement_shipped):
    parcel = CarrierShipment.objects.get(dispute=replacement_shipped)
    now = timezone.now()
    assert shipments_for(CarrierUpdate("dhl", "JD014600", "in_transit", now)) == [parcel]
    assert shipments_for(CarrierUpdate("", " JD014600 ", "in_transit", now)) == [parcel]
    assert shipments_for(CarrierUpdate("UPS", "JD014600", "in_transit", now)) == []
    assert shipments_for(CarrierUpdate("DHL", "JD0146", "in_transit", now)) == []


def test_the_sandbox_is_the_default_and_answers_from_the_tracking_number():
    assert isinstance(tracker(), SandboxCarrier)
    sandbox = SandboxCarrier()
    assert sandbox.status(carrier="DHL", tracking_number="SBX1D").status == "delivered"
    assert sandbox.status(carrier="DHL", tracking_number="SBX1X").status == "exception"
    assert sandbox.status(carrier="DHL", tracking_number="SBX17").status == "in_transit"
    assert sandbox.status(carrier="DHL", tracking_number=" ") is None


def test_the_poll_asks_the_carrier_about_parcels_not_yet_delivered(submitted, buyer, seller):
    d = _accepted(submitted, buyer, seller, "replacement")
    services.dispute_ship_replacement(
        dispute=d, actor=seller, carrier="DHL", tracking_number="SBX9D"
    )
    assert poll() == 1
    d = Dispute.objects.get(pk=d.pk)
    assert DisputeEvent.objects.filter(dispute=d, kind="carrier_delivered").count() == 1
    # Delivered: nothing left to ask about.
    assert poll() == 0


# --- who pays to ship the return -----------------------------------------------


def _decided_return(submitted, seller, buyer, mediator, **extra):
    d = services.dispute_reject_claim(dispute=submitted, actor=seller)
    d = services.dispute_escalate(dispute=d, actor=buyer, justification="We cannot agree at all.")
    d = case_take(dispute=d, actor=mediator)
    return services.dispute_decide(
        dispute=d,
        actor=mediator,
        outcome="return_and_refund",
        refund_amount="60.00",
        rationale="The mugs should come back before the money goes out.",
        **extra,
    )


def test_a_return_decision_says_the_seller_pays_when_the_evidence_supports_the_buyer(
    submitted, seller, buyer, mediator
):
    d = _decided_return(submitted, seller, buyer, mediator, reason_code="evidence_supports_buyer")
    event = DisputeEvent.objects.get(dispute=d, kind="decide")
    assert event.details["return_shipping_paid_by"] == "seller"
    assert "Return shipping paid by: The seller" in event_summary("decide", event.details, "USD")


def test_a_return_decision_says_the_buyer_pays_when_the_evidence_supports_the_seller(
    submitted, seller, buyer, mediator
):
    d = _decided_return(submitted, seller, buyer, mediator, reason_code="evidence_supports_seller")
    assert (
        DisputeEvent.objects.get(dispute=d, kind="decide").details["return_shipping_paid_by"]
        == "buyer"
    )


def test_the_mediator_may_say_the_platform_pays_and_the_pages_say_so(
    submitted, seller, buyer, mediator
):
    d = _decided_return(
        submitted,
        seller,
        buyer,
        mediator,
        reason_code="shared_fault",
        return_shipping_paid_by="platform",
    )
    for person in (buyer, seller):
        page = client_for(person).get(f"/disputes/{d.reference}/").content.decode()
        assert 'data-testid="decision-return-shipping">Paid by: The platform' in page
        assert "Return shipping is paid by the platform." in page


def test_an_unknown_payer_is_refused(submitted, seller, buyer, mediator):
    with pytest.raises(DisputeError) as refused:
        _decided_return(
            submitted,
            seller,
            buyer,
            mediator,
            reason_code="shared_fault",
            return_shipping_paid_by="the courier",
        )
    assert (refused.value.code, refused.value.field) == ("invalid", "return_shipping_paid_by")


def test_a_refund_decision_names_no_payer(submitted, seller, buyer, mediator):
    d = services.dispute_reject_claim(dispute=submitted, actor=seller)
    d = services.dispute_escalate(dispute=d, actor=buyer, justification="We cannot agree at all.")
    d = case_take(dispute=d, actor=mediator)
    d = services.dispute_decide(
        dispute=d,
        actor=mediator,
        outcome="partial_refund",
        refund_amount="30.00",
        reason_code="shared_fault",
        rationale="Both sides share the fault here, evenly.",
        return_shipping_paid_by="buyer",
    )
    assert (
        "return_shipping_paid_by" not in DisputeEvent.objects.get(dispute=d, kind="decide").details
    )
    page = client_for(buyer).get(f"/disputes/{d.reference}/").content.decode()
    assert "Return shipping" not in page


def test_an_agreed_return_is_shipped_at_the_seller_s_cost_says_the_return_page(
    submitted, buyer, seller
):
    d = _accepted(submitted, buyer, seller, "return_and_refund")
    page = client_for(buyer).get(f"/disputes/{d.reference}/").content.decode()
    assert "Return shipping is paid by the seller." in page
    assert "Ship the return" in page
