from django.contrib import admin

from orders.models import Order, OrderItem, Payment, Shipment


class OrderItemInline(admin.TabularInline):
    model = OrderItem
    extra = 0


class PaymentInline(admin.StackedInline):
    model = Payment
    extra = 0


class ShipmentInline(admin.StackedInline):
    model = Shipment
    extra = 0


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "buyer",
        "seller",
        "status",
        "total",
        "amount_paid",
        "currency",
        "placed_at",
    )
    list_filter = ("status", "currency")
    search_fields = (
        "reference",
        "buyer__email",
        "seller__email",
        "seller__seller_profile__store_name",
    )
    list_select_related = ("buyer", "seller")
    readonly_fields = ("reference",)
    date_hierarchy = "placed_at"
    inlines = (OrderItemInline, PaymentInline, ShipmentInline)
    raw_id_fields = ("buyer", "seller")


@admin.register(Payment)
class PaymentAdmin(admin.ModelAdmin):
    list_display = ("provider_reference", "order", "amount", "currency", "status", "paid_at")
    list_filter = ("status", "provider")
    search_fields = ("provider_reference", "order__reference")
    list_select_related = ("order",)
    raw_id_fields = ("order",)


@admin.register(Shipment)
class ShipmentAdmin(admin.ModelAdmin):
    list_display = ("order", "carrier", "tracking_number", "shipped_at", "delivered_at")
    search_fields = ("tracking_number", "order__reference")
    list_select_related = ("order",)
    raw_id_fields = ("order",)


@admin.register(OrderItem)
class OrderItemAdmin(admin.ModelAdmin):
    list_display = ("order", "product_name", "sku", "quantity", "unit_price")
    search_fields = ("product_name", "sku", "order__reference")
    list_select_related = ("order",)
    raw_id_fields = ("order",)
