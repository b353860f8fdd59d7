from django.urls import path

from evidence import views

app_name = "evidence"
urlpatterns = [
    path("<str:reference>/evidence/", views.upload_view, name="upload"),
    path("<str:reference>/evidence/gallery/", views.gallery_view, name="gallery"),
    path("<str:reference>/evidence/<int:pk>/download/", views.download_view, name="download"),
    path("<str:reference>/evidence/<int:pk>/thumbnail/", views.thumbnail_view, name="thumbnail"),
]
