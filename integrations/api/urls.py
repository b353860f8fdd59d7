"""``/api/``: v1 of the REST API (SPEC section 9), its OpenAPI schema and docs."""

from __future__ import annotations

from django.urls import path, re_path

from core.api import errors
from disputes.api import views as disputes
from disputes.api.actions import ACTIONS
from disputes.party_record import api as record
from evidence import api as evidence
from integrations.api import auth, carrier_events, docs, webhooks
from mediation import canned_api
from orders.api import views as orders

app_name = "api"

v1 = [
    path("v1/auth/token/", auth.TokenView.as_view(), name="token"),
    path("v1/orders/", orders.OrderListView.as_view(), name="order-list"),
    path("v1/orders/<str:id>/", orders.OrderDetailView.as_view(), name="order-detail"),
    path(
        "v1/orders/<str:id>/messages/",
        orders.OrderMessageListView.as_view(),
        name="order-messages",
    ),
    path("v1/disputes/", disputes.DisputeListView.as_view(), name="dispute-list"),
    path("v1/disputes/<str:id>/", disputes.DisputeDetailView.as_view(), name="dispute-detail"),
    *[
        path(
            f"v1/disputes/<str:id>/{name.replace('_', '-')}/",
            disputes.transition_view(name).as_view(),
            name=f"dispute-{name.replace('_', '-')}",
        )
        for name in ACTIONS
    ],
    path(
        "v1/disputes/<str:id>/decision-pdf/",
        record.DecisionPdfView.as_view(),
        name="dispute-decision-pdf",
    ),
    path(
        "v1/disputes/<str:id>/case-file/",
        record.PartyCaseFileView.as_view(),
        name="dispute-case-file",
    ),
    path("v1/disputes/<str:id>/offers/", disputes.OfferListView.as_view(), name="dispute-offers"),
    path("v1/disputes/<str:id>/events/", disputes.EventListView.as_view(), name="dispute-events"),
    path(
        "v1/disputes/<str:id>/messages/",
        disputes.MessageListView.as_view(),
        name="dispute-messages",
    ),
    path(
        "v1/disputes/<str:id>/evidence/", evidence.EvidenceListView.as_view(), name="evidence-list"
    ),
    path(
        "v1/disputes/<str:id>/evidence/<int:eid>/download/",
        evidence.EvidenceDownloadView.as_view(),
        name="evidence-download",
    ),
    path(
        "v1/disputes/<str:id>/evidence/<int:eid>/thumbnail/",
        evidence.EvidenceThumbnailView.as_view(),
        name="evidence-thumbnail",
    ),
    path(
        "v1/disputes/<str:id>/canned-replies/<int:rid>/",
        canned_api.CannedReplyFilledView.as_view(),
        name="dispute-canned-reply",
    ),
    path("v1/canned-replies/", canned_api.CannedReplyListView.as_view(), name="canned-replies"),
    path("v1/notifications/", disputes.NotificationListView.as_view(), name="notification-list"),
    path(
        "v1/notifications/<int:pk>/read/",
        disputes.NotificationReadView.as_view(),
        name="notification-read",
    ),
    # A tracking service's signed news of a return or replacement (issue 15 item 6).
    path(
        "v1/carrier-events/",
        carrier_events.CarrierEventView.as_view(),
        name="carrier-events",
    ),
    path("v1/webhooks/endpoints/", webhooks.EndpointListView.as_view(), name="webhook-endpoints"),
    path("v1/webhooks/deliveries/", webhooks.DeliveryListView.as_view(), name="webhook-deliveries"),
    path(
        "v1/webhooks/deliveries/<int:pk>/replay/",
        webhooks.DeliveryReplayView.as_view(),
        name="webhook-replay",
    ),
]

urlpatterns = [
    *v1,
    path("schema/", docs.SchemaView.as_view(), name="schema"),
    # Anything else under /api/ is a JSON 404, like every other API error.
    re_path(r"^v1/[\s\S]*$", errors.not_found_view, name="not-found"),
    path("docs/", docs.SwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("docs/redoc/", docs.RedocView.as_view(url_name="api:schema"), name="redoc"),
]
