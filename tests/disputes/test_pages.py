"""The dispute page (track progress), the bell and the notification pages, per viewer."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import Notification, NotificationPreference
from mediation.services import case_take
from tests.conftest import client_for, open_dispute

pytestmark = pytest.mark.django_db


@pytest.fixture
def offered(submitted, seller):
    return services.dispute_make_offer(
        dispute=submitted, actor=seller, outcome="partial_refund", amount="30.00"
    )


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("buyer", 200),
        ("seller", 200),
        ("other_buyer", 404),
        ("other_seller", 404),
        ("mediator", 404),
        ("anonymous", 302),
    ],
)
def test_dispute_page_matrix(who, expected, request, offered):
    user = None if who == "anonymous" else request.getfixturevalue(who)
    response = client_for(user).get(reverse("disputes:detail", args=[offered.reference]))
    assert response.status_code == expected


def test_sellers_never_see_a_draft(draft, seller):
    assert (
        client_for(seller).get(reverse("disputes:detail", args=[draft.reference])).status_code
        == 404
    )


def test_mediators_see_cases_under_review(submitted, seller, buyer, mediator):
    d = services.dispute_reject_claim(dispute=submitted, actor=seller)
    d = services.dispute_escalate(
        dispute=d, actor=buyer, justification="No agreement is possible here."
    )
    client = client_for(mediator)
    html = client.get(reverse("disputes:detail", args=[d.reference])).content.decode()
    # Nobody has taken it yet: it waits on the platform, and offers no move (SPEC 13.6).
    assert "The platform is reviewing the case." in html
    assert "Request information" not in html
    case_take(dispute=d, actor=mediator)
    html = client.get(reverse("disputes:detail", args=[d.reference])).content.decode()
    assert "The platform is reviewing the case." not in html  # for its mediator, it is their move
    assert "You." in html
    assert "Request information" in html


def test_the_page_says_who_acts_the_deadline_rule_and_what_you_may_do(offered, buyer):
    html = (
        client_for(buyer).get(reverse("disputes:detail", args=[offered.reference])).content.decode()
    )
    assert "You." in html
    assert "The parties have 7 days to agree; then the platform reviews the case." in html
    assert "Accept the offer" in html
    assert "Cancel dispute" in html


def test_private_events_stay_private(submitted, seller, buyer, mediator):
    d = services.dispute_reject_claim(dispute=submitted, actor=seller)
    d = services.dispute_escalate(
        dispute=d, actor=buyer, justification="No agreement is possible here."
    )
    d = case_take(dispute=d, actor=mediator)
    services.dispute_request_info(
        dispute=d, actor=mediator, party="buyer", question="When did it arrive?"
    )
    services.note_add(dispute=d, actor=mediator, body="Seller has 3 similar cases.")
    seller_page = (
        client_for(seller).get(reverse("disputes:detail", args=[d.reference])).content.decode()
    )
    buyer_page = (
        client_for(buyer).get(reverse("disputes:detail", args=[d.reference])).content.decode()
    )
    assert "request_info" in buyer_page
    assert "request_info" not in seller_page
    assert ">note<" not in buyer_page
    assert ">note<" not in seller_page


def test_bell_counts_unread_and_opening_marks_read(offered, buyer):
    client = client_for(buyer)
    page = client.get(reverse("notifications")).content.decode()
    assert "a new offer" in page
    notification = Notification.objects.get(recipient=buyer)
    assert (
        'badge rounded-pill text-bg-danger">1<'
        in client.get(reverse("orders:list")).content.decode()
    )
    response = client.post(reverse("notification_read", args=[notification.pk]))
    assert response.url == reverse("disputes:detail", args=[offered.reference])
    assert 'text-bg-danger">1<' not in client.get(reverse("orders:list")).content.decode()


def test_nobody_can_read_someone_elses_notification(offered, other_buyer, buyer):
    notification = Notification.objects.get(recipient=buyer)
    response = client_for(other_buyer).post(reverse("notification_read", args=[notification.pk]))
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_email_preferences_per_category(buyer):
    client = client_for(buyer)
    client.post(reverse("notification_preferences"), {"email": ["case", "deadlines"]})
    off = set(
        NotificationPreference.objects.filter(user=buyer, email=False).values_list(
            "category", flat=True
        )
    )
    assert off == {"offers", "messages", "evidence"}
    page = client.get(reverse("notification_preferences")).content.decode()
    assert 'value="case" id="email-case" checked' in page
    assert 'value="offers" id="email-offers">' in page


def test_the_list_filters_searches_and_marks_your_move(submitted, seller, buyer, order):
    client = client_for(seller)
    html = client.get(reverse("disputes:list")).content.decode()
    assert submitted.reference in html
    assert 'data-testid="your-move"' in html
    assert (
        'data-testid="your-move"'
        not in client_for(buyer).get(reverse("disputes:list")).content.decode()
    )
    assert (
        submitted.reference
        not in client.get(reverse("disputes:list"), {"state": "closed"}).content.decode()
    )
    assert (
        submitted.reference
        in client.get(reverse("disputes:list"), {"q": order.reference}).content.decode()
    )
    assert (
        submitted.reference
        not in client.get(reverse("disputes:list"), {"type": "not_received"}).content.decode()
    )


@pytest.mark.parametrize("disputes", [1, 30])
def test_the_list_costs_the_same_with_1_or_30_disputes(
    disputes, buyer, seller, django_assert_num_queries
):
    from tests.factories import full_order

    for _ in range(disputes):
        services.dispute_submit(
            dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
        )
    client = client_for(seller)
    # user with the bell's count (the session is read from the cache), COUNT,
    # the page with order, parties and store
    with django_assert_num_queries(3):
        response = client.get(reverse("disputes:list"))
    assert response.content.decode().count('data-testid="your-move"') == min(
        disputes, 20
    )  # 20 a page
    pages = 1 if disputes <= 20 else 2
    assert (f"Page 1 of {pages}" in response.content.decode()) is (pages > 1)


def _references(response) -> list[str]:
    import re

    return re.findall(r'class="order-ref" href="[^"]+">(DSP-[A-Z0-9]+)<', response.content.decode())


def test_the_list_pages_through_every_dispute_once(buyer, seller):
    from tests.factories import full_order

    for _ in range(45):
        services.dispute_submit(
            dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
        )
    client = client_for(seller)
    url = reverse("disputes:list")
    seen = []
    for number, rows in ((1, 20), (2, 20), (3, 5)):
        response = client.get(url, {"page": number})
        assert f"Page {number} of 3" in response.content.decode()
        assert len(_references(response)) == rows
        seen += _references(response)
    assert len(set(seen)) == 45
    # Past the end: the last page; not a number: the first.
    assert _references(client.get(url, {"page": 99})) == seen[40:]
    assert _references(client.get(url, {"page": "two"})) == seen[:20]
