"""The open-data page (/du-lieu-mo/) and its downloads at stable URLs."""

from __future__ import annotations

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import quote_etag
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from portal.http_cache import public_for_visitors

from . import downloads

DOWNLOAD_CACHE = "public, max-age=3600"


@require_safe
@public_for_visitors(max_age=300)
def index(request: HttpRequest) -> HttpResponse:
    generated = {item.name: item.generated_at for item in downloads.open_data_files()}
    return render(
        request,
        "opendata/index.html",
        {
            "licence": settings.OPEN_DATA_LICENCE,
            "catalogue_generated": generated.get("thu-tuc.json"),
            "monthly_generated": generated.get("thong-ke-thang.json"),
        },
    )


@require_safe
def download(request: HttpRequest, name: str) -> HttpResponse:
    item = downloads.open_data_file(name)
    if item is None:
        raise Http404(_("There is no such open-data file."))
    etag = quote_etag(item.etag)
    response = HttpResponse(bytes(item.content), content_type=item.content_type)
    response["ETag"] = etag
    response["Last-Modified"] = item.generated_at.strftime("%a, %d %b %Y %H:%M:%S GMT")
    response["Cache-Control"] = DOWNLOAD_CACHE
    response["Content-Disposition"] = f'inline; filename="{item.name}"'
    conditional = get_conditional_response(request, etag=etag, response=response)
    if conditional is not None and conditional is not response:
        conditional["Cache-Control"] = DOWNLOAD_CACHE
        return conditional
    return response
