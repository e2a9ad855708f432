"""Staff work pages under /can-bo/ (namespace "desk")."""

from django.urls import path  # noqa: F401

app_name = "desk"

urlpatterns: list = []
