from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.prebuilt import PrebuiltFields
from disputes.api.fields import Money
from disputes.api.serializers import PersonSerializer, SellerSerializer
from orders.eligibility import Eligibility, dispute_eligibility
from orders.models import Order, OrderItem


class OrderItemSerializer(PrebuiltFields):
    unit_price = Money()

    class Meta:
        model = OrderItem
        fields = ["product_name", "sku", "quantity", "unit_price"]
        read_only_fields = fields


class ShipmentSerializer(serializers.Serializer):
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    shipped_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)


class OrderSerializer(PrebuiltFields):
    """An order with whether the viewer can open a dispute on it now, and why not."""

    buyer = PersonSerializer()
    seller = SellerSerializer()
    total = Money()
    amount_paid = Money()
    can_dispute = serializers.SerializerMethodField()
    dispute_blocked_reason = serializers.SerializerMethodField()
    dispute_blocked_code = serializers.SerializerMethodField()
    dispute_types = serializers.SerializerMethodField()
    shipment = serializers.SerializerMethodField()

    class Meta:
        model = Order
        fields = [
            "id",
            "reference",
            "status",
            "buyer",
            "seller",
            "currency",
            "total",
            "amount_paid",
            "placed_at",
            "expected_delivery_date",
            "shipment",
            "can_dispute",
            "dispute_blocked_reason",
            "dispute_blocked_code",
            "dispute_types",
        ]
        read_only_fields = fields

    def _eligibility(self, order: Order) -> Eligibility:
        # Four fields read it: computed once per order (the child serializer is shared).
        cache: dict[int, Eligibility] = self.__dict__.setdefault("_eligibility_cache", {})
        if order.pk not in cache:
            cache[order.pk] = dispute_eligibility(order)
        return cache[order.pk]

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_can_dispute(self, order: Order) -> bool:
        # Only the buyer opens disputes; a seller sees the same order as not disputable.
        return self._is_buyer(order) and self._eligibility(order).allowed

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dispute_blocked_reason(self, order: Order) -> str | None:
        if not self._is_buyer(order):
            return "Only the buyer of an order can open a dispute about it."
        eligibility = self._eligibility(order)
        return None if eligibility.allowed else eligibility.reason

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_dispute_blocked_code(self, order: Order) -> str | None:
        if not self._is_buyer(order):
            return "not_buyer"
        eligibility = self._eligibility(order)
        return None if eligibility.allowed else eligibility.code

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_dispute_types(self, order: Order) -> list[str]:
        if not self._is_buyer(order):
            return []
        return list(self._eligibility(order).types)

    @extend_schema_field(ShipmentSerializer(allow_null=True))
    def get_shipment(self, order: Order) -> dict[str, Any] | None:
        shipment = getattr(order, "shipment", None)
        return None if shipment is None else ShipmentSerializer(shipment).data

    def _is_buyer(self, order: Order) -> bool:
        return order.buyer_id == self.context["request"].user.pk


class OrderDetailSerializer(OrderSerializer):
    items = OrderItemSerializer(many=True)

    class Meta(OrderSerializer.Meta):
        fields = [*OrderSerializer.Meta.fields, "items"]
        read_only_fields = fields
