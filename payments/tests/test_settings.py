"""Payment settings: the sandbox is on by default, off in production, and refused there."""

from portal.tests.test_settings import PRODUCTION_ENV, manage, python_settings


def test_the_sandbox_is_on_by_default_outside_production():
    assert python_settings("settings.PAYMENT_SANDBOX_ENABLED", {"DJANGO_ENV": "development"}) == (
        "True"
    )


def test_production_has_no_sandbox_and_no_default_secret():
    values = python_settings(
        "settings.PAYMENT_SANDBOX_ENABLED, repr(settings.VNPAY_HASH_SECRET), "
        "repr(settings.VNPAY_API_URL)",
        PRODUCTION_ENV,
    )
    assert values == "False '' ''"


def test_production_refuses_to_enable_the_sandbox_unless_forced():
    result = manage("check", env={**PRODUCTION_ENV, "PAYMENT_SANDBOX_ENABLED": "True"})
    assert result.returncode != 0
    assert "sandbox" in result.stderr
    forced = python_settings(
        "settings.PAYMENT_SANDBOX_ENABLED",
        {**PRODUCTION_ENV, "PAYMENT_SANDBOX_ENABLED": "True", "PAYMENT_SANDBOX_FORCE": "True"},
    )
    assert forced == "True"


FORCED_SANDBOX = {
    **PRODUCTION_ENV,
    "PAYMENT_SANDBOX_ENABLED": "True",
    "PAYMENT_SANDBOX_FORCE": "True",
}
PUBLIC_SECRET = "sandbox-hash-secret-not-for-production"  # in this repository, so public


def test_a_forced_sandbox_in_production_does_not_accept_the_public_sandbox_secret():
    # A notice signed with the secret anyone can read in the source must not be believed.
    check = (
        "from payments.gateways import get_gateway, sign_params;"
        "params = {'vnp_TxnRef': 'T1', 'vnp_Amount': '5000000', 'vnp_ResponseCode': '00'};"
        f"params['vnp_SecureHash'] = sign_params({PUBLIC_SECRET!r}, params);"
        "from django.conf import settings;"
        "print(get_gateway().verify(params), repr(settings.VNPAY_HASH_SECRET))"
    )
    result = manage("shell", "-c", check, env=FORCED_SANDBOX)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == ["False", "''"]


def test_production_refuses_a_known_public_secret():
    result = manage("check", env={**FORCED_SANDBOX, "VNPAY_HASH_SECRET": PUBLIC_SECRET})
    assert result.returncode != 0
    assert "VNPAY_HASH_SECRET" in result.stderr
    result = manage("check", env={**PRODUCTION_ENV, "VNPAY_HASH_SECRET": PUBLIC_SECRET})
    assert result.returncode != 0
    assert "VNPAY_HASH_SECRET" in result.stderr


def test_a_forced_sandbox_with_a_private_secret_runs():
    private = "f3c9a1e7b2d84c6e9a0b1c2d3e4f5a6b"
    forced = python_settings(
        "settings.PAYMENT_SANDBOX_ENABLED, settings.VNPAY_HASH_SECRET",
        {**FORCED_SANDBOX, "VNPAY_HASH_SECRET": private},
    )
    assert forced == f"True {private}"
