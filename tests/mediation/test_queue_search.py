"""The mediation queue's search (issue 15, item 4): a mediator finds an open case by
a word of its messages or notes, whoever has it; the queue costs the same queries
with one match or many; bad input is shown next to the box."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from disputes import services
from disputes.search import TOO_LONG_MESSAGE
from disputes_site.search import NUL_MESSAGE
from mediation.models import MediatorProfile
from tests.conftest import client_for
from tests.factories import MediatorFactory, make_lead
from tests.mediation.conftest import new_case, on_roster

pytestmark = pytest.mark.django_db


def queue_finds(user, **params) -> list[str]:
    response = client_for(user).get(reverse("mediation:queue"), params)
    assert response.status_code == 200
    return re.findall(r'data-testid="queue-row" data-reference="(DSP-[0-9A-Z]+)"', response.text)


@pytest.fixture
def worked(buyer, seller, other_buyer, mediator):
    """Two open cases: Bea's with Mia (a message to all, a note), Bruno's unassigned."""
    on_roster(mediator)
    bea = new_case(buyer=buyer, seller=seller)
    services.message_post(dispute=bea, actor=buyer, body="The glaze was cracked on every mug.")
    services.note_add(dispute=bea, actor=mediator, body="Check the courier's photos.")
    MediatorProfile.objects.update(active=False)
    bruno = new_case(buyer=other_buyer, seller=seller)
    services.message_post(dispute=bruno, actor=other_buyer, body="The teapot lid shattered.")
    return {"bea": bea.reference, "bruno": bruno.reference}


def test_a_mediator_finds_an_open_case_by_a_word_of_its_messages(worked, mediator):
    assert queue_finds(mediator, q="glaze") == [worked["bea"]]
    assert queue_finds(mediator, q="teapot") == [worked["bruno"]]
    assert queue_finds(mediator, q="courier") == [worked["bea"]]
    assert sorted(queue_finds(mediator, q="Sam Seller")) == sorted(worked.values())


def test_other_mediators_and_leads_find_the_same_cases(worked):
    for person in (MediatorFactory(), make_lead(MediatorFactory())):
        assert queue_finds(person, q="glaze") == [worked["bea"]]
        assert queue_finds(person, q="shattered", assigned="unassigned") == [worked["bruno"]]


def test_the_search_combines_with_the_filters_and_says_how_many_match(worked, mediator):
    assert queue_finds(mediator, q="glaze", assigned="unassigned") == []
    response = client_for(mediator).get(reverse("mediation:queue"), {"q": "teapot"})
    assert "1 case matches" in response.text
    assert 'value="teapot"' in response.text


def test_words_nobody_wrote_find_nothing(worked, mediator):
    assert queue_finds(mediator, q="'; DROP TABLE disputes_dispute; --") == []
    assert queue_finds(mediator, q="!!! & | :* ( )") == []
    assert (
        "No case matches."
        in client_for(mediator).get(reverse("mediation:queue"), {"q": "zzz"}).text
    )


def test_a_search_too_long_or_with_a_nul_is_shown_next_to_the_box(worked, mediator):
    client = client_for(mediator)
    too_long = client.get(reverse("mediation:queue"), {"q": "mug " * 30})
    box = too_long.text.split('data-testid="queue-search"', 1)[1].split("</div>", 1)[0]
    assert str(TOO_LONG_MESSAGE) in box
    # and the search is ignored, like any filter not understood
    assert len(re.findall('data-testid="queue-row"', too_long.text)) == 2
    nul = client.get(reverse("mediation:queue"), {"q": "glaze\x00"})
    assert nul.status_code == 400
    assert str(NUL_MESSAGE) in nul.text.split('data-testid="queue-search"', 1)[1].split("</div>")[0]


@pytest.mark.parametrize("cases", [1, 30])
def test_the_queue_searched_costs_the_same_with_one_match_or_many(
    cases, buyer, seller, mediator, django_assert_num_queries
):
    on_roster(mediator)
    for _ in range(cases):
        case = new_case(buyer=buyer, seller=seller)
        services.message_post(dispute=case, actor=buyer, body="The glaze was cracked.")
    client = client_for(mediator)
    url = reverse("mediation:queue")
    # as without a search (tests/mediation/test_queries.py): user with seniority and
    # the bell's count; the counts per filter with the number matching the search;
    # the page's rows (the search: subqueries of the last two)
    with django_assert_num_queries(3):
        response = client.get(url, {"q": "glaze"})
    assert len(re.findall('data-testid="queue-row"', response.text)) == min(cases, 25)
    # The counts kept a while: one query fewer.
    with django_assert_num_queries(2):
        client.get(url, {"q": "glaze"})
