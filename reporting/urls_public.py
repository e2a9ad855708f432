from django.urls import path

from . import views_public

app_name = "statistics"

urlpatterns = [path("thong-ke/", views_public.statistics, name="statistics")]
