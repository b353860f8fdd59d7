"""The signed-in user comes with their seniority and the bell's unread count
(disputes_site.auth_backends), and the answers are the same as asking on their own:
seniority through a group, directly, as a superuser, or not at all. Both are read
afresh on every request, so a permission taken away or a notification read counts
on the next page."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, Permission
from django.urls import reverse

from accounts.models import User
from disputes import services
from disputes.permissions import is_senior
from disputes.selectors import unread_count
from disputes_site.auth_backends import AuthenticationBackend, ModelBackend
from tests.conftest import client_for
from tests.factories import BuyerFactory, MediatorFactory, make_senior

pytestmark = pytest.mark.django_db


def _review_appeals():
    return Permission.objects.get(codename="review_appeals", content_type__app_label="accounts")


def _people():
    in_group = MediatorFactory(email="grace@example.com")
    group = Group.objects.create(name="Senior mediators")
    group.permissions.add(_review_appeals())
    in_group.groups.add(group)
    return {
        "direct": (make_senior(MediatorFactory(email="dina@example.com")), True),
        "group": (in_group, True),
        "superuser": (
            User.objects.create_superuser("root@example.com", "correct horse battery"),
            True,
        ),
        "mediator": (MediatorFactory(email="mo@example.com"), False),
        "buyer": (BuyerFactory(), False),
    }


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_loaded_user_says_what_the_query_says(backend, django_assert_num_queries):
    for name, (person, senior) in _people().items():
        with django_assert_num_queries(1):
            loaded = backend().get_user(person.pk)
            assert is_senior(loaded) is senior, name
        # Asked on its own (a user loaded any other way): the same answer.
        assert is_senior(User.objects.get(pk=person.pk)) is senior, name


def test_an_inactive_user_an_unknown_id_and_a_malformed_one_are_not_loaded():
    person = MediatorFactory(is_active=False)
    assert ModelBackend().get_user(person.pk) is None
    assert ModelBackend().get_user(10**9) is None
    assert ModelBackend().get_user("1 OR 1=1") is None


def test_the_loaded_user_is_the_whole_user():
    person = MediatorFactory(email="full@example.com", name="Full Name")
    loaded = ModelBackend().get_user(str(person.pk))
    assert loaded is not None
    for field in User._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(person, field.attname), field.name


def test_taking_the_permission_away_counts_on_the_next_page(senior):
    client = client_for(senior)
    queue = reverse("mediation:queue")
    assert '<option value="appealed"' in client.get(queue).content.decode()
    senior.user_permissions.remove(_review_appeals())
    assert '<option value="appealed"' not in client.get(queue).content.decode()


def test_the_bell_counts_what_is_unread_and_follows_reading(submitted, buyer, seller):
    services.message_post(dispute=submitted, actor=buyer, body="Any news on this?")
    unread = unread_count(seller)
    assert unread >= 2
    loaded = ModelBackend().get_user(seller.pk)
    assert loaded is not None
    assert loaded._unread_notifications == unread

    client = client_for(seller)
    page = client.get(reverse("disputes:list")).content.decode()
    assert f'{unread}<span class="visually-hidden"> unread</span>' in page
    client.post(reverse("notifications_read_all"))
    page = client.get(reverse("disputes:list")).content.decode()
    assert 'visually-hidden"> unread</span>' not in page
