"""Shared test factories: people by role, orders in any status, disputes in any state."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from accounts.models import Role, SellerProfile, User
from disputes.choices import DisputeState, DisputeType
from disputes.models import Dispute
from orders.models import Order, OrderItem, OrderStatus, Payment, Shipment

PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.com")
    name = factory.Faker("name")
    role = Role.BUYER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class BuyerFactory(UserFactory):
    role = Role.BUYER


class SellerFactory(UserFactory):
    role = Role.SELLER
    seller_profile = factory.RelatedFactory(
        "tests.factories.SellerProfileFactory", factory_related_name="user"
    )


class SellerProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SellerProfile

    user = factory.SubFactory(UserFactory, role=Role.SELLER)
    store_name = factory.Sequence(lambda n: f"Store {n} Trading Co.")
    country = "CN"


class MediatorFactory(UserFactory):
    role = Role.MEDIATOR


def make_senior(user: User) -> User:
    user.user_permissions.add(
        Permission.objects.get(codename="review_appeals", content_type__app_label="accounts")
    )
    return User.objects.get(pk=user.pk)  # fresh: permissions are cached per instance


def make_lead(user: User) -> User:
    """A mediation lead: runs the roster, reassigns cases, sees the whole dashboard."""
    user.user_permissions.add(
        Permission.objects.get(codename="lead_mediation", content_type__app_label="accounts")
    )
    return User.objects.get(pk=user.pk)


class OrderFactory(factory.django.DjangoModelFactory):
    """A delivered, paid order by default; pass ``status`` and the dates to vary it."""

    class Meta:
        model = Order

    buyer = factory.SubFactory(BuyerFactory)
    seller = factory.SubFactory(SellerFactory)
    status = OrderStatus.DELIVERED
    currency = "USD"
    total = Decimal("120.00")
    amount_paid = factory.LazyAttribute(
        lambda o: Decimal(0) if o.status in (OrderStatus.PLACED, OrderStatus.CANCELLED) else o.total
    )
    placed_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=12))


def add_item(order: Order, name: str = "Ceramic mug 350 ml", quantity: int = 12) -> OrderItem:
    return OrderItem.objects.create(
        order=order,
        product_name=name,
        sku="MUG-350",
        quantity=quantity,
        unit_price=Decimal("10.00"),
    )


def pay(order: Order, paid_at=None) -> Payment:
    return Payment.objects.create(
        order=order,
        method="card",
        provider_reference=f"PAY-{order.reference}",
        amount=order.amount_paid,
        currency=order.currency,
        paid_at=paid_at or order.placed_at + timedelta(minutes=5),
    )


def ship(order: Order, shipped_at, delivered_at=None) -> Shipment:
    return Shipment.objects.create(
        order=order,
        carrier="DHL Express",
        tracking_number="1234567890",
        shipped_at=shipped_at,
        delivered_at=delivered_at,
    )


def full_order(**kwargs) -> Order:
    """A delivered order with an item, a payment and a shipment (delivered 5 days ago)."""
    now = timezone.now()
    delivered_at = kwargs.pop("delivered_at", now - timedelta(days=5))
    order = OrderFactory(**kwargs)
    add_item(order)
    pay(order)
    ship(order, shipped_at=delivered_at - timedelta(days=4), delivered_at=delivered_at)
    return order


class DisputeFactory(factory.django.DjangoModelFactory):
    """A dispute row in a given state, for reads; transitions have their own services."""

    class Meta:
        model = Dispute

    order = factory.SubFactory(OrderFactory)
    buyer = factory.LazyAttribute(lambda d: d.order.buyer)
    seller = factory.LazyAttribute(lambda d: d.order.seller)
    type = DisputeType.QUALITY
    reason = "damaged"
    description = "Half of the mugs arrived broken."
    claimed_amount = Decimal("60.00")
    requested_outcome = "partial_refund"
    state = DisputeState.AWAITING_SELLER
