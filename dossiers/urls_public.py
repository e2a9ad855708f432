"""Public lookup by dossier code and the kiosk (namespace "lookup")."""

from django.urls import path

from . import views_public

app_name = "lookup"

urlpatterns = [
    path("tra-cuu/", views_public.lookup, name="lookup"),
    path("kiosk/", views_public.kiosk, name="kiosk"),
    path("api/sms/inbound/", views_public.sms_inbound, name="sms_inbound"),
]
