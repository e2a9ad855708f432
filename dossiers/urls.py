"""Citizen dossier pages: online submission and "My dossiers" (namespace "dossiers")."""

from django.urls import path

from . import views_citizen

app_name = "dossiers"

urlpatterns = [
    path("nop-ho-so/<str:code>/", views_citizen.submit, name="submit"),
    path("ho-so-cua-toi/", views_citizen.mine, name="mine"),
    path("ho-so-cua-toi/<int:pk>/", views_citizen.detail, name="detail"),
    path("ho-so-cua-toi/<int:pk>/soan/", views_citizen.draft_edit, name="draft_edit"),
    path("ho-so-cua-toi/<int:pk>/huy-ban-nhap/", views_citizen.discard, name="discard"),
    path("ho-so-cua-toi/<int:pk>/da-nop/", views_citizen.submitted, name="submitted"),
    path("ho-so-cua-toi/<int:pk>/bo-sung/", views_citizen.supplement, name="supplement"),
    path("ho-so-cua-toi/<int:pk>/rut-ho-so/", views_citizen.withdraw, name="withdraw"),
    path(
        "ho-so-cua-toi/<int:pk>/tep/<int:file_pk>/",
        views_citizen.attachment,
        name="attachment",
    ),
    path("ho-so-cua-toi/<int:pk>/ket-qua/<int:file_pk>/", views_citizen.result, name="result"),
    path(
        "ho-so-cua-toi/<int:pk>/thong-bao/<int:notice_pk>/",
        views_citizen.notice,
        name="notice",
    ),
]
