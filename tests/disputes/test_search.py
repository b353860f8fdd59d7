"""Search (issue 15, item 4): cases by reference, order, party, store, description and
message text, and the messages of one thread, in the pages and the API; each viewer
finds only what they may read."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from disputes import services
from disputes.models import Dispute
from disputes.search import MAX_LENGTH, TOO_LONG_MESSAGE, search_text
from disputes_site.search import NUL_MESSAGE
from evidence.services import evidence_add
from mediation.models import MediatorProfile
from tests.api.conftest import api_for
from tests.conftest import client_for, open_dispute
from tests.evidence.conftest import upload
from tests.evidence.corpus import png
from tests.factories import MediatorFactory, full_order, make_lead
from tests.mediation.conftest import escalated, on_roster

pytestmark = pytest.mark.django_db

# The queries of each page or call with a search, as without one, whatever matches
# (named where they are asserted).
LIST_QUERIES = 3
API_LIST_QUERIES = 3
# The dispute page: 9 with the read of the new messages (a viewer with anything unread).
DETAIL_QUERIES = {"buyer": 9, "mediator": 9}
API_THREAD_QUERIES = 3


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cases(buyer, other_buyer, seller, mediator):
    """Bea's case in review with Mia: a message to all, Mia's message to the seller
    only, Mia's private note, the seller's photo shared with the mediator only;
    Bruno's case with the same seller, unassigned, with his own message."""
    on_roster(mediator)
    bea = escalated(full_order(buyer=buyer, seller=seller))
    assert bea.assigned_mediator_id == mediator.pk
    services.message_post(dispute=bea, actor=buyer, body="The glaze was cracked on every mug.")
    services.message_post(
        dispute=bea,
        actor=mediator,
        body="Please send the courier receipt.",
        visibility="seller",
    )
    services.note_add(dispute=bea, actor=mediator, body="Looks like a fraudulent pattern.")
    evidence_add(
        dispute=bea,
        actor=seller,
        upload=upload("invoice.png", png()),
        description="Warehouse invoice, stamped",
        visibility="mediator",
    )
    MediatorProfile.objects.filter(user=mediator).update(active=False)
    bruno = escalated(full_order(buyer=other_buyer, seller=seller))
    assert bruno.assigned_mediator_id is None
    services.message_post(dispute=bruno, actor=other_buyer, body="The teapot lid shattered.")
    return {"bea": bea, "bruno": bruno}


def page_finds(user, words: str) -> list[str]:
    """The references the Disputes page lists for ``words``."""
    response = client_for(user).get(reverse("disputes:list"), {"q": words})
    assert response.status_code == 200
    return re.findall(r'class="order-ref" href="/disputes/(DSP-[0-9A-Z]+)/"', response.text)


def api_finds(user, words: str) -> list[str]:
    response = api_for(user).get(reverse("api:dispute-list"), {"q": words})
    assert response.status_code == 200
    return [row["reference"] for row in response.json()["results"]]


def finds(user, words: str) -> set[str]:
    """What the page and the API find, which must be the same."""
    on_page, in_api = page_finds(user, words), api_finds(user, words)
    assert sorted(on_page) == sorted(in_api)
    return set(in_api)


# --- what a search is made of --------------------------------------------------


def test_the_words_are_trimmed_and_their_spaces_collapsed():
    assert search_text("  broken   mugs \n").text == "broken mugs"
    assert search_text(None) == search_text("")


def test_a_nul_or_a_search_too_long_is_refused_with_a_message():
    assert search_text("mug\x00").error == str(NUL_MESSAGE)
    assert search_text("m" * (MAX_LENGTH + 1)).error == str(TOO_LONG_MESSAGE)
    assert search_text("m" * MAX_LENGTH).text == "m" * MAX_LENGTH


# --- a party finds their own ------------------------------------------------------


def test_a_buyer_finds_their_case_by_reference_order_store_description_and_message(
    cases, buyer, seller
):
    bea = cases["bea"]
    store = seller.seller_profile.store_name
    for words in (
        bea.reference[-5:].lower(),
        bea.order.reference,
        store,
        "Sam Seller",
        "half of the mugs",  # the description ("mugs" found as "mug" too)
        "mug",
        "glaze cracked",  # a message to everyone
    ):
        assert finds(buyer, words) == {bea.reference}, words


def test_a_seller_finds_each_buyers_case_by_its_own_words(cases, seller):
    assert finds(seller, "teapot") == {cases["bruno"].reference}
    assert finds(seller, "glaze") == {cases["bea"].reference}
    assert finds(seller, "Bruno") == {cases["bruno"].reference}


def test_a_buyer_searching_a_word_of_another_buyers_case_finds_nothing(cases, buyer):
    assert finds(buyer, "teapot") == set()
    assert finds(buyer, "Bruno Byrne") == set()
    assert finds(buyer, cases["bruno"].reference) == set()


def test_a_message_to_the_other_party_only_is_never_found_by_this_party(cases, buyer, seller):
    assert finds(buyer, "courier receipt") == set()
    # The seller, to whom it was sent, finds the case by it.
    assert finds(seller, "courier receipt") == {cases["bea"].reference}


def test_a_mediators_private_note_is_never_found_by_the_parties(cases, buyer, seller):
    assert finds(buyer, "fraudulent") == set()
    assert finds(seller, "fraudulent") == set()


def test_evidence_hidden_from_a_party_is_never_found_by_them(cases, buyer):
    assert finds(buyer, "warehouse invoice") == set()
    assert finds(buyer, "invoice.png") == set()


# --- mediators and leads find every case ------------------------------------------


def test_a_mediator_finds_every_case_by_any_message_and_their_notes(cases, mediator):
    bea, bruno = cases["bea"].reference, cases["bruno"].reference
    # Bruno's case is nobody's yet: found all the same.
    assert finds(mediator, "teapot") == {bruno}
    assert finds(mediator, "courier receipt") == {bea}
    assert finds(mediator, "fraudulent") == {bea}
    assert finds(mediator, "bea@example.com") == {bea}
    assert finds(mediator, "Sam Seller") == {bea, bruno}


def test_another_mediator_and_a_lead_find_the_cases_they_do_not_have(cases):
    other = on_roster(MediatorFactory(email="max@example.com", name="Max Other"))
    lead = make_lead(MediatorFactory(email="lena@example.com", name="Lena Lead"))
    for person in (other, lead):
        assert finds(person, "glaze") == {cases["bea"].reference}
        assert finds(person, "shattered") == {cases["bruno"].reference}


def test_websearch_words_phrases_and_exclusions(cases, mediator):
    bea, bruno = cases["bea"].reference, cases["bruno"].reference
    assert finds(mediator, "glaze or teapot") == {bea, bruno}
    assert finds(mediator, '"lid shattered"') == {bruno}
    assert finds(mediator, '"shattered lid"') == set()
    assert finds(mediator, "teapot -lid") == set()


# --- bad input: a message or no results, never a 500 ------------------------------

ODD = [
    "'; DROP TABLE disputes_dispute; --",
    "1) UNION SELECT password FROM accounts_user --",
    "!!! & | :* ( ) <-> \\ % _",
    '"',
    "the",
    "🍵 陶瓷 إبريق",
    "\x01\x7f",
]


@pytest.mark.parametrize("words", ODD)
def test_odd_characters_and_sql_find_nothing_on_the_page_and_in_the_api(cases, mediator, words):
    assert finds(mediator, words) == set()


@pytest.mark.parametrize("words", ["glaze' OR '1'='1", "glaze\u202e", "(glaze)"])
def test_sql_and_odd_characters_around_a_word_are_only_text(cases, mediator, words):
    # The word is found; the rest is not SQL, nor the query syntax of to_tsquery.
    assert finds(mediator, words) == {cases["bea"].reference}


def test_a_search_too_long_is_refused_next_to_the_box(cases, buyer):
    response = client_for(buyer).get(reverse("disputes:list"), {"q": "mug " * 30})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="dq-error"' in html
    assert str(TOO_LONG_MESSAGE) in html.split('id="dq-error"', 1)[1].split("</div>", 1)[0]


def test_the_api_refuses_a_search_too_long_with_a_400(cases, buyer):
    response = api_for(buyer).get(reverse("api:dispute-list"), {"q": "mug " * 30})
    assert response.status_code == 400
    assert "q" in str(response.json())


# --- the messages of one thread ----------------------------------------------------


def thread_page(user, dispute, words: str):
    return client_for(user).get(
        reverse("disputes:detail", args=[dispute.reference]), {"thread_q": words}
    )


def thread_api(user, dispute, words: str) -> list[str]:
    response = api_for(user).get(
        reverse("api:dispute-messages", args=[dispute.reference]), {"q": words}
    )
    assert response.status_code == 200, response.content
    return [m["body"] for m in response.json()["results"]]


def test_a_party_searches_inside_their_thread(cases, buyer):
    bea = cases["bea"]
    response = thread_page(buyer, bea, "cracked")
    assert response.status_code == 200
    thread = response.content.decode().split('data-testid="thread"', 1)[1].split("</ol>", 1)[0]
    assert "The glaze was cracked on every mug." in thread
    assert "courier" not in thread
    assert "1 message holds “cracked”." in response.content.decode()
    assert thread_api(buyer, bea, "cracked") == ["The glaze was cracked on every mug."]


def test_a_party_never_finds_in_the_thread_what_was_sent_to_the_other_party(cases, buyer, seller):
    bea = cases["bea"]
    html = thread_page(buyer, bea, "courier").content.decode()
    assert "No message holds these words." in html
    assert "courier receipt" not in html.split('data-testid="thread"', 1)[1]
    assert thread_api(buyer, bea, "courier") == []
    assert thread_api(seller, bea, "courier") == ["Please send the courier receipt."]


def test_the_mediator_searches_the_whole_thread(cases, mediator):
    assert thread_api(mediator, cases["bea"], "courier or glaze") == [
        "The glaze was cracked on every mug.",
        "Please send the courier receipt.",
    ]


def test_the_thread_refreshed_by_htmx_keeps_its_search(cases, buyer):
    response = client_for(buyer).get(
        reverse("disputes:thread", args=[cases["bea"].reference]), {"thread_q": "glaze"}
    )
    assert response.status_code == 200
    assert "glaze was cracked" in response.content.decode()


@pytest.mark.parametrize("words", ODD)
def test_odd_characters_in_a_thread_search_find_nothing(cases, mediator, words):
    assert thread_api(mediator, cases["bea"], words) == []
    assert thread_page(mediator, cases["bea"], words).status_code == 200


def test_sql_around_a_word_in_a_thread_search_is_only_text(cases, mediator):
    assert thread_api(mediator, cases["bea"], "glaze' OR '1'='1") == [
        "The glaze was cracked on every mug."
    ]


def test_a_thread_search_too_long_is_refused_with_a_message(cases, buyer):
    bea = cases["bea"]
    response = thread_page(buyer, bea, "mug " * 30)
    assert response.status_code == 400
    assert 'data-testid="thread-search-error"' in response.content.decode()
    api = api_for(buyer).get(
        reverse("api:dispute-messages", args=[bea.reference]), {"q": "mug " * 30}
    )
    assert api.status_code == 400
    nul = api_for(buyer).get(reverse("api:dispute-messages", args=[bea.reference]), {"q": "a\x00"})
    assert nul.status_code == 400


# --- query counts: the same with one match or many ---------------------------------


def cases_with_a_word(buyer, seller, n: int) -> list:
    """``n`` submitted cases of Bea's, each with a message holding "glaze"."""
    made = []
    for _ in range(n):
        case = services.dispute_submit(
            dispute=open_dispute(full_order(buyer=buyer, seller=seller)), actor=buyer
        )
        services.message_post(dispute=case, actor=buyer, body="The glaze was cracked.")
        made.append(case)
    return made


def warm(client, url: str, params: dict) -> None:
    # The seller's reputation and the session are cached by a first visit.
    assert client.get(url, params).status_code == 200


@pytest.mark.parametrize("who", ["buyer", "seller", "mediator"])
def test_the_disputes_page_searched_costs_the_same_with_one_match_or_many(
    who, request, buyer, seller, mediator, django_assert_num_queries
):
    viewer = request.getfixturevalue(who)
    if who == "mediator":
        on_roster(mediator)
    url = reverse("disputes:list")
    client = client_for(viewer)
    for n in (1, 30):
        made = cases_with_a_word(buyer, seller, n - len(Dispute.objects.all()))
        if who == "mediator":
            for case in made:
                services.dispute_reject_claim(dispute=case, actor=seller)
                services.dispute_escalate(
                    dispute=Dispute.objects.get(pk=case.pk),
                    actor=buyer,
                    justification="We cannot agree on anything at all.",
                )
        warm(client, url, {"q": "glaze"})
        # user with the bell's count (the session comes from the cache), the page's
        # count, its rows: the search is subqueries of these two, as without one
        with django_assert_num_queries(LIST_QUERIES):
            response = client.get(url, {"q": "glaze"})
        assert len(re.findall(r'class="order-ref" href="/disputes/', response.text)) == min(n, 20)
        with django_assert_num_queries(LIST_QUERIES):
            client.get(url)


def test_the_api_list_searched_costs_the_same_with_one_match_or_many(
    buyer, seller, django_assert_num_queries
):
    client = api_for(buyer)
    url = reverse("api:dispute-list")
    for n in (1, 30):
        cases_with_a_word(buyer, seller, n - len(Dispute.objects.all()))
        client.get(url, {"q": "glaze"})
        # the token with its user, the count, the page's rows with their order and
        # parties (the search: subqueries of the last two)
        with django_assert_num_queries(API_LIST_QUERIES):
            response = client.get(url, {"q": "glaze"})
        assert response.json()["count"] == n


@pytest.mark.parametrize("who", ["buyer", "mediator"])
def test_the_dispute_page_with_a_thread_search_costs_the_same_with_one_match_or_many(
    who, request, buyer, seller, mediator, django_assert_num_queries
):
    viewer = request.getfixturevalue(who)
    on_roster(mediator)
    case = escalated(full_order(buyer=buyer, seller=seller))
    url = reverse("disputes:detail", args=[case.reference])
    client = client_for(viewer)
    posted = 0
    for n in (1, 30):
        while posted < n:
            services.message_post(dispute=case, actor=buyer, body=f"Glaze cracked, photo {posted}.")
            services.message_post(dispute=case, actor=seller, body=f"Packed with care {posted}.")
            posted += 1
        warm(client, url, {"thread_q": "glaze"})
        # as the page without a search (tests/disputes/test_page_queries.py): user with
        # the bell's count, the dispute with its order, parties, store and mediator,
        # events, offers, evidence, decisions, the thread, narrowed by the search, and
        # the order's conversation before the dispute
        with django_assert_num_queries(DETAIL_QUERIES[who]):
            response = client.get(url, {"thread_q": "glaze"})
        thread = response.text.split('data-testid="thread"', 1)[1].split("</ol>", 1)[0]
        assert thread.count("Glaze cracked") == n
        assert "Packed with care" not in thread


def test_the_api_thread_searched_costs_the_same_with_one_match_or_many(
    buyer, seller, mediator, django_assert_num_queries
):
    on_roster(mediator)
    case = escalated(full_order(buyer=buyer, seller=seller))
    client = api_for(buyer)
    url = reverse("api:dispute-messages", args=[case.reference])
    posted = 0
    for n in (1, 30):
        while posted < n:
            services.message_post(dispute=case, actor=buyer, body=f"Glaze cracked, photo {posted}.")
            services.message_post(dispute=case, actor=seller, body=f"Packed with care {posted}.")
            posted += 1
        client.get(url, {"q": "glaze"})
        # the token with its user, the dispute with its order and parties, the page of
        # messages narrowed by the search
        with django_assert_num_queries(API_THREAD_QUERIES):
            response = client.get(url, {"q": "glaze"})
        assert len(response.json()["results"]) == n


# --- the demo's SQLite: no full-text search, each word a plain substring ----------


def test_without_full_text_search_each_word_is_found_as_a_plain_substring(
    cases, buyer, mediator, monkeypatch
):
    # The demo's SQLite takes this path; here PostgreSQL runs the same queries.
    monkeypatch.setattr("disputes.search.full_text", lambda: False)
    bea = cases["bea"].reference
    assert finds(buyer, "glaze cracked") == {bea}
    assert finds(buyer, "crack") == {bea}
    assert finds(buyer, "teapot") == set()
    assert finds(buyer, "courier") == set()
    assert finds(buyer, "fraudulent") == set()
    assert finds(mediator, "fraudulent") == {bea}
    assert thread_api(buyer, cases["bea"], "cracked mug") == ["The glaze was cracked on every mug."]
    assert thread_api(buyer, cases["bea"], "courier") == []
