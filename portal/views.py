import sys
from typing import cast

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.core.cache.backends.locmem import LocMemCache
from django.core.exceptions import ValidationError
from django.db import InterfaceError as DatabaseInterfaceError
from django.db import OperationalError as DatabaseOperationalError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET
from kombu.exceptions import OperationalError as KombuOperationalError

from procedures.presenters import procedure_summary
from procedures.selectors import popular_procedures

from . import heartbeats, services
from .cache import REDIS_UNREACHABLE, ResilientRedisCache
from .forms import ProfileForm, SignUpForm
from .models import User

POPULAR_CACHE_SECONDS = 300
# The most visited page keeps its popular list in the process, not in Redis: nothing to share
# that is worth a round trip, and the home page keeps working when Redis does not.
popular_lists = LocMemCache("home-popular", {"TIMEOUT": POPULAR_CACHE_SECONDS})


def home(request: HttpRequest) -> HttpResponse:
    # The popular list may be a few minutes old.
    key = f"home:popular:{translation.get_language()}"
    popular = popular_lists.get(key)
    if popular is None:
        popular = [procedure_summary(procedure) for procedure in popular_procedures(6)]
        popular_lists.set(key, popular)
    return render(request, "portal/home.html", {"popular_procedures": popular})


def terms_of_use(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/terms.html")


def _web_checks() -> dict[str, str]:
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception:
        checks["database"] = "error"
    if settings.REDIS_URL:
        backend = caches[DEFAULT_CACHE_ALIAS]
        if isinstance(backend, ResilientRedisCache):
            checks["cache"] = "ok" if backend.reachable() else "error"
        else:
            try:
                backend.set("health-check", "ok", 5)
                checks["cache"] = "ok" if backend.get("health-check") == "ok" else "error"
            except Exception:
                checks["cache"] = "error"
    return checks


def _health_response(checks: dict[str, str]) -> JsonResponse:
    """503 without the database, or (monitoring) when beat or the workers are silent.

    Without Redis the pages still answer (the cache and rate limits work in the process, tasks
    wait for their sweepers): 200, "degraded", so that a load balancer does not take every web
    node out at once.
    """
    silent = {checks.get("beat"), checks.get("worker")} & {"silent"}
    if checks.get("database") != "ok" or silent:
        status = "error"
    elif all(value in {"ok", "starting"} for value in checks.values()):
        status = "ok"
    else:
        status = "degraded"
    return JsonResponse({"status": status, **checks}, status=503 if status == "error" else 200)


@never_cache
@require_GET
def health(request: HttpRequest) -> JsonResponse:
    """The whole portal, for monitoring: database, Redis, and whether beat and workers run."""
    checks = _web_checks()
    if settings.HEALTH_CHECK_WORKERS and checks.get("database") == "ok":
        checks.update(heartbeats.liveness())
    return _health_response(checks)


@never_cache
@require_GET
def health_live(request: HttpRequest) -> JsonResponse:
    """This web process can serve (database, Redis): for the load balancer and container checks.

    A silent beat must not take every web container out of rotation, so it is not checked here.
    """
    return _health_response(_web_checks())


# --- Accounts ------------------------------------------------------------------------------


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:profile")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.citizen_register(
                full_name=data["full_name"],
                national_id=data["national_id"],
                email=data["email"],
                phone=data["phone"],
                password=data["password1"],
            )
        except (services.AccountExistsError, ValidationError):
            # Another sign-up took these details meanwhile: checking again says which.
            form = SignUpForm(request.POST)
            if form.is_valid():
                form.add_error(None, _("An account with these details already exists."))
            return render(request, "portal/account/signup.html", {"form": form})
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


# Errors that mean a service is briefly unreachable, not a bug: the database (down, restarting,
# or a connection killed mid-request), or Redis where something does not degrade without it.
# (Not every OSError: a full disk is a fault to fix, not a moment to wait.)
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    DatabaseOperationalError,
    DatabaseInterfaceError,
    *REDIS_UNREACHABLE,
    KombuOperationalError,
)
RETRY_AFTER_SECONDS = 30


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """handler500, called inside the `except` of any uncaught exception (views and middleware).

    Rendered without a request context: the database or a context processor may be the fault.
    """
    from django.template import loader

    error = sys.exc_info()[1]
    if isinstance(error, UNAVAILABLE_ERRORS):
        content = loader.get_template("503.html").render({"retry_after": RETRY_AFTER_SECONDS})
        response = HttpResponse(content, status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        response["Cache-Control"] = "no-store"
        return response
    return HttpResponse(loader.get_template("500.html").render(), status=500)
