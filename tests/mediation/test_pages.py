"""The mediation pages: who may open what (one matrix), the queue's filters and counts,
the case view, and the decision citing evidence that both parties then read."""

from __future__ import annotations

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import Decision, Dispute, DisputeEvent, MediatorNote, Message
from evidence.models import Evidence
from tests.conftest import client_for
from tests.factories import MediatorFactory, make_lead, make_senior
from tests.mediation.conftest import new_case, on_roster

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(buyer, seller, mediator, order):
    """Mia works the case; Max is another mediator; Selma a senior; Lena the lead."""
    on_roster(mediator)
    case = new_case(buyer=buyer, seller=seller)
    other = on_roster(MediatorFactory(email="max@example.com", name="Max Moreau"))
    senior = make_senior(MediatorFactory(email="selma@example.com", name="Selma Senior"))
    lead = make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead"))
    assert Dispute.objects.get(pk=case.pk).assigned_mediator_id == mediator.pk
    return {
        "case": Dispute.objects.get(pk=case.pk),
        "buyer": buyer,
        "seller": seller,
        "mediator": mediator,
        "other mediator": other,
        "senior": senior,
        "lead": lead,
        "anonymous": None,
    }


ROLES = ("buyer", "seller", "mediator", "other mediator", "senior", "lead", "anonymous")
LOGIN = 302  # anonymous: to the login page

# page -> expected status per role, in ROLES order.
MATRIX = {
    "queue": (403, 403, 200, 200, 200, 200, LOGIN),
    "case": (404, 404, 200, 200, 200, 200, LOGIN),
    # The case is the mediator's; a lead may step in on it ("the assigned mediator, or a lead").
    "note": (404, 404, 302, 403, 403, 302, LOGIN),
    "message": (404, 404, 302, 403, 403, 302, LOGIN),
    "request_info": (404, 404, 302, 403, 403, 302, LOGIN),
    "decide": (404, 404, 302, 403, 403, 302, LOGIN),
    "take": (404, 404, 302, 302, 302, 302, LOGIN),
    "reassign_page": (403, 403, 403, 403, 403, 200, LOGIN),
    "reassign": (403, 403, 403, 403, 403, 302, LOGIN),
}


def _hit(page, client, case, people):
    ref = case.reference
    if page == "queue":
        return client.get(reverse("mediation:queue"))
    if page == "case":
        return client.get(reverse("mediation:case", args=[ref]))
    if page == "note":
        return client.post(reverse("mediation:note", args=[ref]), {"note-body": "Looks staged."})
    if page == "message":
        return client.post(
            reverse("mediation:message", args=[ref]),
            {"message-body": "Please be patient.", "message-visibility": "all"},
        )
    if page == "request_info":
        return client.post(
            reverse("mediation:act", args=[ref, "request_info"]),
            {"request_info-party": "seller", "request_info-question": "Tracking?"},
        )
    if page == "decide":
        return client.post(
            reverse("mediation:act", args=[ref, "decide"]),
            {
                "decide-outcome": "partial_refund",
                "decide-refund_amount": "30.00",
                "decide-reason_code": "shared_fault",
                "decide-rationale": "Both sides share the fault here, evenly.",
            },
        )
    if page == "take":
        return client.post(reverse("mediation:take", args=[ref]))
    if page == "reassign_page":
        return client.get(reverse("mediation:reassign") + f"?cases={ref}")
    return client.post(
        reverse("mediation:reassign"),
        {"cases": ref, "mediator": people["other mediator"].pk},
    )


@pytest.mark.parametrize("page", list(MATRIX))
@pytest.mark.parametrize("role", ROLES)
def test_mediation_permission_matrix(page, role, people):
    case = people["case"]
    response = _hit(page, client_for(people[role]), case, people)
    expected = MATRIX[page][ROLES.index(role)]
    assert response.status_code == expected, (page, role, response.status_code)
    if expected == LOGIN and role == "anonymous":
        assert "/accounts/login/" in response["Location"]
    after = Dispute.objects.get(pk=case.pk)
    # What a refused request leaves behind: nothing.
    works = role in ("mediator", "lead")
    if page == "decide":
        assert (after.state == "resolved") == works
    if page == "request_info":
        assert (after.state == "awaiting_info") == works
    if page == "message":
        assert Message.objects.filter(dispute=case).exists() == works
    if page == "note":
        assert MediatorNote.objects.filter(dispute=case).exists() == works
    if page == "take":
        # Mia's case stays hers: nobody takes an assigned case.
        assert after.assigned_mediator_id == people["mediator"].pk
    if page == "reassign":
        moved = role == "lead"
        assert (after.assigned_mediator_id == people["other mediator"].pk) == moved


def test_the_queue_shows_platform_cases_by_deadline_with_counts(people, mediator):
    other = people["other mediator"]
    second = new_case()  # the least loaded is Max now
    assert second.assigned_mediator_id == other.pk
    client = client_for(mediator)
    html = client.get(reverse("mediation:queue")).content.decode()
    assert html.index(people["case"].reference) < html.index(
        second.reference
    )  # earlier deadline first
    assert "2 cases match" in html
    mine = client.get(reverse("mediation:queue") + "?assigned=me").content.decode()
    assert people["case"].reference in mine
    assert second.reference not in mine
    assert "1 case matches" in mine
    # Counts per filter, whatever the current one.
    assert 'data-testid="assigned-me"' in mine
    bad = client.get(reverse("mediation:queue") + "?min_amount=lots&older_than_days=-3")
    assert bad.status_code == 200
    page = bad.content.decode()
    assert "Enter an amount such as 25.00." in page
    assert "Enter a number of days." in page
    big = client.get(reverse("mediation:queue") + "?min_amount=1000").content.decode()
    assert "No case matches." in big


def test_appeals_are_in_the_queue_for_seniors_only(people, mediator):
    case = services.dispute_decide(
        dispute=people["case"],
        actor=mediator,
        outcome="partial_refund",
        refund_amount="30.00",
        reason_code="shared_fault",
        rationale="Both sides share the fault here, evenly.",
    )
    services.dispute_appeal(
        dispute=case, actor=case.buyer, explanation="The damage is far worse than was counted."
    )
    assert (
        case.reference not in client_for(mediator).get(reverse("mediation:queue")).content.decode()
    )
    senior_page = client_for(people["senior"]).get(reverse("mediation:queue")).content.decode()
    assert case.reference in senior_page


def test_taking_an_unassigned_case_from_the_queue(buyer, seller, mediator):
    case = new_case()  # nobody on the roster: unassigned
    assert case.assigned_mediator_id is None
    client = client_for(mediator)
    assert (
        "Take" in client.get(reverse("mediation:queue") + "?assigned=unassigned").content.decode()
    )
    response = client.post(reverse("mediation:take", args=[case.reference]))
    assert response.status_code == 302
    assert Dispute.objects.get(pk=case.pk).assigned_mediator_id == mediator.pk
    event = DisputeEvent.objects.filter(dispute=case).order_by("-seq").first()
    assert (event.kind, event.details["why"], event.actor_id) == ("assigned", "take", mediator.pk)


def _evidence(case, uploader, role, n, visibility="parties"):
    return [
        Evidence.objects.create(
            dispute=case,
            uploader=uploader,
            uploader_role=role,
            kind="photo",
            file=f"evidence/{case.pk}/{role}-{i}-{visibility}.jpg",
            original_name=f"{role}-{visibility}-photo-{i}.jpg",
            content_type="image/jpeg",
            size=1000 + i,
            sha256=f"{i:02d}{role[:1]}{visibility[:1]}".ljust(64, "a"),
            thumbnail_status="none",
            visibility=visibility,
        )
        for i in range(n)
    ]


def test_a_decision_cites_evidence_and_both_parties_read_it(people, mediator, buyer, seller):
    case = people["case"]
    photo, *_rest = _evidence(case, buyer, "buyer", 2)
    invoice, private = _evidence(case, seller, "seller", 1) + _evidence(
        case, seller, "seller", 1, visibility="mediator"
    )
    client = client_for(mediator)
    page = client.get(reverse("mediation:case", args=[case.reference])).content.decode()
    assert photo.sha256 in page
    assert invoice.sha256 in page
    # A foreign item is refused next to the field, and nothing is decided.
    foreign_case = new_case()
    foreign = _evidence(foreign_case, foreign_case.buyer, "buyer", 1)[0]
    form = {
        "decide-outcome": "partial_refund",
        "decide-refund_amount": "500.00",
        "decide-reason_code": "evidence_supports_buyer",
        "decide-rules_applied": "Terms 4.2: goods must arrive fit for use.",
        "decide-rationale": "The buyer's photos show the damage; the invoice confirms the count.",
        "decide-evidence_ids": [photo.pk, foreign.pk],
    }
    refused = client.post(reverse("mediation:act", args=[case.reference, "decide"]), form)
    assert refused.status_code == 400
    assert "is not one of the available choices" in refused.content.decode()
    form["decide-evidence_ids"] = [photo.pk, invoice.pk, private.pk]
    too_much = client.post(reverse("mediation:act", args=[case.reference, "decide"]), form)
    assert too_much.status_code == 400
    assert "At most 120.00 USD can be refunded" in too_much.content.decode()
    form["decide-refund_amount"] = "45.00"
    done = client.post(reverse("mediation:act", args=[case.reference, "decide"]), form)
    assert done.status_code == 302
    decision = Decision.objects.get(dispute=case)
    assert set(decision.evidence.values_list("pk", flat=True)) == {photo.pk, invoice.pk, private.pk}
    event = DisputeEvent.objects.get(dispute=case, kind="decide")
    assert [e["sha256"] for e in event.details["evidence"]] == [
        photo.sha256,
        invoice.sha256,
        private.sha256,
    ]
    for party in (buyer, seller):
        html = (
            client_for(party)
            .get(reverse("disputes:detail", args=[case.reference]))
            .content.decode()
        )
        assert "evidence_supports_buyer" in html
        assert "Terms 4.2: goods must arrive fit for use." in html
        assert "The buyer&#x27;s photos show the damage" in html
        assert photo.original_name in html
        assert invoice.original_name in html
        # The seller's private document is cited: the seller (its uploader) sees it,
        # the buyer only learns that one more item was relied on.
        if party == buyer:
            assert private.original_name not in html
            assert "and 1 item shared with the mediator only" in html
        else:
            assert private.original_name in html
    # The service refuses another case's item for API callers too.
    from disputes.errors import InvalidInput

    other_case = Dispute.objects.get(pk=foreign_case.pk)
    with pytest.raises(InvalidInput) as refused_api:
        services.dispute_decide(
            dispute=other_case,
            actor=Dispute.objects.get(pk=other_case.pk).assigned_mediator or mediator,
            outcome="claim_rejected",
            refund_amount=0,
            reason_code="other",
            rationale="Nothing shows the claimed damage at all.",
            evidence_ids=[photo.pk],
        )
    assert refused_api.value.field == "evidence_ids"


def test_request_info_with_a_deadline_of_the_mediators_choosing(people, mediator, seller):
    case = people["case"]
    client = client_for(mediator)
    bad = client.post(
        reverse("mediation:act", args=[case.reference, "request_info"]),
        {
            "request_info-party": "seller",
            "request_info-question": "",
            "request_info-respond_within_days": "90",
        },
    )
    assert bad.status_code == 400
    assert "This field is required." in bad.content.decode()
    assert "less than or equal to 30" in bad.content.decode()
    ok = client.post(
        reverse("mediation:act", args=[case.reference, "request_info"]),
        {
            "request_info-party": "seller",
            "request_info-question": "What is the tracking number?",
            "request_info-respond_within_days": "2",
        },
    )
    assert ok.status_code == 302
    d = Dispute.objects.get(pk=case.pk)
    assert (d.state, d.info_requested_from) == ("awaiting_info", "seller")
    assert (d.deadline_at - d.deadline_started_at).days == 2
    seller_page = client_for(seller).get(reverse("disputes:detail", args=[case.reference]))
    assert "provide_info" in seller_page.content.decode()
    # The seller reads the time the mediator gave, not the usual five days.
    assert "The seller has 2 days to answer the mediator" in seller_page.content.decode()


def test_notes_stay_private_and_messages_reach_one_party(people, mediator, buyer, seller):
    case = people["case"]
    client = client_for(mediator)
    client.post(
        reverse("mediation:note", args=[case.reference]), {"note-body": "Seller seems evasive."}
    )
    client.post(
        reverse("mediation:message", args=[case.reference]),
        {"message-body": "Please upload the courier receipt.", "message-visibility": "seller"},
    )
    page = client.get(reverse("mediation:case", args=[case.reference])).content.decode()
    assert "Seller seems evasive." in page
    assert "Please upload the courier receipt." in page
    buyer_page = (
        client_for(buyer).get(reverse("disputes:detail", args=[case.reference])).content.decode()
    )
    seller_page = (
        client_for(seller).get(reverse("disputes:detail", args=[case.reference])).content.decode()
    )
    assert "Seller seems evasive." not in buyer_page + seller_page
    assert "Please upload the courier receipt." in seller_page
    assert "Please upload the courier receipt." not in buyer_page
    empty = client.post(reverse("mediation:note", args=[case.reference]), {"note-body": "  "})
    assert empty.status_code == 400
    assert "This field is required." in empty.content.decode()


def test_a_lead_cannot_hand_a_case_to_one_of_its_parties(people):
    lead, case = people["lead"], people["case"]
    # A mediator who bought this very order.
    party = on_roster(MediatorFactory())
    Dispute.objects.filter(pk=case.pk).update(buyer=party)
    response = client_for(lead).post(
        reverse("mediation:reassign"), {"cases": case.reference, "mediator": party.pk}
    )
    assert response.status_code == 400
    assert "A party to the case cannot mediate it." in response.content.decode()
    assert Dispute.objects.get(pk=case.pk).assigned_mediator_id == people["mediator"].pk


def test_taking_a_case_someone_took_first_says_so_in_the_queue(people):
    case = people["case"]  # Mia's already
    client = client_for(people["other mediator"])
    response = client.post(
        reverse("mediation:take", args=[case.reference]), {"next": "queue"}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("mediation:queue")
    assert "Someone else has taken this case; a lead can reassign it." in response.content.decode()
    assert Dispute.objects.get(pk=case.pk).assigned_mediator_id == people["mediator"].pk


def test_the_queue_counts_are_kept_a_while_and_say_as_of_when(people, mediator, settings):
    """The counts per filter (a pass over every open case) are cached per mediator;
    the rows are live: a new case is listed at once, counted once the counts expire."""
    client = client_for(mediator)
    first = client.get(reverse("mediation:queue")).content.decode()
    assert "1 case matches" in first
    assert 'data-testid="counts-as-of"' in first
    second = new_case()
    kept = client.get(reverse("mediation:queue")).content.decode()
    assert second.reference in kept
    assert "1 case matches" in kept
    settings.MEDIATION_QUEUE_COUNTS_CACHE_SECONDS = 0
    live = client.get(reverse("mediation:queue")).content.decode()
    assert "2 cases match" in live
