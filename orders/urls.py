from django.urls import path

from orders import conversation_views, views

app_name = "orders"
urlpatterns = [
    path("", views.order_list_view, name="list"),
    path("<str:reference>/", views.order_detail_view, name="detail"),
    path("<str:reference>/dispute/", views.start_dispute_view, name="start_dispute"),
    path(
        "<str:reference>/conversation/",
        conversation_views.order_conversation_view,
        name="conversation",
    ),
]
