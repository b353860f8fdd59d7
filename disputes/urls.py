from django.urls import path

from disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list_view, name="list"),
    path("<str:reference>/", views.dispute_detail_view, name="detail"),
    path("<str:reference>/act/<str:name>/", views.dispute_action_view, name="act"),
    path("<str:reference>/messages/", views.message_post_view, name="message"),
    path("<str:reference>/thread/", views.thread_view, name="thread"),
]
