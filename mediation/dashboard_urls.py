"""The dashboard and the case-file export, mounted under /mediation/ beside mediation.urls."""

from django.urls import path

from mediation import casefile_views, dashboard_views

app_name = "mediation_dashboard"
urlpatterns = [
    path("dashboard/", dashboard_views.dashboard_view, name="dashboard"),
    path("dashboard/export.csv", dashboard_views.dashboard_csv_view, name="csv"),
    path("cases/<str:reference>/export/", casefile_views.export_view, name="casefile"),
]
