"""Helpers for tests that log in the way people do."""


def totp_now(device) -> str:
    from django_otp.oath import totp

    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def two_factor_login(client, *, username: str, password: str, device=None):
    """Go through the real log-in wizard: credentials, then the one-time code if asked."""
    from django.urls import reverse

    url = reverse("two_factor:login")
    response = client.post(
        url,
        {"login_view-current_step": "auth", "auth-username": username, "auth-password": password},
    )
    if device is not None:
        response = client.post(
            url, {"login_view-current_step": "token", "token-otp_token": totp_now(device)}
        )
    return response


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"page {page.url} is {width}px wide in a {viewport}px window"


def tables_fit(page, selector=".table-wrap"):
    """Every wrapped table shows all its columns without scrolling inside its box."""
    for box in page.locator(selector).all():
        if not box.is_visible():
            continue
        scroll, client = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
        if scroll > client + 1:
            columns = box.evaluate(
                "b => [...b.querySelectorAll('thead th')].map("
                "th => `${th.innerText.trim()}: ${Math.round(th.getBoundingClientRect().width)}`)"
            )
            raise AssertionError(
                f"a table of {page.url} is clipped: {scroll} > {client} ({', '.join(columns)})"
            )
