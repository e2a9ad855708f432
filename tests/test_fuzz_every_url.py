"""Every URL pattern and every form field of the portal, fed hostile input: never a 5xx.

The URL patterns are read from the URL configuration (a new page is fuzzed without touching
this file); path parameters get a plausible value from the demo data and hostile ones; every
query parameter the views read gets hostile values; every form found on the pages is posted
back with hostile values in all its fields at once and in each field alone. As a stranger,
as the demo citizen, as desk, specialist and leader staff and as the IT administrator.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import two_factor_login

pytestmark = pytest.mark.django_db

HOSTILE = {
    "nul": "ab\x00cd",
    "long": "Đ" * 2000,
    "combining": "a" + "\u0301\u0323\u0309" * 150,
    "rtl": "\u202e\u0645\u0631\u062d\u0628\u0627\u202c \u200f",
    "unicode-digits": "²①٣",
}
# Percent-encodings that decode to no valid UTF-8 (a surrogate half, stray bytes) or to NUL.
RAW_QUERY_VALUES = ["1%00", "%ED%A0%80%ff"]
# Every query parameter the views read (grep `GET.get`, `from_query`, `from_params`).
QUERY_PARAMETERS = [
    "ma", "q", "linh-vuc", "co-quan", "cap", "muc-do", "truc-tuyen", "trang", "sau", "idle",
    "tai", "thu-tuc", "tab", "trang-thai", "kenh", "han", "phong", "giao", "cho-duyet", "next",
    "p", "o", "e", "_changelist_filters", "vnp_TxnRef", "vnp_Amount", "vnp_SecureHash",
    "tu", "den", "xuat",
]  # fmt: skip
PASSWORD = "DemoDVC@2026"
LOGOUT = "/tai-khoan/dang-xuat/"


def _patterns(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), isinstance(entry.pattern, RoutePattern)


def all_routes() -> list[str]:
    """Every pattern as a route string; regular-expression patterns written as routes."""
    routes = []
    for route, is_route in _patterns(get_resolver().url_patterns):
        if is_route and "^" not in route:
            routes.append(route)
            continue
        # admin/<app>/<model>/^([^/]+)/history/([^/]+)/$ and the like.
        route = route.replace("^", "").replace("$", "")
        route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<str:\1>", route)
        route = re.sub(r"\([^)]*\)", "<str:object_id>", route, count=1)
        route = re.sub(r"\([^)]*\)", "<str:history_id>", route, count=1)
        routes.append(route)
    return routes


_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Form:
    action: str
    method: str
    multipart: bool
    fields: dict[str, str] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


class FormParser(HTMLParser):
    """The forms of a page with their fields' current values (first option, checked boxes)."""

    def __init__(self, page_path: str) -> None:
        super().__init__()
        self.page_path = page_path
        self.forms: list[Form] = []
        self.current: Form | None = None
        self.select: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            action = attrs.get("action") or self.page_path
            self.current = Form(
                action=urlsplit(action).path or self.page_path,
                method=(attrs.get("method") or "get").lower(),
                multipart="multipart" in (attrs.get("enctype") or ""),
            )
            self.forms.append(self.current)
        if self.current is None or not attrs.get("name"):
            return
        name = attrs["name"]
        if tag == "input":
            kind = (attrs.get("type") or "text").lower()
            if kind == "file":
                self.current.files.append(name)
            elif kind in ("checkbox", "radio"):
                if "checked" in attrs or name not in self.current.fields:
                    self.current.fields[name] = attrs.get("value") or "on"
            elif kind not in ("submit", "button", "image", "reset"):
                self.current.fields[name] = attrs.get("value") or ""
        elif tag == "textarea":
            self.current.fields[name] = ""
        elif tag == "select":
            self.select = name
            self.current.fields.setdefault(name, "")
        elif tag == "option" and self.select and not self.current.fields.get(self.select):
            self.current.fields[self.select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.current = None
        elif tag == "select":
            self.select = None


@pytest.fixture
def world():
    call_command("seed_demo", verbosity=0)
    from dossiers.models import Attachment, Dossier
    from feedback.models import Feedback
    from payments.models import Payment
    from portal.demo import DEMO_AGENCY, DEMO_CITIZEN
    from portal.models import User
    from procedures.models import Procedure, RequiredDocument

    citizen = User.objects.get(username=DEMO_CITIZEN)
    own = Dossier.objects.filter(applicant=citizen).exclude(state=Dossier.State.DRAFT).first()
    agency_dossier = Dossier.objects.filter(agency__code=DEMO_AGENCY).exclude(state="draft")
    form_document = RequiredDocument.objects.exclude(template_file="").select_related("procedure")
    document = form_document.first()
    published = Feedback.objects.filter(state=Feedback.State.PUBLISHED).first()
    feedback = Feedback.objects.first()
    payment = Payment.objects.filter(dossier=own).first() or Payment.objects.first()
    procedure = document.procedure if document else Procedure.published.first()
    return {
        "code": procedure.code,
        "number": "1",
        "document_id": str(document.pk) if document else "1",
        "sector": procedure.sector.code,
        "agency": procedure.agency.code,
        "own_dossier": str(own.pk),
        "agency_dossier": str(agency_dossier.first().pk),
        "file_pk": str(Attachment.objects.filter(dossier=own).values_list("pk", flat=True).first()),
        "token": feedback.token,
        "feedback": str(feedback.pk),
        "qa": str(published.pk) if published else "1",
        "payment_pk": str(payment.pk) if payment else "1",
    }


def plausible(route: str, name: str, world: dict) -> str:
    if name == "code":
        if route.startswith("linh-vuc/"):
            return world["sector"]
        if route.startswith("co-quan/"):
            return world["agency"]
        return world["code"]
    if name == "token":
        return world["token"]
    if name in ("number", "document_id"):
        return world[name]
    if name == "fmt":
        return "pdf"
    if name == "file_pk":
        return world["file_pk"]
    if name == "payment_pk":
        return world["payment_pk"]
    if name == "pk":
        if route.startswith("ho-so-cua-toi/"):
            return world["own_dossier"]
        if route.startswith("can-bo/phan-anh/"):
            return world["feedback"]
        if route.startswith("hoi-dap/"):
            return world["qa"]
        if route.startswith("can-bo/"):
            return world["agency_dossier"]
    if name in ("uidb64",):
        return "MQ"
    return "1"


def fill(route: str, values: dict[str, str]) -> str:
    return "/" + _PARAM.sub(lambda m: quote(values[m.group(2)], safe=""), route)


def login(user_name: str) -> Client:
    from portal.models import User

    client = Client(raise_request_exception=False)
    user = User.objects.get(username=user_name)
    device = TOTPDevice.objects.filter(user=user).first() if user.requires_two_factor else None
    response = two_factor_login(client, username=user_name, password=PASSWORD, device=device)
    assert response.status_code == 302, response.content[:500]
    return client


@dataclass
class Fuzz:
    failures: list[str] = field(default_factory=list)
    requests: int = 0

    def check(self, who: str, method: str, path: str, response) -> None:
        self.requests += 1
        if response.status_code >= 500:
            self.failures.append(f"{who} {method} {path[:160]!r} -> {response.status_code}")

    def get(self, who: str, client: Client, path: str, query: str = "") -> object:
        url = f"{path}?{query}" if query else path
        response = client.get(url)
        self.check(who, "GET", url, response)
        return response

    def post(self, who: str, client: Client, path: str, data: dict, multipart: bool) -> None:
        if multipart:
            response = client.post(path, data)
        else:
            response = client.post(
                path, urlencode(data, doseq=True), content_type="application/x-www-form-urlencoded"
            )
        self.check(who, "POST", f"{path} {sorted(data)[:6]}", response)


def hostile_queries() -> list[str]:
    """Every query parameter with every hostile value, in as many requests as there are values:
    request i gives parameter j the value (i + j) mod n."""
    values = [quote(value, safe="") for value in HOSTILE.values()] + RAW_QUERY_VALUES
    return [
        "&".join(
            f"{name}={values[(i + j) % len(values)]}" for j, name in enumerate(QUERY_PARAMETERS)
        )
        for i in range(len(values))
    ]


PATH_VALUES = [HOSTILE["nul"], "Đ" * 300, HOSTILE["unicode-digits"], HOSTILE["rtl"], "9" * 20]


def hostile_upload() -> SimpleUploadedFile:
    name = f"\u202egpj.exe\x00{'d' * 300}.pdf"
    return SimpleUploadedFile(name, b"%PDF-1.4 not really", "text/plain")


def fuzz_route(
    fuzz: Fuzz, who: str, client: Client, route: str, world: dict, forms: dict, *, light: bool
) -> None:
    """A light walk (pages that only redirect, the admin's many alike pages) sends fewer path
    values and no stray form posts."""
    names = [m.group(2) for m in _PARAM.finditer(route)]
    values = {name: plausible(route, name, world) for name in names}
    path = fill(route, values)
    if path == LOGOUT:
        return
    response = fuzz.get(who, client, path)
    if response.status_code == 200 and "html" in response.get("Content-Type", ""):
        parser = FormParser(path)
        parser.feed(response.content.decode("utf-8", "replace"))
        for form in parser.forms:
            key = (who, form.action, form.method, tuple(sorted(form.fields)))
            forms.setdefault(key, form)
    queries = hostile_queries()
    for query in queries[:2] if light else queries:
        fuzz.get(who, client, path, query)
    for name in names:
        for value in PATH_VALUES[:2] if light else PATH_VALUES:
            fuzz.get(who, client, fill(route, {**values, name: value}))
    if light:
        return
    for value in (HOSTILE["nul"], HOSTILE["unicode-digits"]):
        data = dict.fromkeys(["q", "ma", "text", "name", "reason", "note"], value)
        fuzz.post(who, client, path, data, multipart=False)


def fuzz_form(fuzz: Fuzz, who: str, client: Client, form: Form) -> None:
    if form.action == LOGOUT:
        return
    names = [name for name in form.fields if name != "csrfmiddlewaretoken"]
    send = fuzz.get if form.method == "get" else None
    for value in HOSTILE.values():
        data = {**form.fields, **dict.fromkeys(names, value)}
        files = {name: hostile_upload() for name in form.files}
        if send:
            send(who, client, form.action, urlencode(data))
        else:
            fuzz.post(who, client, form.action, {**data, **files}, multipart=bool(files))
    if form.action.startswith("/admin/"):
        return  # Django's own forms: all fields at once is enough
    for name in names:
        for value in (HOSTILE["nul"],):
            data = {**form.fields, name: value}
            if send:
                send(who, client, form.action, urlencode(data))
            else:
                fuzz.post(who, client, form.action, data, multipart=form.multipart)


def test_no_url_and_no_form_field_answers_5xx_to_hostile_input(world):
    routes = all_routes()
    assert len(routes) > 150  # the whole URL configuration, the admin included
    public = [r for r in routes if not r.startswith(("can-bo/", "admin/", "ho-so-cua-toi/"))]
    staff = [r for r in routes if r.startswith("can-bo/")]
    mine = [r for r in routes if r.startswith("ho-so-cua-toi/")]
    # Strangers are sent to the log-in page from every admin page alike.
    anonymous = [r for r in routes if not r.startswith("admin/") or r.count("/") <= 2]
    specialist = [r for r in staff if r.startswith(("can-bo/xu-ly/", "can-bo/lien-thong/"))]
    admin = [r for r in routes if r.startswith(("admin/", "can-bo/bao-cao/"))]
    visitors = [
        ("anonymous", Client(raise_request_exception=False), anonymous),
        ("citizen", login("054095000123"), [*public, *mine]),
        ("desk", login("motcua"), staff),
        ("specialist", login("chuyenvien"), specialist),
        ("leader", login("lanhdao"), staff),
        ("it-admin", login("quantri"), admin),
    ]  # fmt: skip
    fuzz = Fuzz()
    forms: dict = {}
    for who, client, client_routes in visitors:
        for route in client_routes:
            light = route.startswith("admin/") or (who == "anonymous" and route not in public)
            fuzz_route(fuzz, who, client, route, world, forms, light=light)
    clients = {who: client for who, client, _routes in visitors}
    for (who, *_key), form in forms.items():
        fuzz_form(fuzz, who, clients[who], form)
    assert len(forms) > 20, sorted(forms)  # the forms of the portal were found and posted
    assert not fuzz.failures, f"{len(fuzz.failures)} of {fuzz.requests}:\n" + "\n".join(
        fuzz.failures[:80]
    )


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    value=st.text(alphabet=st.characters(blacklist_categories=["Cs"]), min_size=1, max_size=60),
    path=st.sampled_from(["/thu-tuc/", "/tra-cuu/", "/hoi-dap/", "/kiosk/", "/thong-ke/"]),
)
def test_public_query_parameters_take_any_text(client, value, path):
    query = urlencode(dict.fromkeys(QUERY_PARAMETERS, value))
    assert client.get(f"{path}?{query}").status_code < 500
