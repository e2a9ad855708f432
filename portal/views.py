from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET

from procedures.presenters import procedure_summary
from procedures.selectors import popular_procedures

from . import services
from .forms import ProfileForm, SignUpForm
from .models import User

POPULAR_CACHE_SECONDS = 300


def home(request: HttpRequest) -> HttpResponse:
    # The most visited page: the popular list may be a few minutes old.
    key = f"home:popular:{translation.get_language()}"
    popular = cache.get(key)
    if popular is None:
        popular = [procedure_summary(procedure) for procedure in popular_procedures(6)]
        cache.set(key, popular, POPULAR_CACHE_SECONDS)
    return render(request, "portal/home.html", {"popular_procedures": popular})


def terms_of_use(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness for the load balancer: the database (and Redis when used)."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    if settings.REDIS_URL:
        try:
            cache.set("health-check", "ok", 5)
            checks["cache"] = "ok" if cache.get("health-check") == "ok" else "error"
        except Exception:
            checks["cache"] = "error"
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks}, status=200 if healthy else 503
    )


# --- Accounts ------------------------------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.citizen_register(
            full_name=data["full_name"],
            national_id=data["national_id"],
            email=data["email"],
            phone=data["phone"],
            password=data["password1"],
        )
        login(request, user, backend="portal.auth_backends.IdentifierBackend")
        messages.success(
            request,
            _("Welcome, %(name)s. Your account has been created.") % {"name": user.full_name},
        )
        return redirect("portal:profile")
    return render(request, "portal/account/signup.html", {"form": form})


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)  # login_required
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        changed = {name: form.cleaned_data[name] for name in form.changed_data}
        if changed:
            services.user_update_profile(user=user, actor=user, **changed)
            messages.success(request, _("Your details have been saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("portal:profile")
    return render(request, "portal/account/profile.html", {"form": form})


# --- Error pages ---------------------------------------------------------------------------


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    # Rendered without a request context: the database or a context processor may be the fault.
    from django.template import loader

    return HttpResponse(loader.get_template("500.html").render(), status=500)
