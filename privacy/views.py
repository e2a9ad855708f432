"""“Dữ liệu cá nhân của tôi”: /tai-khoan/du-lieu-ca-nhan/ (namespace "privacy").

Everything here is the signed-in person's own data: there is no id in any address, so nobody
can ask for somebody else's.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.client_address import client_address
from portal.models import User

from . import services
from .forms import DataRequestForm


def _user(request: HttpRequest) -> User:
    return cast(User, request.user)


def _render(
    request: HttpRequest, form: DataRequestForm | None = None, *, status: int = 200
) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    context = {
        "form": form or DataRequestForm(),
        "requests": [(item, item.answer_overdue(now)) for item in services.requests_of(user)],
        "sharing": services.sharing_records_of(user),
    }
    return render(request, "privacy/index.html", context, status=status)


@require_safe
@login_required
def index(request: HttpRequest) -> HttpResponse:
    return _render(request)


@require_POST
@login_required
def export(request: HttpRequest) -> StreamingHttpResponse:
    user = _user(request)
    services.export_request(subject=user, ip=client_address(request))
    response = StreamingHttpResponse(services.export_stream(user), content_type="application/zip")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="du-lieu-ca-nhan-{stamp}.zip"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def data_request(request: HttpRequest) -> HttpResponse:
    form = DataRequestForm(request.POST)
    if form.is_valid():
        try:
            created = services.data_request(
                subject=_user(request),
                kind=form.cleaned_data["kind"],
                field=form.cleaned_data["field"],
                details=form.cleaned_data["details"],
                ip=client_address(request),
            )
        except services.DataRequestError as err:
            for name, message in err.field_errors.items():
                form.add_error(name if name in form.fields else None, message)
        else:
            due = timezone.localtime(created.answer_due_at).strftime("%H:%M %d/%m/%Y")
            messages.success(
                request,
                _(
                    "Your request %(code)s has been received. The provincial IT staff will "
                    "answer it here by %(due)s."
                )
                % {"code": created.reference, "due": due},
            )
            return redirect("privacy:index")
    return _render(request, form, status=400)
