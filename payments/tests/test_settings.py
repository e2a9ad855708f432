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
