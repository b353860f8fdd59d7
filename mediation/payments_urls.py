"""The leads' payments needing attention, mounted under /mediation/payments/."""

from django.urls import path

from mediation import payments_views

app_name = "mediation_payments"
urlpatterns = [
    path("", payments_views.payments_view, name="list"),
    path("<int:pk>/retry/", payments_views.retry_view, name="retry"),
    path("<int:pk>/outside/", payments_views.outside_view, name="outside"),
]
