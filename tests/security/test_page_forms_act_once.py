"""Page forms act once (issue 13): a double click, a reload or back-and-resubmit
sends a form's one-time key again; the repeat has no effect and answers with
the first result. A form without a key, or with someone else's, is refused;
an invalid submission leaves its key usable."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from disputes.models import (
    Dispute,
    DisputeEvent,
    MediatorNote,
    Message,
    Notification,
    NotificationPreference,
    Offer,
)
from disputes_site.once import FIELD, mint_key
from evidence.models import Evidence
from integrations.models import ApiToken, WebhookEndpoint
from integrations.tokens import token_issue
from tests.evidence.conftest import upload
from tests.evidence.corpus import png
from tests.factories import MediatorFactory, full_order, make_lead
from tests.mediation.conftest import new_case, on_roster
from tests.security.fixtures import submitted_case

pytestmark = pytest.mark.django_db

ALREADY = "This form was already sent; here is what it did."
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def local_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(buyer, seller, mediator, order, local_media):
    """A submitted dispute (the parties' forms), an unassigned case (take), a case
    under review that Mia works (her forms), a lead, a token, an endpoint."""
    unassigned = new_case()  # nobody on the roster yet: nobody has it
    on_roster(mediator)
    other = on_roster(MediatorFactory(email="max@example.com", name="Max Moreau"))
    lead = on_roster(make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead")))
    return {
        "buyer": buyer,
        "seller": seller,
        "mediator": mediator,
        "other": other,
        "lead": lead,
        "dispute": submitted_case(order, buyer),
        "fresh_order": full_order(buyer=buyer, seller=seller),
        "unassigned": unassigned,
        "case": new_case(buyer=buyer, seller=seller),
        "token": token_issue(user=buyer, name="old")[0],
        "endpoint": WebhookEndpoint.objects.create(seller=seller, url="https://erp.example/hook"),
    }


def _record() -> tuple[Any, ...]:
    """What a user would see change: rows added, and the state of what forms toggle."""
    return (
        DisputeEvent.objects.count(),
        Message.objects.count(),
        Offer.objects.count(),
        Evidence.objects.count(),
        Dispute.objects.count(),
        MediatorNote.objects.count(),
        ApiToken.objects.count(),
        ApiToken.objects.filter(revoked_at__isnull=False).count(),
        WebhookEndpoint.objects.filter(is_active=True).count(),
        Notification.objects.filter(read_at__isnull=False).count(),
        NotificationPreference.objects.count(),
        sorted(Dispute.objects.values_list("reference", "assigned_mediator_id")),
    )


# url name -> (who, url, data, is an XHR upload). One per kind of changing page form.
Form = tuple[str, Callable[[dict[str, Any]], str], Callable[[dict[str, Any]], dict[str, Any]]]
FORMS: dict[str, Form] = {
    "disputes:act (make_offer)": (
        "seller",
        lambda w: reverse("disputes:act", args=[w["dispute"].reference, "make_offer"]),
        lambda w: {"make_offer-outcome": "partial_refund", "make_offer-amount": "30.00"},
    ),
    "disputes:message": (
        "buyer",
        lambda w: reverse("disputes:message", args=[w["dispute"].reference]),
        lambda w: {"message-body": "Any news?"},
    ),
    "evidence:upload": (
        "buyer",
        lambda w: reverse("evidence:upload", args=[w["dispute"].reference]),
        lambda w: {"file": upload("mug.png", png()), "description": "The box"},
    ),
    "orders:start_dispute": (
        "buyer",
        lambda w: reverse("orders:start_dispute", args=[w["fresh_order"].reference]),
        lambda w: {
            "type": "quality",
            "reason": "damaged",
            "received_on": "2026-01-05",
            "affected_quantity": "6",
            "description": "Six of the twelve mugs arrived broken.",
            "claimed_amount": "60.00",
            "requested_outcome": "partial_refund",
        },
    ),
    "mediation:take": (
        "mediator",
        lambda w: reverse("mediation:take", args=[w["unassigned"].reference]),
        lambda w: {},
    ),
    "mediation:act (request_info)": (
        "mediator",
        lambda w: reverse("mediation:act", args=[w["case"].reference, "request_info"]),
        lambda w: {"request_info-party": "seller", "request_info-question": "Tracking?"},
    ),
    "mediation:note": (
        "mediator",
        lambda w: reverse("mediation:note", args=[w["case"].reference]),
        lambda w: {"note-body": "Looks staged."},
    ),
    "mediation:message": (
        "mediator",
        lambda w: reverse("mediation:message", args=[w["case"].reference]),
        lambda w: {"message-body": "Please be patient.", "message-visibility": "all"},
    ),
    "mediation:reassign": (
        "lead",
        lambda w: reverse("mediation:reassign"),
        lambda w: {"cases": w["case"].reference, "mediator": w["other"].pk},
    ),
    "mediation_dashboard:casefile": (
        "mediator",
        lambda w: reverse("mediation_dashboard:casefile", args=[w["case"].reference]),
        lambda w: {},
    ),
    "integrations:tokens": (
        "buyer",
        lambda w: reverse("integrations:tokens"),
        lambda w: {"name": "ERP", "scope": "read"},
    ),
    "integrations:token_revoke": (
        "buyer",
        lambda w: reverse("integrations:token_revoke", args=[w["token"].pk]),
        lambda w: {},
    ),
    "integrations:endpoint_disable": (
        "seller",
        lambda w: reverse("integrations:endpoint_disable", args=[w["endpoint"].pk]),
        lambda w: {},
    ),
    "notification_preferences": (
        "buyer",
        lambda w: reverse("notification_preferences"),
        lambda w: {"email": ["decision"]},
    ),
    "notifications_read_all": ("buyer", lambda w: reverse("notifications_read_all"), dict),
    "notification_read": (
        "buyer",
        lambda w: reverse(
            "notification_read", args=[Notification.objects.filter(recipient=w["buyer"])[0].pk]
        ),
        lambda w: {},
    ),
    "accounts:account": (
        "buyer",
        lambda w: reverse("accounts:account"),
        lambda w: {"me-name": "Bea B. Buyer"},
    ),
}


def _browser(user) -> Client:
    """A plain client: it sends exactly the fields a test gives it, keys included."""
    client = Client()
    client.force_login(user)
    return client


def _post(client: Client, url: str, data: dict[str, Any], key: str | None) -> Any:
    if "file" in data:  # the evidence widget: an XHR with the key as a header
        headers = {"X-Requested-With": "XMLHttpRequest"}
        if key is not None:
            headers["X-Once-Key"] = f"{key}.file1"
        return client.post(url, data, headers=headers)
    return client.post(url, data if key is None else {**data, FIELD: key})


def _answer(response: Any) -> tuple[Any, ...]:
    if "Location" in response:
        return (response.status_code, response["Location"])
    return (response.status_code, response.content)


@pytest.mark.parametrize("name", list(FORMS))
def test_the_same_form_sent_twice_acts_once_and_answers_the_first_result(world, name):
    who, url_of, data_of = FORMS[name]
    user = world[who]
    client, url = _browser(user), url_of(world)
    key = mint_key(user.pk)
    before = _record()
    first = _post(client, url, data_of(world), key)
    assert first.status_code < 400, first.content[:500]
    after_first = _record()
    second = _post(client, url, data_of(world), key)
    assert _record() == after_first  # the repeat changed nothing
    if first.status_code in (301, 302, 303):
        assert _answer(second) == _answer(first)
        assert ALREADY in [str(m) for m in get_messages(second.wsgi_request)]
    elif "file" in data_of(world):
        assert _answer(second) == _answer(first)  # the same gallery item, 201
    else:  # a page shown once (a new token) or a file: back to the form's page
        assert (second.status_code, second["Location"]) == (303, url)
    # Where the first had a visible effect, it had exactly one.
    if name not in ("notification_preferences", "accounts:account", "notification_read"):
        assert after_first != before


@pytest.mark.parametrize("name", list(FORMS))
def test_a_form_without_its_key_is_refused_and_changes_nothing(world, name):
    who, url_of, data_of = FORMS[name]
    before = _record()
    response = _post(_browser(world[who]), url_of(world), data_of(world), None)
    assert response.status_code == 400
    assert "no one-time key" in response.content.decode()
    assert _record() == before


def test_another_users_key_is_refused(world):
    buyer, seller = world["buyer"], world["seller"]
    url = reverse("disputes:message", args=[world["dispute"].reference])
    sellers_key = mint_key(seller.pk)
    assert (
        _post(_browser(seller), url, {"message-body": "From Sam"}, sellers_key).status_code == 302
    )
    before = _record()
    # The buyer replays the seller's key: not theirs, not the seller's result either.
    response = _post(_browser(buyer), url, {"message-body": "From Bea"}, sellers_key)
    assert response.status_code == 400
    assert "not made for you" in response.content.decode()
    assert _record() == before


def test_a_forged_or_expired_key_is_refused(world, settings, time_machine):
    buyer = world["buyer"]
    url = reverse("disputes:message", args=[world["dispute"].reference])
    client = _browser(buyer)
    assert _post(client, url, {"message-body": "x"}, "made-up-key").status_code == 400
    key = mint_key(buyer.pk)
    time_machine.move_to(timezone.now() + timedelta(hours=settings.ONCE_KEY_HOURS, minutes=1))
    response = _post(client, url, {"message-body": "x"}, key)
    assert response.status_code == 400
    assert "too old" in response.content.decode()
    assert not Message.objects.filter(body="x").exists()


def test_a_key_used_by_one_form_is_refused_by_another(world):
    buyer, dispute = world["buyer"], world["dispute"]
    client, key = _browser(buyer), mint_key(buyer.pk)
    assert (
        _post(
            client,
            reverse("disputes:message", args=[dispute.reference]),
            {"message-body": "Hi"},
            key,
        ).status_code
        == 302
    )
    before = _record()
    response = _post(client, reverse("notifications_read_all"), {}, key)
    assert response.status_code == 409
    assert "used by another form" in response.content.decode()
    assert _record() == before


def test_an_invalid_submission_does_not_burn_its_key(world):
    seller, dispute = world["seller"], world["dispute"]
    client, key = _browser(seller), mint_key(seller.pk)
    url = reverse("disputes:act", args=[dispute.reference, "make_offer"])
    wrong = _post(
        client, url, {"make_offer-outcome": "partial_refund", "make_offer-amount": "500.00"}, key
    )
    assert wrong.status_code == 400
    assert not Offer.objects.filter(dispute=dispute).exists()
    # Corrected and sent again with the same key: it goes through, once.
    fixed = {"make_offer-outcome": "partial_refund", "make_offer-amount": "50.00"}
    assert _post(client, url, fixed, key).status_code == 302
    assert _post(client, url, fixed, key).status_code == 302
    assert Offer.objects.filter(dispute=dispute).count() == 1


def test_an_invalid_start_of_a_dispute_does_not_burn_its_key(world):
    buyer, order = world["buyer"], world["fresh_order"]
    client, key = _browser(buyer), mint_key(buyer.pk)
    url = reverse("orders:start_dispute", args=[order.reference])
    data = FORMS["orders:start_dispute"][2](world)
    assert _post(client, url, data | {"claimed_amount": "999.00"}, key).status_code == 400
    assert _post(client, url, data, key).status_code == 302
    assert Dispute.objects.filter(order=order).count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_submissions_of_one_form_act_once(world):
    """Two threads (two connections to PostgreSQL) post the same key at once: one
    makes the offer, the other waits for it and answers its redirect."""
    seller, dispute = world["seller"], world["dispute"]
    url = reverse("disputes:act", args=[dispute.reference, "make_offer"])
    key = mint_key(seller.pk)
    data = {"make_offer-outcome": "partial_refund", "make_offer-amount": "40.00"}
    barrier, answers = threading.Barrier(2), []

    def submit() -> None:
        try:
            client = _browser(seller)
            barrier.wait()
            answers.append(_answer(_post(client, url, data, key)))
        finally:
            connection.close()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert Offer.objects.filter(dispute=dispute).count() == 1
    assert len(answers) == 2
    assert answers[0] == answers[1]
    assert answers[0][0] == 302


# --- Every changing page form carries the key --------------------------------
# allauth's forms (login, signup, password; the logout button) and the admin's are
# not page forms of the record: they are exempt (disputes_site/once.py).
EXEMPT_TEMPLATES = {"templates/base.html"}
FORM = re.compile(r"<form\b[^>]*method=\"post\"[^>]*>(.*?)</form>", re.S | re.I)


def test_every_post_form_in_the_templates_carries_its_key():
    missing, seen = [], 0
    for path in sorted((ROOT / "templates").rglob("*.html")):
        relative = str(path.relative_to(ROOT))
        if relative in EXEMPT_TEMPLATES or relative.startswith(
            ("templates/allauth/", "templates/admin/")
        ):
            continue
        for match in FORM.finditer(path.read_text()):
            seen += 1
            if "{% once_key %}" not in match.group(1):
                missing.append(f"{relative}: {match.group(0)[:80]}")
    assert seen >= 18
    assert missing == []


def test_the_evidence_widget_sends_its_key_with_each_file():
    widget = (ROOT / "templates/evidence/_widget.html").read_text()
    script = (ROOT / "static/js/evidence-upload.js").read_text()
    assert "{% once_key %}" in widget
    assert '"X-Once-Key"' in script


def test_a_repeat_costs_one_query_and_the_claim_none(world, django_assert_num_queries):
    """The key lives in the cache (Redis SET NX), not the database: a repeat loads
    the user (the session comes from the cache) and answers from the cache."""
    buyer = world["buyer"]
    url = reverse("disputes:message", args=[world["dispute"].reference])
    client, key = _browser(buyer), mint_key(buyer.pk)
    first = _post(client, url, {"message-body": "Once"}, key)
    with django_assert_num_queries(1):  # the signed-in user
        second = _post(client, url, {"message-body": "Once"}, key)
    assert _answer(second) == _answer(first)
    # Sending the form anew (a new page, a new key) is a new message.
    assert _post(client, url, {"message-body": "Once"}, mint_key(buyer.pk)).status_code == 302
    assert Message.objects.filter(body="Once").count() == 2
