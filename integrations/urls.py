from django.urls import path

from integrations import views

app_name = "integrations"
urlpatterns = [
    path("api-tokens/", views.tokens_view, name="tokens"),
    path("api-tokens/<int:pk>/revoke/", views.token_revoke_view, name="token_revoke"),
    path("webhooks/", views.webhooks_view, name="webhooks"),
    path("webhooks/<int:pk>/disable/", views.endpoint_disable_view, name="endpoint_disable"),
    path(
        "webhooks/deliveries/<int:pk>/replay/", views.delivery_replay_view, name="delivery_replay"
    ),
]
