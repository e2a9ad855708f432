from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("xac-thuc/", views.verify, name="verify"),
    path("xac-thuc/<str:token>/", views.verify_token, name="verify_token"),
    path("api/xac-thuc/", views.api_verify, name="api_verify"),
    path("api/xac-thuc/<str:token>/", views.api_document, name="api_document"),
]
