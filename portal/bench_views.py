"""A bare Django view: the baseline every page in bench/ is measured against.

It goes through the whole middleware stack but does no work of its own. The URL is only
registered when the BENCH_VIEWS_ENABLED setting is true (never by default, so not in
production unless someone enables it on purpose).
"""

from django.http import HttpRequest, HttpResponse


def bare(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
