from django.urls import path

from . import views

app_name = "eforms"

urlpatterns = [
    path(
        "ho-so-cua-toi/<int:pk>/to-khai/<int:document_id>/",
        views.fill,
        name="fill",
    ),
]
