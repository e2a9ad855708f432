"""Public lookup by dossier code and the kiosk (namespace "lookup")."""

from django.urls import path  # noqa: F401

app_name = "lookup"

urlpatterns: list = []
