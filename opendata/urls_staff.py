from django.urls import path

from . import views_staff

app_name = "service_index"

urlpatterns = [path("", views_staff.index, name="index")]
