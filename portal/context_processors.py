from django.conf import settings
from django.http import HttpRequest


def portal(request: HttpRequest) -> dict[str, object]:
    return {
        "PORTAL_NAME": settings.PORTAL_NAME,
        "PORTAL_OPERATOR": settings.PORTAL_OPERATOR,
    }
