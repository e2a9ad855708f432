"""Account pages, all under /tai-khoan/ (sign-up, log-in with two-factor, profile, passwords)."""

from django.contrib.auth import views as auth_views
from django.urls import path, reverse_lazy

from . import account_views, views
from .sso import views as sso_views

account_patterns = [
    path("tai-khoan/", views.profile, name="profile"),
    path("tai-khoan/dang-ky/", views.signup, name="signup"),
    # Single sign-on (portal/sso/): off unless configured, then 404 everywhere.
    path("tai-khoan/vneid/", sso_views.SignInStartView.as_view(), name="oidc_start"),
    path("tai-khoan/vneid/ket-qua/", sso_views.callback, name="oidc_callback"),
    path("tai-khoan/vneid/lien-ket/", sso_views.link, name="oidc_link"),
    path("tai-khoan/dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "tai-khoan/doi-mat-khau/",
        account_views.PasswordChangeView.as_view(
            success_url=reverse_lazy("portal:password_change_done"),
        ),
        name="password_change",
    ),
    path(
        "tai-khoan/doi-mat-khau/xong/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="portal/account/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path(
        "tai-khoan/quen-mat-khau/",
        account_views.PasswordResetView.as_view(
            template_name="portal/account/password_reset.html",
            email_template_name="portal/email/password_reset.txt",
            html_email_template_name="portal/email/password_reset.html",
            subject_template_name="portal/email/password_reset.subject.txt",
            success_url=reverse_lazy("portal:password_reset_done"),
        ),
        name="password_reset",
    ),
    path(
        "tai-khoan/quen-mat-khau/da-gui/",
        auth_views.PasswordResetDoneView.as_view(
            template_name="portal/account/password_reset_done.html"
        ),
        name="password_reset_done",
    ),
    path(
        "tai-khoan/dat-lai-mat-khau/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="portal/account/password_reset_confirm.html",
            success_url=reverse_lazy("portal:password_reset_complete"),
        ),
        name="password_reset_confirm",
    ),
    path(
        "tai-khoan/dat-lai-mat-khau/xong/",
        auth_views.PasswordResetCompleteView.as_view(
            template_name="portal/account/password_reset_complete.html"
        ),
        name="password_reset_complete",
    ),
]

# Names are those django-two-factor-auth's templates expect in the "two_factor" namespace.
two_factor_patterns = [
    path("dang-nhap/", account_views.LoginView.as_view(), name="login"),
    path("xac-thuc-hai-lop/", account_views.ProfileView.as_view(), name="profile"),
    path("xac-thuc-hai-lop/thiet-lap/", account_views.SetupView.as_view(), name="setup"),
    path("xac-thuc-hai-lop/ma-qr/", account_views.QRGeneratorView.as_view(), name="qr"),
    path(
        "xac-thuc-hai-lop/thiet-lap/xong/",
        account_views.SetupCompleteView.as_view(),
        name="setup_complete",
    ),
    path(
        "xac-thuc-hai-lop/ma-du-phong/",
        account_views.BackupTokensView.as_view(),
        name="backup_tokens",
    ),
    path("xac-thuc-hai-lop/tat/", account_views.DisableView.as_view(), name="disable"),
]
