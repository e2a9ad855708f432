"""Public verification of the portal's signed documents (/xac-thuc/, and JSON under /api/)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .forms import VerifyForm
from .models import SignedDocument
from .verification import UnreadablePdf, Verdict, verify_pdf


def _issued(token: str) -> SignedDocument:
    document = (
        SignedDocument.objects.select_related("agency")
        .filter(token=token, status=SignedDocument.Status.ISSUED)
        .first()
    )
    if document is None:
        raise Http404("no such document")
    return document


def _check(form: VerifyForm, token: str | None) -> Verdict | None:
    if not form.is_valid():
        return None
    try:
        return verify_pdf(form.cleaned_data["file"], token=token)
    except UnreadablePdf as error:
        form.add_error("file", str(error))
        return None


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    form = VerifyForm(request.POST or None, request.FILES or None)
    verdict = _check(form, None) if request.method == "POST" else None
    status = 400 if request.method == "POST" and verdict is None else 200
    return render(request, "signing/verify.html", {"form": form, "verdict": verdict}, status=status)


@require_http_methods(["GET", "POST"])
def verify_token(request: HttpRequest, token: str) -> HttpResponse:
    document = _issued(token)
    form = VerifyForm(request.POST or None, request.FILES or None)
    verdict = _check(form, token) if request.method == "POST" else None
    status = 400 if request.method == "POST" and verdict is None else 200
    return render(
        request,
        "signing/verify.html",
        {"form": form, "verdict": verdict, "document": document},
        status=status,
    )


@csrf_exempt  # no session is read or changed: anyone may check a file
@require_http_methods(["POST"])
def api_verify(request: HttpRequest) -> JsonResponse:
    form = VerifyForm(request.POST, request.FILES)
    verdict = _check(form, request.POST.get("token") or None)
    if verdict is None:
        errors = [str(message) for message in form.errors.get("file", [])]
        return JsonResponse({"outcome": "error", "errors": errors}, status=400)
    return JsonResponse(verdict.as_json())


@require_http_methods(["GET"])
def api_document(request: HttpRequest, token: str) -> JsonResponse:
    document = _issued(token)
    return JsonResponse(
        {
            "kind": document.kind,
            "kind_name": document.get_kind_display(),
            "dossier_code": document.dossier_code,
            "agency": document.issuer,
            "signer": document.signer,
            "signed_at": document.signed_at.isoformat() if document.signed_at else None,
            "sha256": document.sha256,
        }
    )
