"""The demo accounts of SPEC section 11 (password ``demo12345``)."""

from __future__ import annotations

from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.contrib.auth.models import Permission

from accounts.models import Role, SellerProfile, User

DEMO_PASSWORD = "demo12345"  # noqa: S105 - published in the README on purpose


@dataclass(frozen=True)
class DemoAccount:
    email: str
    name: str
    role: str
    what: str
    senior: bool = False
    lead: bool = False
    superuser: bool = False
    store: tuple[str, str] | None = None  # (store name, country code)


DEMO_ACCOUNTS = [
    DemoAccount("buyer@example.com", "Bea Buyer", Role.BUYER, "buyer"),
    DemoAccount("buyer2@example.com", "Bruno Byrne", Role.BUYER, "another buyer"),
    DemoAccount(
        "seller@example.com",
        "Sam Seller",
        Role.SELLER,
        "seller",
        store=("Shenzhen Bright Tools Co.", "CN"),
    ),
    DemoAccount(
        "seller2@example.com",
        "Sofia Santos",
        Role.SELLER,
        "another seller",
        store=("Lisbon Textiles Lda.", "PT"),
    ),
    DemoAccount("mediator@example.com", "Mia Mediator", Role.MEDIATOR, "mediator"),
    DemoAccount("mediator2@example.com", "Max Moreau", Role.MEDIATOR, "mediator"),
    DemoAccount(
        "senior@example.com",
        "Selma Senior",
        Role.MEDIATOR,
        "senior mediator and mediation lead (decides appeals; roster, reassignment, dashboard)",
        senior=True,
        lead=True,
    ),
    DemoAccount(
        "admin@example.com",
        "Ada Admin",
        Role.MEDIATOR,
        "administrator (Django admin)",
        superuser=True,
    ),
]


def seed_accounts() -> dict[str, User]:
    """Create the demo accounts that are missing; leave existing ones as they are."""
    review_appeals = Permission.objects.get(
        codename="review_appeals", content_type__app_label="accounts"
    )
    lead_mediation = Permission.objects.get(
        codename="lead_mediation", content_type__app_label="accounts"
    )
    users: dict[str, User] = {}
    for spec in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            email=spec.email,
            defaults={
                "name": spec.name,
                "role": spec.role,
                # Leads run the roster in the admin; only superusers see the rest of it.
                "is_staff": spec.superuser or spec.lead,
                "is_superuser": spec.superuser,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            if spec.senior:
                user.user_permissions.add(review_appeals)
            if spec.lead:
                user.user_permissions.add(lead_mediation)
        # The demo has no mail server: its addresses count as verified.
        EmailAddress.objects.get_or_create(
            user=user, email=spec.email, defaults={"verified": True, "primary": True}
        )
        if spec.store:
            SellerProfile.objects.get_or_create(
                user=user, defaults={"store_name": spec.store[0], "country": spec.store[1]}
            )
        users[spec.email] = user
    return users
