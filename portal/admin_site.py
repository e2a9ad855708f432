from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django_otp.admin import OTPAdminSite


class PortalAdminSite(OTPAdminSite):
    """The IT staff's admin: only for staff verified with a one-time code in this session."""

    site_header = _("Public-service portal administration")
    site_title = _("Portal administration")
    index_title = _("Catalogue, users, calendar and reports")
    # The index and the breadcrumbs lead everywhere; the side navigation took 300 px from every
    # list at office widths (static/css/admin.css).
    enable_nav_sidebar = False

    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        # One login page for everyone: the two-factor login of the portal.
        next_url = request.GET.get(REDIRECT_FIELD_NAME, reverse("admin:index"))
        return redirect(
            f"{reverse('two_factor:login')}?{urlencode({REDIRECT_FIELD_NAME: next_url})}"
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """A list and detail pages to read, for records the portal writes itself (logs, sync state).

    Nobody adds, edits or deletes them here, superusers included: they are the record of what
    the scheduled jobs did.
    """

    show_full_result_count = False  # one COUNT per page, not two, on big tables

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
