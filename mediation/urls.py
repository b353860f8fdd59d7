from django.urls import path

from mediation import canned_views, views

app_name = "mediation"
urlpatterns = [
    path("", views.queue_view, name="queue"),
    path("reassign/", views.reassign_view, name="reassign"),
    path("replies/", canned_views.library_view, name="canned_replies"),
    path("replies/new/", canned_views.create_view, name="canned_reply_new"),
    path("replies/<int:pk>/edit/", canned_views.edit_view, name="canned_reply_edit"),
    path("replies/<int:pk>/retire/", canned_views.retire_view, name="canned_reply_retire"),
    path("replies/<int:pk>/restore/", canned_views.restore_view, name="canned_reply_restore"),
    path("cases/<str:reference>/", views.case_view, name="case"),
    path("cases/<str:reference>/take/", views.take_view, name="take"),
    path("cases/<str:reference>/note/", views.note_view, name="note"),
    path("cases/<str:reference>/message/", views.message_view, name="message"),
    path("cases/<str:reference>/act/<str:name>/", views.action_view, name="act"),
]
