from django.urls import path

from . import views

app_name = "bookings_desk"

urlpatterns = [
    path("", views.desk_capacity, name="capacity"),
    path("<int:pk>/tiep-nhan/", views.desk_register, name="register"),
]
