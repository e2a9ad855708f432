"""One settings module for demo, test and production; everything comes from the environment.

Without any environment the portal runs embedded: SQLite under var/, no Redis (Celery tasks
run eagerly, in-process cache), console e-mail and SMS. Production sets DJANGO_ENV=production
and must provide SECRET_KEY, DATABASE_URL, REDIS_URL and ALLOWED_HOSTS.
"""

from datetime import time
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY")  # no default: production refuses to start without it
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be a random string of at least 50 characters.")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="insecure-development-key-not-for-production")

DEBUG = env.bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal",
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django.contrib.postgres",
    "django_otp",
    "django_otp.plugins.otp_static",
    "django_otp.plugins.otp_totp",
    "two_factor",
    "axes",
    "simple_history",
    "procedures",
    "dossiers",
    "payments",
    "feedback",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.StaffTwoFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that it sees the outcome of authentication attempts.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
        },
    },
]
FORM_RENDERER = "portal.form_renderer.PortalFormRenderer"
# Covering indexes (INCLUDE) speed up reports on PostgreSQL; SQLite (the demo) builds them
# without the extra columns, which is fine there.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

# --- Data stores -------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # `make run`: runserver and the Celery worker write to the same file; wait for the lock
    # instead of failing, take it at the start of a transaction, let readers read (WAL).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="dvc"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Accounts, authentication, two-factor, throttling -------------------------------------

AUTH_USER_MODEL = "portal.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses locked-out accounts and addresses before anything else.
    "axes.backends.AxesStandaloneBackend",
    "portal.auth_backends.IdentifierBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 8},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24

LOGIN_URL = "two_factor:login"
LOGIN_REDIRECT_URL = "portal:profile"
LOGOUT_REDIRECT_URL = "portal:home"

TWO_FACTOR_PATCH_ADMIN = False
TWO_FACTOR_REMEMBER_COOKIE_AGE = None
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Cổng DVC tỉnh")

# Failed logins are throttled per account and, separately, per client address.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/account/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_IPWARE_META_PRECEDENCE_ORDER = ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]

# --- Internationalisation ------------------------------------------------------------------

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True

# --- Static and media files ----------------------------------------------------------------

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# Dossier files: never under MEDIA_ROOT, served only by views that check who is asking.
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "private")
# ...or, with a bucket named, on S3-compatible object storage (portal/storage.py). Objects stay
# private (no ACL, no signed links handed out): views stream them after checking permissions.
PRIVATE_STORAGE_BUCKET = env.str("PRIVATE_STORAGE_BUCKET", default="")
PRIVATE_OBJECT_STORAGE: dict[str, object] = (
    {
        "bucket_name": PRIVATE_STORAGE_BUCKET,
        "endpoint_url": env.str("PRIVATE_STORAGE_ENDPOINT_URL", default="") or None,
        "region_name": env.str("PRIVATE_STORAGE_REGION", default="") or None,
        "access_key": env.str("PRIVATE_STORAGE_ACCESS_KEY", default="") or None,
        "secret_key": env.str("PRIVATE_STORAGE_SECRET_KEY", default="") or None,
        "location": env.str("PRIVATE_STORAGE_PREFIX", default=""),
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "object_parameters": {"ServerSideEncryption": "AES256"}
        if env.bool("PRIVATE_STORAGE_ENCRYPT", default=False)
        else {},
    }
    if PRIVATE_STORAGE_BUCKET
    else {}
)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Outside production whitenoise serves straight from the source folders (no collectstatic).
WHITENOISE_USE_FINDERS = not PRODUCTION
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- E-mail and SMS ------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Cổng DVC tỉnh <no-reply@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")
SMS_SENDER_NAME = env.str("SMS_SENDER_NAME", default="DVC")
# Shared secret the SMS gateway sends (Bearer) to /api/sms/inbound/; empty turns it off.
SMS_INBOUND_SECRET = env.str("SMS_INBOUND_SECRET", default="")

# --- Celery --------------------------------------------------------------------------------

# Redis in production. `make run` (scripts/run.sh) sets CELERY_BROKER_URL=filesystem://:
# kombu's filesystem transport keeps messages as files under var/celery/, so a real worker
# with an embedded beat runs beside runserver without any server to install. With neither
# (a bare `manage.py` call), tasks run in the calling process.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = REDIS_URL or "cache+memory://"
CELERY_TASK_ALWAYS_EAGER = env.bool(
    "CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://"
)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # scripts/run.sh creates the folders.
    _CELERY_FOLDER = Path(env.str("CELERY_FILESYSTEM_FOLDER", default=str(VAR_DIR / "celery")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_FOLDER / "queue"),
        "data_folder_out": str(_CELERY_FOLDER / "queue"),
        "control_folder": str(_CELERY_FOLDER / "control"),
    }
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "render-pending-notices": {
        "task": "dossiers.tasks.render_pending_notices",
        "schedule": 300.0,
    },
    "clear-expired-sessions": {
        "task": "portal.tasks.clear_expired_sessions",
        "schedule": crontab(minute=15, hour=1),
    },
    # Re-sends the outbox rows still pending (broker outage, provider retries); idempotent.
    "sweep-notifications": {
        "task": "portal.notifications.tasks.sweep_notifications",
        "schedule": 60.0,
    },
    # Counts the dossiers settled yesterday into the half-month report rollup; idempotent.
    # Before the period-end reports, so they read the rollup up to midnight.
    "refresh-report-rollup": {
        "task": "reporting.tasks.refresh_report_rollup",
        "schedule": crontab(minute=5, hour=1),
    },
    # The day after a reporting period ends: prepare its province report and e-mail it.
    "reports-at-period-end": {
        "task": "reporting.tasks.reports_at_period_end",
        "schedule": crontab(minute=30, hour=1),
    },
    # Feedback reminders before the answer is due and escalation when overdue; idempotent.
    "scan-feedback-deadlines": {
        "task": "feedback.tasks.scan_feedback_deadlines",
        "schedule": 600.0,
    },
    # National-portal sync (reporting/sync.py), off while NATIONAL_SYNC_URL is empty.
    "national-sync": {
        "task": "reporting.tasks.national_sync",
        "schedule": crontab(minute=30, hour=1),
    },
    "national-sync-reconcile": {
        "task": "reporting.tasks.national_sync_reconcile",
        "schedule": crontab(minute=30, hour=5),
    },
    # Warns staff of dossiers due soon, overdue or not forwarded in time (once per threshold).
    "deadline-scan": {
        "task": "dossiers.tasks.deadline_scan",
        "schedule": env.float("DEADLINE_SCAN_INTERVAL_SECONDS", default=300.0),
    },
}

# --- The portal's own configuration --------------------------------------------------------

# Office hours: morning and afternoon sessions of a working day (Monday–Friday).
OFFICE_HOURS = [
    (time.fromisoformat(start), time.fromisoformat(end))
    for start, end in (
        part.split("-") for part in env.list("OFFICE_HOURS", default=["07:30-11:30", "13:00-17:00"])
    )
]
# Limits of the files attached to a dossier.
DOSSIER_MAX_FILE_MB = env.int("DOSSIER_MAX_FILE_MB", default=10)
DOSSIER_MAX_TOTAL_MB = env.int("DOSSIER_MAX_TOTAL_MB", default=50)
# Province policy: online dossiers of procedures of 2+ working days get half the time.
ONLINE_HALVING_ENABLED = env.bool("ONLINE_HALVING_ENABLED", default=True)
# Place name in the date line of official notices ("Phú Yên, ngày ... tháng ... năm ...").
PORTAL_PLACE_NAME = env.str("PORTAL_PLACE_NAME", default="Phú Yên")
# Public lookups by dossier code allowed per client address per minute.
LOOKUP_RATE_LIMIT = env.int("LOOKUP_RATE_LIMIT", default=30)
# Feedback (phản ánh, kiến nghị), the public Q&A and ratings (feedback/).
FEEDBACK_ANSWER_WORKING_DAYS = env.int("FEEDBACK_ANSWER_WORKING_DAYS", default=3)
FEEDBACK_REMINDER_WORKING_HOURS = env.int("FEEDBACK_REMINDER_WORKING_HOURS", default=8)
FEEDBACK_MAX_REOPENS = env.int("FEEDBACK_MAX_REOPENS", default=1)
FEEDBACK_MAX_FILE_MB = env.int("FEEDBACK_MAX_FILE_MB", default=5)
FEEDBACK_RATE_LIMIT = env.int("FEEDBACK_RATE_LIMIT", default=5)  # submissions per IP per hour
# Public address of the portal, for links in e-mails, SMS and QR codes.
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
PORTAL_NAME = env.str("PORTAL_NAME", default="Cổng dịch vụ công tỉnh Phú Yên")
PORTAL_OPERATOR = {
    "name": env.str("PORTAL_OPERATOR_NAME", default="Sở Thông tin và Truyền thông tỉnh Phú Yên"),
    "address": env.str(
        "PORTAL_OPERATOR_ADDRESS", default="Số 62 Lê Duẩn, phường 7, TP. Tuy Hòa, tỉnh Phú Yên"
    ),
    "hotline": env.str("PORTAL_OPERATOR_HOTLINE", default="0257.3500.500"),
    "email": env.str("PORTAL_OPERATOR_EMAIL", default="hotro.dvc@example.phuyen.gov.vn"),
}

# Benchmark-only endpoints (bench/run.py turns them on; never in production).
BENCH_VIEWS_ENABLED = env.bool("BENCH_VIEWS_ENABLED", default=False)

# --- Security ------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# --- Notifications (portal/notifications) -------------------------------------------------

# A retryable failure is retried with exponential backoff (1 min, 2, 4, ... capped) for at least
# this long after the first attempt; then the row is marked failed for IT staff to resend.
NOTIFICATION_RETRY_WINDOW_HOURS = env.float("NOTIFICATION_RETRY_WINDOW_HOURS", default=4)
NOTIFICATION_MAX_BACKOFF_SECONDS = env.int("NOTIFICATION_MAX_BACKOFF_SECONDS", default=3600)
NOTIFICATION_SWEEP_BATCH = env.int("NOTIFICATION_SWEEP_BATCH", default=200)
# SMS_BACKEND=file appends one JSON line per message here.
SMS_FILE_PATH = env.path("SMS_FILE_PATH", default=VAR_DIR / "sms.log")
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10)

# --- Reports (reporting/) -------------------------------------------------------------------

# "decree09": six-monthly data from 15/12 of the previous year to 14/6, and to 14/12 (Decree
# 09/2019 art. 12); "calendar": calendar halves and years.
REPORT_PERIOD_CONVENTION = env.str("REPORT_PERIOD_CONVENTION", default="decree09")
# Who receives the province report, prepared the day after each period ends.
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])
# The issuing body in the header of province and sector reports.
REPORT_ISSUER = env.str(
    "REPORT_ISSUER", default=f"Sở Thông tin và Truyền thông tỉnh {PORTAL_PLACE_NAME}"
)
# --- Payments (payments/) -------------------------------------------------------------------

# The built-in sandbox gateway plays the bank's side of the VNPay protocol on this server: on by
# default outside production; production refuses it unless PAYMENT_SANDBOX_FORCE is set.
PAYMENT_SANDBOX_ENABLED = env.bool("PAYMENT_SANDBOX_ENABLED", default=not PRODUCTION)
if PRODUCTION and PAYMENT_SANDBOX_ENABLED and not env.bool("PAYMENT_SANDBOX_FORCE", default=False):
    raise ImproperlyConfigured(
        "The sandbox payment gateway must not run in production (set PAYMENT_SANDBOX_FORCE=True "
        "only for a staging copy)."
    )
# VNPay merchant terminal and secret; production has no default (online payment stays off).
VNPAY_TMN_CODE = env.str("VNPAY_TMN_CODE", default="DVCSBX01" if PAYMENT_SANDBOX_ENABLED else "")
VNPAY_HASH_SECRET = env.str(
    "VNPAY_HASH_SECRET",
    default="sandbox-hash-secret-not-for-production" if PAYMENT_SANDBOX_ENABLED else "",
)
# Empty with the sandbox on: the sandbox's own pages and API on this server.
VNPAY_PAY_URL = env.str("VNPAY_PAY_URL", default="")
VNPAY_API_URL = env.str(
    "VNPAY_API_URL",
    default=f"{PORTAL_BASE_URL}/thanh-toan-thu-nghiem/merchant_webapi/api/transaction"
    if PAYMENT_SANDBOX_ENABLED
    else "",
)
VNPAY_TIMEOUT = env.float("VNPAY_TIMEOUT", default=15)
# Where the gateway sends the citizen back (empty: the address the citizen came from).
PAYMENT_RETURN_URL_BASE = env.str("PAYMENT_RETURN_URL_BASE", default="").rstrip("/")
# Where the sandbox posts its IPN (empty: this server's /api/thanh-toan/vnpay/ipn/).
PAYMENT_SANDBOX_IPN_URL = env.str("PAYMENT_SANDBOX_IPN_URL", default="")
# A payment link is valid this long; pending payments older than the second figure are
# queried at the gateway (querydr) by the reconciliation task.
PAYMENT_EXPIRE_MINUTES = env.int("PAYMENT_EXPIRE_MINUTES", default=15)
PAYMENT_RECONCILE_AFTER_MINUTES = env.int("PAYMENT_RECONCILE_AFTER_MINUTES", default=20)
CELERY_BEAT_SCHEDULE["reconcile-pending-payments"] = {
    "task": "payments.tasks.reconcile_pending_payments",
    "schedule": 600.0,
}

# --- Deadline scan (dossiers/deadlines.py) ------------------------------------------------

# How often beat runs the scan (CELERY_BEAT_SCHEDULE) and how many dossiers it reads at a time.
DEADLINE_SCAN_INTERVAL_SECONDS = env.float("DEADLINE_SCAN_INTERVAL_SECONDS", default=300.0)
DEADLINE_SCAN_CHUNK = env.int("DEADLINE_SCAN_CHUNK", default=500)

# --- National-portal (DVCQG) sync (reporting/sync.py) -------------------------------------

# Off while the URL is empty. Batches are JSON POSTs signed with HMAC-SHA256 of the body.
NATIONAL_SYNC_URL = env.str("NATIONAL_SYNC_URL", default="")
NATIONAL_SYNC_CLIENT_ID = env.str("NATIONAL_SYNC_CLIENT_ID", default="")
NATIONAL_SYNC_SECRET = env.str("NATIONAL_SYNC_SECRET", default="")
NATIONAL_SYNC_BATCH_SIZE = env.int("NATIONAL_SYNC_BATCH_SIZE", default=200)
NATIONAL_SYNC_TIMEOUT = env.float("NATIONAL_SYNC_TIMEOUT", default=30)
# Attempts per batch within a run, the first pause between them (doubling each time).
NATIONAL_SYNC_ATTEMPTS = env.int("NATIONAL_SYNC_ATTEMPTS", default=4)
NATIONAL_SYNC_BACKOFF_SECONDS = env.float("NATIONAL_SYNC_BACKOFF_SECONDS", default=5)
