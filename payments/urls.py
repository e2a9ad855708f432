"""Payment addresses (namespace "payments"): citizen pages, desk pages, the gateway's calls and
the built-in sandbox gateway."""

from django.urls import path

from . import sandbox, views

app_name = "payments"

urlpatterns = [
    path("ho-so-cua-toi/<int:pk>/thanh-toan-truc-tuyen/", views.pay_online, name="pay_online"),
    path("ho-so-cua-toi/<int:pk>/bien-lai/<int:payment_pk>/", views.receipt, name="receipt"),
    path("thanh-toan/ket-qua/", views.payment_return, name="return"),
    path("api/thanh-toan/vnpay/ipn/", views.vnpay_ipn, name="vnpay_ipn"),
    path("can-bo/ho-so/<int:pk>/thu-phi/", views.desk_payments, name="desk"),
    path(
        "can-bo/ho-so/<int:pk>/bien-lai/<int:payment_pk>/",
        views.desk_receipt,
        name="desk_receipt",
    ),
    # The sandbox gateway (404 when PAYMENT_SANDBOX_ENABLED is off).
    path("thanh-toan-thu-nghiem/vpcpay.html", sandbox.pay, name="sandbox_pay"),
    path(
        "thanh-toan-thu-nghiem/merchant_webapi/api/transaction",
        sandbox.merchant_api,
        name="sandbox_api",
    ),
]
