from django.urls import path

from . import views

app_name = "procedures"

urlpatterns = [
    path("thu-tuc/", views.procedure_list, name="list"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="detail"),
    path("thu-tuc/<str:code>/phien-ban/<int:number>/", views.procedure_version, name="version"),
    path("thu-tuc/<str:code>/mau/<int:document_id>/", views.form_download, name="form"),
    path("linh-vuc/", views.sector_list, name="sectors"),
    path("linh-vuc/<str:code>/", views.sector_detail, name="sector"),
    path("co-quan/", views.agency_list, name="agencies"),
    path("co-quan/<str:code>/", views.agency_detail, name="agency"),
]
