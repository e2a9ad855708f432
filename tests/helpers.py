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
