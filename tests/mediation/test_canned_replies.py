"""Canned replies (issue 15, item 5): the placeholders and their safe filling, the
leads' library (pages, admin, services), and a mediator inserting a reply on the
case page, with and without the page script, and sending it the usual way."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from disputes.errors import InvalidInput, NotALead
from disputes.models import Dispute, Message
from mediation import canned_services
from mediation.canned import PLACEHOLDERS, render, unknown_placeholders, values_for
from mediation.models import CannedReply
from tests.conftest import client_for
from tests.factories import BuyerFactory, MediatorFactory, SellerFactory, full_order, make_lead
from tests.mediation.conftest import escalated, new_case, on_roster

pytestmark = pytest.mark.django_db

ASK = "Dear {seller_name}, please send the proof of shipment for {order} ({store})."


def _reply(lead, title="Proof of shipment", body=ASK):
    return canned_services.canned_reply_create(actor=lead, title=title, body=body)


@pytest.fixture
def case(mediator):
    """A case under review assigned to Mia, between Bea Buyer and Sam Seller's store."""
    on_roster(mediator)
    buyer = BuyerFactory(name="Bea Buyer")
    seller = SellerFactory(name="Sam Seller", seller_profile__store_name="Harbour Ceramics")
    return escalated(full_order(buyer=buyer, seller=seller))


# --- Placeholders ----------------------------------------------------------------


def test_every_placeholder_is_filled_from_the_case(case, mediator):
    values = values_for(case, mediator, timezone.now())
    assert set(values) == set(PLACEHOLDERS)
    text = render(" ".join("{" + name + "}" for name in PLACEHOLDERS), values)
    assert "{" not in text
    assert values["buyer_name"] == "Bea Buyer"
    assert values["seller_name"] == "Sam Seller"
    assert values["store"] == "Harbour Ceramics"
    assert values["reference"] == case.reference
    assert values["order"] == case.order.reference
    assert values["amount_paid"] == f"{case.order.amount_paid:,} USD"
    assert values["claimed_amount"] == f"{case.claimed_amount:,} USD"
    assert values["refund_amount"] == "(no refund set yet)"
    assert values["mediator_name"] == "Mia Mediator"


def test_the_deadline_reads_as_a_date_and_the_time_left(case, mediator):
    now = case.deadline_at - timedelta(days=2, hours=3)
    values = values_for(case, mediator, now)
    assert values["deadline"].endswith("UTC (2 days, 3 hours from now)")
    assert str(case.deadline_at.year) in values["deadline"]
    assert values["deadline_rule"].startswith("The platform")
    late = values_for(case, mediator, case.deadline_at + timedelta(hours=1))
    assert late["deadline"].endswith("UTC (passed)")


def test_a_case_without_a_deadline_or_store_still_reads(case, mediator):
    case.seller.seller_profile.delete()
    case = Dispute.objects.select_related("order", "buyer", "seller").get(pk=case.pk)
    case.deadline_at, case.deadline_rule = None, ""
    values = values_for(case, mediator, timezone.now())
    assert values["store"] == "Sam Seller"
    assert values["deadline"] == values["deadline_rule"] == "(no deadline is running)"


def test_filling_never_reaches_into_objects_or_fills_twice():
    values = {"buyer_name": "{seller_name}", "seller_name": "Sam"}
    # A name is a key of a dict of strings: no attribute, index or format spec.
    assert render("{buyer.password} {0.__class__} {buyer_name!r}", values) == (
        "{buyer.password} {0.__class__} {buyer_name!r}"
    )
    # What a value brings in is not read again.
    assert render("Hello {buyer_name}", values) == "Hello {seller_name}"


def test_unknown_placeholders_are_named_once_each():
    body = "{buyer_name} {buyer.password} { buyer_name } {buyer.password} {amount}"
    assert unknown_placeholders(body) == ["buyer.password", " buyer_name ", "amount"]
    assert unknown_placeholders("No braces at all: 100 % fine.") == []


# --- The leads' services ---------------------------------------------------------


def test_only_a_lead_writes_the_library(lead, mediator):
    with pytest.raises(NotALead):
        _reply(mediator)
    reply = _reply(lead)
    for write in (canned_services.canned_reply_retire, canned_services.canned_reply_restore):
        with pytest.raises(NotALead):
            write(actor=mediator, reply=reply)
    with pytest.raises(NotALead):
        canned_services.canned_reply_edit(actor=mediator, reply=reply, title="x", body="y")
    assert (reply.updated_by, reply.retired_at) == (lead, None)


def test_an_unknown_placeholder_or_a_title_taken_is_refused(lead):
    _reply(lead)
    with pytest.raises(InvalidInput) as unknown:
        _reply(lead, title="Other", body="Hello {buyer.password}")
    assert unknown.value.field == "body"
    assert "{buyer.password}" in unknown.value.message
    with pytest.raises(InvalidInput) as taken:
        _reply(lead, title="PROOF of shipment ")
    assert taken.value.field == "title"
    assert CannedReply.objects.count() == 1


def test_a_retired_reply_is_kept_and_can_come_back(lead):
    reply = _reply(lead)
    canned_services.canned_reply_retire(actor=lead, reply=reply)
    assert CannedReply.objects.get(pk=reply.pk).retired_at is not None
    other_lead = make_lead(MediatorFactory())
    canned_services.canned_reply_restore(actor=other_lead, reply=reply)
    reply.refresh_from_db()
    assert (reply.retired_at, reply.updated_by) == (None, other_lead)


# --- The library's pages ---------------------------------------------------------


def _pages(reply):
    return {
        "library": ("get", reverse("mediation:canned_replies")),
        "new": ("get", reverse("mediation:canned_reply_new")),
        "edit": ("get", reverse("mediation:canned_reply_edit", args=[reply.pk])),
        "retire": ("post", reverse("mediation:canned_reply_retire", args=[reply.pk])),
        "restore": ("post", reverse("mediation:canned_reply_restore", args=[reply.pk])),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("buyer", {"library": 403, "new": 403, "edit": 403, "retire": 403, "restore": 403}),
        ("seller", {"library": 403, "new": 403, "edit": 403, "retire": 403, "restore": 403}),
        ("mediator", {"library": 200, "new": 403, "edit": 403, "retire": 403, "restore": 403}),
        ("senior", {"library": 200, "new": 403, "edit": 403, "retire": 403, "restore": 403}),
        ("lead", {"library": 200, "new": 200, "edit": 200, "retire": 302, "restore": 302}),
        ("anon", {"library": 302, "new": 302, "edit": 302, "retire": 302, "restore": 302}),
    ],
)
def test_who_reaches_the_library_pages(role, expected, lead, buyer, seller, mediator, senior):
    reply = _reply(lead)
    people = {"buyer": buyer, "seller": seller, "mediator": mediator, "senior": senior}
    client = client_for(lead if role == "lead" else people.get(role))
    answers = {}
    for name, (method, url) in _pages(reply).items():
        answers[name] = getattr(client, method)(url).status_code
    assert answers == expected
    if role not in ("lead", "anon"):
        # Refused: the reply is as the lead left it.
        reply.refresh_from_db()
        assert reply.retired_at is None


def test_the_queue_leads_to_the_library(mediator):
    html = client_for(mediator).get(reverse("mediation:queue")).content.decode()
    assert f'href="{reverse("mediation:canned_replies")}">Canned replies</a>' in html


def test_parties_never_read_the_library(lead, buyer):
    _reply(lead)
    page = client_for(buyer).get(reverse("mediation:canned_replies"))
    assert page.status_code == 403
    assert "proof of shipment" not in page.content.decode()


def test_a_lead_writes_edits_and_retires_a_reply_mediators_see_only_those_in_use(lead, mediator):
    client = client_for(lead)
    answer = client.post(
        reverse("mediation:canned_reply_new"),
        {"title": "Photos please", "body": "Dear {buyer_name}, photos of {order}, please."},
    )
    assert answer.status_code == 302
    reply = CannedReply.objects.get(title="Photos please")
    assert reply.updated_by == lead
    client.post(
        reverse("mediation:canned_reply_edit", args=[reply.pk]),
        {"title": "Photos of the damage", "body": "Dear {buyer_name}, photos, please."},
    )
    _reply(lead)
    client.post(reverse("mediation:canned_reply_retire", args=[reply.pk]))
    lead_page = client.get(reverse("mediation:canned_replies")).content.decode()
    assert lead_page.count('data-testid="canned-reply"') == 2
    assert "Photos of the damage" in lead_page
    assert "retired" in lead_page
    mediator_page = client_for(mediator).get(reverse("mediation:canned_replies")).content.decode()
    assert mediator_page.count('data-testid="canned-reply"') == 1
    assert "Photos of the damage" not in mediator_page
    assert "Proof of shipment" in mediator_page
    assert "New canned reply" not in mediator_page
    assert ">Retire" not in mediator_page


def test_an_unknown_placeholder_is_refused_next_to_the_text_with_the_typed_text_kept(lead):
    typed = "Dear {buyer_name}, your password is {buyer.password}."
    answer = client_for(lead).post(
        reverse("mediation:canned_reply_new"), {"title": "Sneaky", "body": typed}
    )
    assert answer.status_code == 400
    form = answer.context["form"]
    assert form.errors["body"][0].startswith("Unknown placeholder {buyer.password}. Use only:")
    html = answer.content.decode()
    assert "Dear {buyer_name}, your password is {buyer.password}." in html
    assert not CannedReply.objects.exists()


def test_a_title_taken_is_refused_next_to_the_title(lead):
    _reply(lead)
    answer = client_for(lead).post(
        reverse("mediation:canned_reply_new"), {"title": "proof of shipment", "body": "Hello."}
    )
    assert answer.status_code == 400
    assert answer.context["form"].errors["title"] == [
        "A canned reply with this title exists already."
    ]


# --- The admin ---------------------------------------------------------------------


def test_the_admin_is_for_leads_and_refuses_an_unknown_placeholder(lead, mediator):
    lead.is_staff = True
    lead.save()
    mediator.is_staff = True
    mediator.save()
    url = reverse("admin:mediation_cannedreply_add")
    assert client_for(mediator).get(url).status_code == 403
    client = client_for(lead)
    refused = client.post(url, {"title": "Odd", "body": "Hi {buyer.email}"})
    assert refused.status_code == 200
    assert "Unknown placeholder {buyer.email}" in refused.content.decode()
    saved = client.post(url, {"title": "Fine", "body": "Hi {buyer_name}"})
    assert saved.status_code == 302
    reply = CannedReply.objects.get()
    assert (reply.title, reply.updated_by) == ("Fine", lead)
    client.post(
        reverse("admin:mediation_cannedreply_changelist"),
        {"action": "retire", "_selected_action": [reply.pk]},
    )
    reply.refresh_from_db()
    assert reply.retired_at is not None


# --- On the case page -------------------------------------------------------------


def test_the_case_page_offers_the_replies_in_use_filled_for_the_case(case, lead, mediator):
    _reply(lead)
    retired = _reply(lead, title="Old one", body="Old text")
    canned_services.canned_reply_retire(actor=lead, reply=retired)
    page = client_for(mediator).get(reverse("mediation:case", args=[case.reference]))
    html = page.content.decode()
    # Next to the message box and the request for information's question.
    assert html.count('data-testid="canned-insert"') == 2
    assert ">Proof of shipment</option>" in html
    assert "Old one" not in html
    texts = page.context["canned"].texts
    assert list(texts.values()) == [
        f"Dear Sam Seller, please send the proof of shipment for {case.order.reference} "
        "(Harbour Ceramics)."
    ]
    assert 'id="canned-replies"' in html
    assert "js/canned-replies.js" in html


def test_without_script_insert_fills_the_message_box_and_sending_posts_it(case, lead, mediator):
    reply = _reply(lead)
    client = client_for(mediator)
    url = reverse("mediation:case", args=[case.reference])
    page = client.get(url, {"canned": reply.pk, "into": "message"})
    filled = (
        f"Dear Sam Seller, please send the proof of shipment for {case.order.reference} "
        "(Harbour Ceramics)."
    )
    assert page.context["message_form"]["body"].value() == filled
    assert f"\n{filled}</textarea>" in page.content.decode()
    # The mediator edits it and sends it through the usual message form.
    sent = client.post(
        reverse("mediation:message", args=[case.reference]),
        {"message-body": filled + " Thank you.", "message-visibility": "seller"},
    )
    assert sent.status_code == 302
    message = Message.objects.get(dispute=case)
    assert (message.body, message.visibility) == (filled + " Thank you.", "seller")


def test_without_script_insert_fills_the_question_and_the_request_goes_out(case, lead, mediator):
    reply = _reply(lead)
    client = client_for(mediator)
    page = client.get(
        reverse("mediation:case", args=[case.reference]),
        {"canned": reply.pk, "into": "request_info"},
    )
    ask = next(a for a in page.context["actions"] if a["name"] == "request_info")
    assert ask["open"] is True
    question = ask["form"]["question"].value()
    assert question.startswith("Dear Sam Seller, please send the proof of shipment")
    assert page.context["message_form"]["body"].value() is None
    client.post(
        reverse("mediation:act", args=[case.reference, "request_info"]),
        {"request_info-party": "seller", "request_info-question": question},
    )
    case.refresh_from_db()
    assert (case.state, case.info_requested_from) == ("awaiting_info", "seller")
    assert case.events.filter(kind="request_info").get().details["question"] == question


def test_a_retired_or_unknown_reply_in_the_address_fills_nothing(case, lead, mediator):
    reply = _reply(lead)
    canned_services.canned_reply_retire(actor=lead, reply=_reply(lead, title="Gone", body="x"))
    client = client_for(mediator)
    url = reverse("mediation:case", args=[case.reference])
    gone = CannedReply.objects.get(title="Gone")
    for query in (
        {"canned": gone.pk, "into": "message"},
        {"canned": "abc", "into": "message"},
        {"canned": reply.pk, "into": "elsewhere"},
    ):
        page = client.get(url, query)
        assert page.status_code == 200
        assert page.context["message_form"]["body"].value() is None
    assert (
        'data-testid="canned-missing"'
        in client.get(url, {"canned": gone.pk, "into": "message"}).content.decode()
    )


def test_a_mediator_not_working_the_case_is_offered_no_replies(lead, mediator):
    _reply(lead)
    # Mia is not on the roster: the case goes to someone else (the lead here).
    case = new_case()
    assert case.assigned_mediator_id not in (None, mediator.pk)
    page = client_for(mediator).get(reverse("mediation:case", args=[case.reference]))
    assert page.status_code == 200
    assert 'data-testid="canned-insert"' not in page.content.decode()


def test_parties_get_no_case_page_and_so_no_replies(case, lead):
    _reply(lead)
    answer = client_for(case.buyer).get(
        reverse("mediation:case", args=[case.reference]), {"canned": 1, "into": "message"}
    )
    assert answer.status_code == 404


# --- The demo ----------------------------------------------------------------------


def test_the_demo_has_a_few_replies_and_a_second_run_changes_nothing(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=StringIO())
    replies = {r.title: r.body for r in CannedReply.objects.all()}
    assert len(replies) == 4
    assert all(not unknown_placeholders(body) for body in replies.values())
    call_command("seed_demo", stdout=StringIO())
    assert {r.title: r.body for r in CannedReply.objects.all()} == replies


def test_amounts_follow_the_orders_currency(case, mediator):
    case.order.currency = "JPY"
    case.refund_amount = Decimal("1500")
    values = values_for(case, mediator, timezone.now())
    assert values["refund_amount"] == "1,500 JPY"


# --- Query counts (ARCHITECTURE rule 8) -------------------------------------------


@pytest.mark.parametrize("replies", [1, 30])
def test_the_library_costs_the_same_with_1_or_30_replies(
    replies, lead, mediator, django_assert_num_queries
):
    for n in range(replies):
        _reply(lead, title=f"Reply {n}", body="Dear {buyer_name}.")
    client = client_for(lead)
    url = reverse("mediation:canned_replies")
    # user with the bell's count (the session from the cache), the lead permission
    # (user and group permissions), the replies with who changed them last
    with django_assert_num_queries(4):
        page = client.get(url)
    assert page.content.decode().count('data-testid="canned-reply"') == replies
