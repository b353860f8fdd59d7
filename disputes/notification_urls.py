from django.urls import path

from disputes import views

urlpatterns = [
    path("", views.notification_list_view, name="notifications"),
    path("read-all/", views.notification_read_all_view, name="notifications_read_all"),
    path("preferences/", views.notification_preferences_view, name="notification_preferences"),
    path("<int:pk>/read/", views.notification_read_view, name="notification_read"),
]
