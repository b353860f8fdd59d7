"""The demo's mediation roster: every demo mediator takes cases."""

from __future__ import annotations

from accounts.models import Role, User
from mediation.models import MediatorProfile


def seed_roster(users: dict[str, User]) -> None:
    for user in users.values():
        if user.role == Role.MEDIATOR:
            MediatorProfile.objects.get_or_create(user=user)
