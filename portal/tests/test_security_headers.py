"""Content-Security-Policy and Permissions-Policy on every page; no template needs an exception."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import engines

from portal.security_headers import content_security_policy, origin_of

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def directives(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in header.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", ["/", "/thu-tuc/", "/tra-cuu/", "/thong-ke/", "/admin/login/"])
def test_pages_allow_only_the_portals_own_scripts_and_styles(client, path):
    response = client.get(path, follow=True)
    policy = directives(response)
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]


def test_browser_features_the_portal_never_uses_are_switched_off(client):
    features = dict(
        item.strip().split("=", 1) for item in client.get("/")["Permissions-Policy"].split(",")
    )
    for feature in ("camera", "microphone", "geolocation", "payment", "usb", "display-capture"):
        assert features[feature] == "()", feature
    assert features["fullscreen"] == "(self)"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://sandbox.vnpayment.vn/paymentv2/vpcpay.html", "https://sandbox.vnpayment.vn"),
        ("https://pay.vnpay.vn:8443/vpcpay.html?x=1", "https://pay.vnpay.vn:8443"),
        ("/thanh-toan/sandbox/", ""),
        ("", ""),
        ("javascript:alert(1)", ""),
    ],
)
def test_the_gateway_origin(url, origin):
    assert origin_of(url) == origin


def test_forms_may_lead_to_the_gateway_and_nowhere_else():
    policy = content_security_policy(payment_url="https://pay.vnpay.vn/paymentv2/vpcpay.html")
    assert policy["DIRECTIVES"]["form-action"] == ["'self'", "https://pay.vnpay.vn"]
    assert content_security_policy()["DIRECTIVES"]["form-action"] == ["'self'"]
    reported = content_security_policy(report_uri="/api/csp/")
    assert reported["DIRECTIVES"]["report-uri"] == ["/api/csp/"]


def test_the_settings_follow_vnpay_pay_url(monkeypatch):
    import importlib

    import portal.settings as portal_settings

    monkeypatch.setenv("VNPAY_PAY_URL", "https://pay.vnpay.vn/paymentv2/vpcpay.html")
    try:
        reloaded = importlib.reload(portal_settings)
        form_action = reloaded.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"]
        assert form_action == ["'self'", "https://pay.vnpay.vn"]
    finally:
        monkeypatch.delenv("VNPAY_PAY_URL")
        importlib.reload(portal_settings)
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["form-action"][0] == "'self'"


# Templates that browsers never receive as pages: e-mails (mail clients want inline styles) and
# the PDF documents WeasyPrint renders.
NOT_PAGES = re.compile(r"/(notifications|email|pdf)/")
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>"
    r"|<style\b|\sstyle=|\son[a-z]+=|javascript:",
    re.IGNORECASE,
)


def page_templates() -> list[Path]:
    folders = [Path(folder) for folder in engines["django"].engine.dirs]
    folders += [path.parent for path in ROOT.glob("*/templates")]
    return sorted(
        path
        for folder in set(folders)
        for path in folder.rglob("*.html")
        if ".venv" not in path.parts and not NOT_PAGES.search(str(path))
    )


def test_no_template_of_a_page_has_an_inline_script_style_or_handler():
    templates = page_templates()
    assert len(templates) > 50
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:100]}"
        for path in templates
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if INLINE.search(line)
    ]
    assert not found, "\n".join(found)
