"""The dispute journey through the pages (server side): Start a dispute, review and
confirm, the action forms, messages; errors next to their field with the input kept."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes.choices import DisputeState
from disputes.models import Dispute, Message
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

GOOD = {
    "type": "quality",
    "reason": "damaged",
    "received_on": "2026-01-05",
    "affected_quantity": "6",
    "description": "Six of the twelve mugs arrived broken.",
    "claimed_amount": "60.00",
    "requested_outcome": "partial_refund",
}


def test_start_a_dispute_saves_a_draft_then_review_and_confirm_submits(order, buyer, seller):
    client = client_for(buyer)
    assert (
        "Start a dispute"
        in client.get(reverse("orders:detail", args=[order.reference])).content.decode()
    )
    response = client.post(reverse("orders:start_dispute", args=[order.reference]), GOOD)
    dispute = Dispute.objects.get(order=order)
    assert response.url == reverse("disputes:detail", args=[dispute.reference])
    assert dispute.facts == {"received_on": "2026-01-05", "affected_quantity": 6}
    page = client.get(response.url).content.decode()
    assert "Review and confirm" in page
    assert "Submit dispute" in page
    # Leaving and coming back: the form shows what was saved.
    again = client.get(reverse("orders:start_dispute", args=[order.reference])).content.decode()
    assert "Six of the twelve mugs arrived broken." in again
    client.post(reverse("disputes:act", args=[dispute.reference, "submit"]), {})
    dispute.refresh_from_db()
    assert dispute.state == DisputeState.AWAITING_SELLER
    assert dispute.reference in client_for(seller).get(reverse("disputes:list")).content.decode()


def test_bad_input_on_start_keeps_everything_typed(order, buyer):
    data = GOOD | {"claimed_amount": "999.00", "description": "Broken mugs, most of them"}
    response = client_for(buyer).post(reverse("orders:start_dispute", args=[order.reference]), data)
    assert response.status_code == 400  # sent back with its errors (its key still usable)
    html = response.content.decode()
    assert "You can claim at most 120.00 USD" in html
    assert 'value="999.00"' in html
    assert "Broken mugs, most of them" in html
    assert not Dispute.objects.exists()
    empty = client_for(buyer).post(
        reverse("orders:start_dispute", args=[order.reference]), {"type": "quality"}
    )
    assert empty.content.decode().count("This field is required.") >= 3


def test_sellers_and_strangers_cannot_start_one(order, seller, other_buyer):
    assert (
        client_for(seller).get(reverse("orders:start_dispute", args=[order.reference])).status_code
        == 404
    )
    assert (
        client_for(other_buyer)
        .get(reverse("orders:start_dispute", args=[order.reference]))
        .status_code
        == 404
    )


def test_an_action_error_shows_next_to_its_field_with_the_input_kept(submitted, seller):
    response = client_for(seller).post(
        reverse("disputes:act", args=[submitted.reference, "make_offer"]),
        {
            "make_offer-outcome": "partial_refund",
            "make_offer-amount": "500.00",
            "make_offer-note": "Keep this note",
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "At most 120.00 USD can be refunded on this order." in html
    assert 'value="500.00"' in html
    assert "Keep this note" in html
    assert '<details class="border rounded p-2 mb-2" open data-action="make_offer">' in html


def test_cancel_needs_the_confirmation(submitted, buyer):
    client = client_for(buyer)
    refused = client.post(
        reverse("disputes:act", args=[submitted.reference, "cancel"]), {"cancel-reason": "Sorted"}
    )
    assert refused.status_code == 400
    submitted.refresh_from_db()
    assert submitted.state == DisputeState.AWAITING_SELLER
    client.post(
        reverse("disputes:act", args=[submitted.reference, "cancel"]),
        {"cancel-reason": "Sorted", "cancel-confirm": "on"},
    )
    submitted.refresh_from_db()
    assert submitted.state == DisputeState.CANCELLED


def test_an_action_the_viewer_may_not_take_is_refused(submitted, buyer):
    client = client_for(buyer)
    response = client.post(
        reverse("disputes:act", args=[submitted.reference, "accept_claim"]), {}, follow=True
    )
    assert "is not possible now" in response.content.decode()
    submitted.refresh_from_db()
    assert submitted.state == DisputeState.AWAITING_SELLER


def test_contact_seller_posts_to_the_thread(submitted, buyer, seller):
    client = client_for(buyer)
    page = client.get(reverse("disputes:detail", args=[submitted.reference])).content.decode()
    assert "Contact seller" in page
    assert (
        "Contact buyer"
        in client_for(seller)
        .get(reverse("disputes:detail", args=[submitted.reference]))
        .content.decode()
    )
    client.post(
        reverse("disputes:message", args=[submitted.reference]),
        {"message-body": "Photos attached."},
    )
    assert Message.objects.get().body == "Photos attached."
    thread = (
        client_for(seller)
        .get(reverse("disputes:thread", args=[submitted.reference]))
        .content.decode()
    )
    assert "Photos attached." in thread
