from django.urls import path

from mediation import views

app_name = "mediation"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("reassign/", views.reassign_view, name="reassign"),
    path("cases/<str:reference>/", views.case_view, name="case"),
    path("cases/<str:reference>/take/", views.take_view, name="take"),
    path("cases/<str:reference>/note/", views.note_view, name="note"),
    path("cases/<str:reference>/message/", views.message_view, name="message"),
    path("cases/<str:reference>/act/<str:name>/", views.action_view, name="act"),
]
