"""Staff work pages under /can-bo/ (namespace "desk")."""

from django.urls import path

from . import views_desk

app_name = "desk"

urlpatterns = [
    path("", views_desk.queue, name="queue"),
    path("tiep-nhan/", views_desk.walk_in, name="walk_in"),
    path("ho-so/<int:pk>/", views_desk.dossier, name="dossier"),
    path(
        "ho-so/<int:pk>/yeu-cau-bo-sung/",
        views_desk.request_supplement,
        name="request_supplement",
    ),
    path("ho-so/<int:pk>/tu-choi/", views_desk.refuse, name="refuse"),
    path("ho-so/<int:pk>/tiep-nhan/", views_desk.accept, name="accept"),
    path("ho-so/<int:pk>/chuyen-xu-ly/", views_desk.forward, name="forward"),
    path(
        "ho-so/<int:pk>/doi-chieu-ban-goc/",
        views_desk.mark_originals_checked,
        name="originals",
    ),
    path("ho-so/<int:pk>/tep/<int:attachment_pk>/", views_desk.attachment, name="attachment"),
]
