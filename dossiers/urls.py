"""Dossier pages: citizens (submission, my dossiers), the desk (/can-bo/), public lookup."""

from django.urls import path

from . import views_citizen

app_name = "dossiers"

urlpatterns = [
    path("nop-ho-so/<str:code>/", views_citizen.submit, name="submit"),
]
