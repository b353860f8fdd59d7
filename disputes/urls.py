from django.urls import path

from disputes import views
from disputes.party_record import views as record

app_name = "disputes"
urlpatterns = [
    path("", views.dispute_list_view, name="list"),
    path("<str:reference>/", views.dispute_detail_view, name="detail"),
    path("<str:reference>/act/<str:name>/", views.dispute_action_view, name="act"),
    path("<str:reference>/messages/", views.message_post_view, name="message"),
    path("<str:reference>/thread/", views.thread_view, name="thread"),
    # The parties' own record (SPEC 13.4).
    path("<str:reference>/decision.pdf", record.decision_pdf_view, name="decision_pdf"),
    path("<str:reference>/case-file/", record.case_file_view, name="case_file"),
    path("<str:reference>/if-you-disagree/", record.if_you_disagree_view, name="if_you_disagree"),
]
