from django.urls import path

from . import views

app_name = "opendata"

urlpatterns = [
    path("du-lieu-mo/", views.index, name="index"),
    path("du-lieu-mo/<str:name>", views.download, name="download"),
]
