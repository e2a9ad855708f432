from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from opendata.api import api

from . import metrics, views
from .account_urls import account_patterns, two_factor_patterns

portal_patterns = [
    path("", views.home, name="home"),
    path("dieu-khoan-su-dung/", views.terms_of_use, name="terms"),
    path("api/health/", views.health, name="health"),
    path("api/health/live/", views.health_live, name="health-live"),
    path("api/metrics/", metrics.metrics, name="metrics"),
    *account_patterns,
]

urlpatterns = [
    # The public lookup first: the busiest page, resolved without trying the others.
    path("", include("dossiers.urls_public")),
    path("", include((portal_patterns, "portal"))),
    path("tai-khoan/", include((two_factor_patterns, "two_factor"))),
    path("", include("procedures.urls")),
    path("", include("dossiers.urls")),
    path("", include("eforms.urls")),
    path("can-bo/", include("dossiers.urls_desk")),
    path("can-bo/bao-cao/", include("reporting.urls_staff")),
    path("can-bo/chi-so/", include("opendata.urls_staff")),
    path("can-bo/lien-thong/", include("dossiers.urls_handling")),
    path("", include("reporting.urls_public")),
    path("", include("feedback.urls")),
    # Choosing the language changes nothing but a cookie: no CSRF token, so that public pages
    # carry nothing per visitor and can be cached.
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("", include("payments.urls")),
    # The public read-only API and its OpenAPI schema: /api/v1/…, /api/docs/, /api/openapi.json.
    path("api/", api.urls),
    path("", include("opendata.urls")),
    path("", include("signing.urls")),
    path("kho-du-lieu/", include("documents.urls")),
    path("tai-khoan/du-lieu-ca-nhan/", include("privacy.urls")),
    path("dat-lich/", include("bookings.urls")),
    path("can-bo/dat-lich/", include("bookings.urls_desk")),
    path("admin/", admin.site.urls),
]

if settings.BENCH_VIEWS_ENABLED:
    from . import bench_views

    urlpatterns += [path("api/bench/bare/", bench_views.bare, name="bench-bare")]

if settings.DEBUG:
    from django.conf.urls.static import static

    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler403 = "portal.views.permission_denied"
handler404 = "portal.views.page_not_found"
handler500 = "portal.views.server_error"
