"""The Content-Security-Policy and Permissions-Policy of every page (settings read them).

No page runs an inline script or carries an inline style: scripts and styles come from
static/ only, so an injected `<script>` or `style=` does nothing. Forms may post to this portal
and, for online payment, to the gateway's address (the payment form's answer is a redirect
there, which browsers check against `form-action`). Files previewed on the desk's dossier page
are framed by this portal only (the preview view relaxes `frame-ancestors` to 'self').

Kept free of Django imports: settings.py builds its values from these functions.
"""

from __future__ import annotations

from urllib.parse import urlsplit

SELF = "'self'"
NONE = "'none'"


def origin_of(url: str) -> str:
    """`https://pay.example.vn` for `https://pay.example.vn/paymentv2/vpcpay.html`; '' when the
    address is relative (the sandbox answers on this portal) or empty."""
    parts = urlsplit(url.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return ""
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(
    *, payment_url: str = "", report_uri: str = "", exclude_url_prefixes: tuple[str, ...] = ()
) -> dict[str, object]:
    """django-csp's CONTENT_SECURITY_POLICY: only this portal's own scripts, styles, images
    and fonts; no plug-ins, no <base>, never framed by another site."""
    form_action = [SELF]
    gateway = origin_of(payment_url)
    if gateway:
        form_action.append(gateway)
    directives: dict[str, list[str]] = {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        # Generated QR codes are shown as data: SVG images.
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": [SELF],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "form-action": form_action,
    }
    if report_uri:
        directives["report-uri"] = [report_uri]
    return {"EXCLUDE_URL_PREFIXES": exclude_url_prefixes, "DIRECTIVES": directives}


# Browser features no page of the portal uses: an injected script (or a framed page) cannot
# ask for them. django-permissions-policy writes the header from this dict ([] = nobody). Only
# features Chromium knows: an unknown one is an error in every page's console.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# The browser's own fullscreen and print stay available to this portal only.
PERMISSIONS_POLICY["fullscreen"] = ["self"]
