from django.urls import path

from . import views

app_name = "bookings"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("tra-cuu/", views.lookup, name="lookup"),
    path("ma/<str:code>/", views.detail, name="detail"),
    path("ma/<str:code>/huy/", views.cancel, name="cancel"),
    path("thu-tuc/<str:code>/", views.book, name="book"),
]
