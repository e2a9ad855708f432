import pytest

SECRET = "test-hash-secret-0123456789"
TMN = "TESTTMN1"


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    settings.PAYMENT_SANDBOX_ENABLED = True
    settings.VNPAY_TMN_CODE = TMN
    settings.VNPAY_HASH_SECRET = SECRET
    settings.VNPAY_PAY_URL = "https://pay.example.test/paymentv2/vpcpay.html"
    # Nothing listens on the discard port: a refund call fails fast unless a test sets a fake.
    settings.VNPAY_API_URL = "http://127.0.0.1:9/merchant_webapi/api/transaction"
    settings.VNPAY_TIMEOUT = 3


@pytest.fixture
def fake_vnpay(settings):
    from payments.tests.vnpay_fake import FakeVNPay

    with FakeVNPay(secret=SECRET, tmn_code=TMN) as fake:
        settings.VNPAY_API_URL = fake.url
        yield fake
