"""Deadline pages under /can-bo/lien-thong/ (namespace "handling"): hand-offs, pauses, apologies."""

from django.urls import path

from . import views_handling as views

app_name = "handling"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.handoff, name="handoff"),
    path("<int:pk>/tiep-nhan/", views.handoff_receive, name="handoff_receive"),
    path("<int:pk>/tra-lai/", views.handoff_return, name="handoff_return"),
    path("ho-so/<int:pk>/", views.dossier, name="dossier"),
    path("ho-so/<int:pk>/yeu-cau-bo-sung/", views.request_supplement, name="request_supplement"),
    path("ho-so/<int:pk>/chuyen-lien-thong/", views.handoff_send, name="handoff_send"),
    path("ho-so/<int:pk>/xin-loi/", views.apology_draft, name="apology_draft"),
    path("ho-so/<int:pk>/phieu-kiem-soat/", views.control_slip, name="control_slip"),
    path("xin-loi/<int:pk>/duyet/", views.apology_approve, name="apology_approve"),
    path("xin-loi/<int:pk>/tra-lai/", views.apology_send_back, name="apology_send_back"),
]
