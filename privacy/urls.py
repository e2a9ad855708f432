"""The citizen's personal data: /tai-khoan/du-lieu-ca-nhan/ (namespace "privacy")."""

from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("", views.index, name="index"),
    path("tai-ve/", views.export, name="export"),
    path("yeu-cau/", views.data_request, name="request"),
]
