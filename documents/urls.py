"""The citizen's document store: /kho-du-lieu/ (namespace "documents")."""

from django.urls import path

from . import views

app_name = "documents"

urlpatterns = [
    path("", views.index, name="index"),
    path("tai-len/", views.upload, name="upload"),
    path("<int:pk>/tep/", views.download, name="file"),
    path("<int:pk>/xoa/", views.delete, name="delete"),
]
