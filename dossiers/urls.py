from django.urls import path

from . import views

app_name = "dossiers"

urlpatterns = [
    path("nop-ho-so/<str:code>/", views.submit, name="submit"),
]
