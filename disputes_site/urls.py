from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts import views as accounts_views
from disputes_site import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The key that checks the signed checkpoints of the record (docs/audit.md).
    path(".well-known/disputes-audit-key", views.audit_public_key, name="audit_public_key"),
    # Mediation dashboard and case-file export (their own include beside mediation.urls).
    path("mediation/", include("mediation.dashboard_urls")),
    # The leads' payments needing attention (failed refunds, SPEC 13.4).
    path("mediation/payments/", include("mediation.payments_urls")),
    path("accounts/", include("allauth.urls")),
    path("account/", include("accounts.urls")),
    path("help/avoid-disputes/", accounts_views.avoid_disputes_view, name="avoid_disputes"),
    path("sellers/<int:pk>/", accounts_views.seller_page_view, name="seller_page"),
    path("orders/", include("orders.urls")),
    path("disputes/", include("evidence.urls")),
    path("disputes/", include("disputes.urls")),
    path("notifications/", include("disputes.notification_urls")),
    path("mediation/", include("mediation.urls")),
    path("admin/", admin.site.urls),
    # REST API v1, its schema and docs (integrations app).
    path("api/", include("integrations.api.urls")),
    path("account/", include("integrations.urls")),
]

if settings.BENCH_MODE:
    # The benchmark's framework floor (docs/benchmarks.md); never on otherwise.
    from bench.views import floor

    urlpatterns.append(path("bench/floor/", floor))
