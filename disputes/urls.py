from django.urls import path

from disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list_view, name="list"),
    path("<str:reference>/", views.dispute_detail_view, name="detail"),
]
