"""Query counts of the queue and the case view (ARCHITECTURE rule 8): the same with one
case and with 200, with no evidence and with 30 items, a long timeline and a decision."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from disputes import services
from disputes.choices import DisputeState
from disputes.models import Dispute
from evidence.models import Evidence
from mediation.models import CannedReply
from orders.conversation import order_message_post
from tests.conftest import client_for
from tests.factories import DisputeFactory, MediatorFactory
from tests.mediation.conftest import new_case, on_roster

pytestmark = pytest.mark.django_db


def _open_cases(n, mediators):
    now = timezone.now()
    for i in range(n):
        DisputeFactory(
            state=[DisputeState.UNDER_REVIEW, DisputeState.AWAITING_INFO][i % 2],
            deadline_at=now + timedelta(hours=i),
            deadline_rule="mediator_review",
            submitted_at=now - timedelta(days=i % 9),
            assigned_mediator=mediators[i % len(mediators)] if i % 3 else None,
        )


@pytest.mark.parametrize("cases", [1, 200])
def test_the_queue_costs_the_same_with_1_or_200_cases(cases, mediator, django_assert_num_queries):
    other = MediatorFactory()
    _open_cases(cases, [mediator, other])
    client = client_for(mediator)
    url = reverse("mediation:queue") + "?assigned=everyone&older_than_days=0&min_amount=1"
    # user with their seniority (appeals in the queue or not) and the bell's count
    # (disputes_site.auth_backends), the session coming from the cache; the counts
    # per filter with the number matching (one aggregate, also the paginator's
    # total); the page's rows with order and mediator (the page's ids picked from
    # the index in a subquery)
    with django_assert_num_queries(3):
        response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode().count('data-testid="queue-row"') == min(cases, 25)
    # The counts are kept a while (the page says as of when): one query fewer.
    with django_assert_num_queries(2):
        again = client.get(url)
    assert again.content.decode().count('data-testid="queue-row"') == min(cases, 25)


def _items(case, n):
    Evidence.objects.bulk_create(
        Evidence(
            dispute=case,
            uploader=case.buyer if i % 2 else case.seller,
            uploader_role="buyer" if i % 2 else "seller",
            kind="photo",
            file=f"evidence/{case.pk}/{i}.jpg",
            original_name=f"photo-{i}.jpg",
            content_type="image/jpeg",
            size=2000,
            sha256=f"{i:064d}",
            thumbnail_status="none",
        )
        for i in range(n)
    )


@pytest.mark.parametrize(("items", "busy"), [(0, False), (30, True)])
@pytest.mark.parametrize("decided", [False, True], ids=["under review", "decided"])
def test_the_case_view_costs_the_same_with_1_or_30_items(
    items, busy, decided, mediator, django_assert_num_queries
):
    on_roster(mediator)
    case = new_case()
    _items(case, items)
    if busy:
        # 200 other open cases, and a long timeline of messages and private notes.
        _open_cases(200, [mediator])
        for n in range(20):
            order_message_post(order=case.order, actor=case.seller, body=f"Before {n}")
            services.message_post(dispute=case, actor=case.buyer, body=f"Message {n}")
            services.note_add(dispute=case, actor=mediator, body=f"Note {n}")
        # and a library of 40 canned replies, each with every placeholder.
        now = timezone.now()
        CannedReply.objects.bulk_create(
            CannedReply(
                title=f"Reply {n}",
                body="{buyer_name} {seller_name} {store} {order} {deadline} {refund_amount}",
                updated_by=mediator,
                updated_at=now,
                created_at=now,
            )
            for n in range(40)
        )
    if decided:
        case = services.dispute_decide(
            dispute=Dispute.objects.get(pk=case.pk),
            actor=mediator,
            outcome="partial_refund",
            refund_amount="20.00",
            reason_code="shared_fault",
            rationale="Both sides share the fault here, evenly.",
            evidence_ids=list(Evidence.objects.filter(dispute=case).values_list("pk", flat=True)),
        )
    client = client_for(mediator)
    # user with their seniority (may take; the session is read from the cache), the case (with order, payment, shipment, parties, store,
    # mediator, decider), evidence, timeline, messages, notes, offers, the order's
    # conversation before the dispute, appeals,
    # decisions, [the decisions' cited evidence, when there is a decision],
    # the lead permission (user and group permissions), [the canned replies in use,
    # while the case is open: they are filled for the case from what is loaded
    # already]; the bell's count comes with the user
    cited, canned = (1, 0) if decided else (0, 1)
    expected = 12 + cited + canned
    url = reverse("mediation:case", args=[case.reference])
    with django_assert_num_queries(expected):
        response = client.get(url)
    html = response.content.decode()
    replies = 40 if busy and not decided else 0
    assert len(response.context["canned"].replies) == replies
    if replies:
        # A reply inserted without the page script (?canned=…) costs nothing more.
        first = CannedReply.objects.order_by("id").first()
        with django_assert_num_queries(expected):
            filled = client.get(url, {"canned": first.pk, "into": "message"})
        assert filled.context["message_form"]["body"].value().startswith(str(case.buyer))
    assert html.count('data-testid="case-evidence"') == items
    assert html.count('data-testid="note"') == (20 if busy else 0)
    assert html.count('data-testid="cited-item"') == (items if decided else 0)
    if not decided:
        # The decision form offers every item of the case as "evidence relied on".
        assert html.count('name="decide-evidence_ids"') == items
