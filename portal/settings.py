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

from portal.client_address import parse_trusted_proxies
from portal.security_headers import PERMISSIONS_POLICY as PORTAL_PERMISSIONS_POLICY
from portal.security_headers import content_security_policy

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
    "ninja",
    "csp",
    "pgtrigger",
    "procedures",
    "dossiers",
    "payments",
    "feedback",
    "reporting",
    "opendata",
    "audit",
    "signing",
    "documents",
    "eforms",
    "privacy",
    "bookings",
]

MIDDLEWARE = [
    # First: no NUL character from a request reaches anything else (portal/middleware_input.py).
    "portal.middleware_input.InputCleaningMiddleware",
    # Then: every log record of the request carries its id.
    "portal.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every response (portal/security_headers.py).
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.session_lifetime.SessionLifetimeMiddleware",
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
    # A database that does not answer gives the 503 page after this many seconds instead of
    # holding the worker until the proxy gives up (libpq's own default is to wait forever).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

if PRODUCTION:
    # No default: without Redis, tasks would run inside requests and each process would keep
    # its own rate limits and cache (docs/production.md).
    REDIS_URL = env.str("REDIS_URL")
    if not REDIS_URL:
        raise ImproperlyConfigured("REDIS_URL must be set in production.")
else:
    REDIS_URL = env.str("REDIS_URL", default="")
# Seconds to wait for Redis to accept a connection and to answer: a Redis that is down must
# cost a page a moment, not the proxy's timeout (the cache then works in the process).
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
# Keys of this portal in Redis: the cache's and the beat lock's.
CACHE_KEY_PREFIX = env.str("CACHE_KEY_PREFIX", default="dvc")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's Redis cache, falling back to the process's memory during an outage.
            "BACKEND": "portal.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": CACHE_KEY_PREFIX,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
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
    # Sessions opened by single sign-on (portal/sso/): never authenticates a password.
    "portal.auth_backends.ProviderSignInBackend",
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

# The reverse proxies in front of gunicorn: addresses or networks, comma-separated (e.g.
# "172.16.0.0/12"). Behind them the client's address is read from X-Forwarded-For
# (portal/client_address.py) by the log-in throttle, the rate limits, the payment gateway and
# gunicorn's access log alike; from anywhere else X-Forwarded-For is ignored.
TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
try:
    parse_trusted_proxies(TRUSTED_PROXIES)
except ValueError as error:
    raise ImproperlyConfigured(str(error)) from None
if env.str("PROXY_COUNT", default="").strip() not in ("", "0"):
    raise ImproperlyConfigured(
        "PROXY_COUNT is no longer read: list the reverse proxies' addresses or networks in "
        "TRUSTED_PROXIES instead (e.g. TRUSTED_PROXIES=172.16.0.0/12)."
    )

# Failed log-ins (portal/login_throttle.py): an account from one client address is locked
# after AXES_FAILURE_LIMIT failures, a client address after AXES_ADDRESS_FAILURE_LIMIT
# failures on any accounts; nobody can lock out another address.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_ADDRESS_FAILURE_LIMIT = env.int("AXES_ADDRESS_FAILURE_LIMIT", default=20)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_HANDLER = "portal.login_throttle.LoginThrottleHandler"
AXES_CLIENT_IP_CALLABLE = "portal.client_address.client_address"
AXES_USERNAME_CALLABLE = "portal.login_throttle.account_name"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "portal/account/locked_out.html"
# Password-reset requests per client address per hour (each may send an e-mail).
PASSWORD_RESET_RATE_LIMIT = env.int("PASSWORD_RESET_RATE_LIMIT", default=5)

# Single sign-on for citizens through an OpenID Connect provider such as VNeID (portal/sso/,
# docs/production.md §"Single sign-on"). Off unless switched on with an issuer and a client:
# only then does the log-in page offer the button. Staff never sign in this way.
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
# The provider's issuer; its endpoints and signing keys are read from
# <issuer>/.well-known/openid-configuration.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="").rstrip("/")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid profile email phone")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
# The claims carrying the person's identity (names as agreed with the provider).
OIDC_NATIONAL_ID_CLAIM = env.str("OIDC_NATIONAL_ID_CLAIM", default="so_dinh_danh")
OIDC_NAME_CLAIM = env.str("OIDC_NAME_CLAIM", default="name")
OIDC_PHONE_CLAIM = env.str("OIDC_PHONE_CLAIM", default="phone_number")
OIDC_EMAIL_CLAIM = env.str("OIDC_EMAIL_CLAIM", default="email")
# How the client authenticates at the token endpoint: client_secret_post or client_secret_basic.
OIDC_TOKEN_USE_BASIC_AUTH = (
    env.str("OIDC_TOKEN_AUTH_METHOD", default="client_secret_post") == "client_secret_basic"
)
# Seconds to wait for the provider before telling the person it does not answer.
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
OIDC_USE_PKCE = True
OIDC_USE_NONCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "portal:oidc_callback"

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
# ...or, with buckets named, on S3-compatible object storage (portal/storage.py): required as
# soon as the portal runs on more than one host. Public media (forms) and private files each
# get a bucket; both stay private (no ACL, no signed links handed out): views stream them, the
# private ones after checking who is asking. The server and keys are shared (OBJECT_STORAGE_*),
# a PRIVATE_STORAGE_* value overrides its shared one.
OBJECT_STORAGE_ENCRYPT = env.bool(
    "OBJECT_STORAGE_ENCRYPT", default=env.bool("PRIVATE_STORAGE_ENCRYPT", default=False)
)


def _object_storage(area: str, bucket: str) -> dict[str, object]:
    def value(name: str) -> str | None:
        return env.str(f"{area}_STORAGE_{name}", default="") or (
            env.str(f"OBJECT_STORAGE_{name}", default="") or None
        )

    if not bucket:
        return {}
    return {
        "bucket_name": bucket,
        "endpoint_url": value("ENDPOINT_URL"),
        "region_name": value("REGION"),
        "access_key": value("ACCESS_KEY"),
        "secret_key": value("SECRET_KEY"),
        "location": env.str(f"{area}_STORAGE_PREFIX", default=""),
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "object_parameters": {"ServerSideEncryption": "AES256"} if OBJECT_STORAGE_ENCRYPT else {},
    }


PRIVATE_STORAGE_BUCKET = env.str("PRIVATE_STORAGE_BUCKET", default="")
PRIVATE_OBJECT_STORAGE = _object_storage("PRIVATE", PRIVATE_STORAGE_BUCKET)
MEDIA_STORAGE_BUCKET = env.str("MEDIA_STORAGE_BUCKET", default="")
MEDIA_OBJECT_STORAGE = _object_storage("MEDIA", MEDIA_STORAGE_BUCKET)
STORAGES = {
    "default": (
        {"BACKEND": "portal.storage.MediaObjectStorage", "OPTIONS": MEDIA_OBJECT_STORAGE}
        if MEDIA_OBJECT_STORAGE
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
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
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {
    "visibility_timeout": 3600,
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    # Longer than the cache's: workers wait on the queue with BRPOP over this socket.
    "socket_timeout": max(REDIS_SOCKET_TIMEOUT, 5.0),
}
# A request hands a task over after its commit: with the broker down it gives up after one
# more attempt (portal/tasks_sending.py logs it; the task's sweeper sends it later).
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
# No caller reads a task's result: storing it (and, with Redis, subscribing for it when the
# task is sent) only makes the sender wait when Redis is down. A task may still ask for one.
CELERY_TASK_IGNORE_RESULT = True
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = max(REDIS_SOCKET_TIMEOUT, 5.0)
if CELERY_BROKER_URL.startswith("filesystem://"):
    # scripts/run.sh creates the folders.
    _CELERY_FOLDER = Path(env.str("CELERY_FILESYSTEM_FOLDER", default=str(VAR_DIR / "celery")))
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_FOLDER / "queue"),
        "data_folder_out": str(_CELERY_FOLDER / "queue"),
        "control_folder": str(_CELERY_FOLDER / "control"),
    }
# One beat in the whole deployment, guaranteed by a lock in Redis (portal/beat.py): a second
# beat waits in standby and takes over within BEAT_LOCK_TTL_SECONDS when the first one dies.
CELERY_BEAT_SCHEDULER = "portal.beat.SingleBeatScheduler"
BEAT_LOCK_TTL_SECONDS = env.float("BEAT_LOCK_TTL_SECONDS", default=90.0)
CELERY_BEAT_MAX_LOOP_INTERVAL = max(1, int(BEAT_LOCK_TTL_SECONDS / 3))
# /api/health/ answers 503 when beat or the workers fall silent (portal/heartbeats.py);
# /api/health/live/ (load balancer, container checks) looks at this web process's own needs only.
HEALTH_CHECK_WORKERS = env.bool("HEALTH_CHECK_WORKERS", default=PRODUCTION)
HEALTH_BEAT_SILENT_AFTER = env.float(
    "HEALTH_BEAT_SILENT_AFTER", default=3 * CELERY_BEAT_MAX_LOOP_INTERVAL + 30
)
# Prometheus metrics at /api/metrics/ (portal/metrics.py): for these networks, or with the token
# as "Authorization: Bearer …" from anywhere.
METRICS_ALLOWED_NETWORKS = env.list("METRICS_ALLOWED_NETWORKS", default=["127.0.0.1/32", "::1/128"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# The most frequent periodic tasks run every minute or so.
HEALTH_WORKER_SILENT_AFTER = env.float("HEALTH_WORKER_SILENT_AFTER", default=600.0)
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "render-pending-notices": {
        "task": "dossiers.tasks.render_pending_notices",
        "schedule": 300.0,
    },
    # Fee receipts, result files and reports still to sign (lost task, key installed since).
    "issue-pending-signed-documents": {
        "task": "signing.tasks.issue_pending_documents",
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
    # The open-data downloads (/du-lieu-mo/), after the rollup has counted yesterday.
    "regenerate-open-data": {
        "task": "opendata.tasks.regenerate_open_data",
        "schedule": crontab(minute=45, hour=1),
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
# Desk appointments (bookings/): slots cut from OFFICE_HOURS, places per slot unless the desk
# sets its own, and how many working days ahead citizens may book.
BOOKING_SLOT_MINUTES = env.int("BOOKING_SLOT_MINUTES", default=30)
BOOKING_SLOT_CAPACITY = env.int("BOOKING_SLOT_CAPACITY", default=2)
BOOKING_HORIZON_DAYS = env.int("BOOKING_HORIZON_DAYS", default=10)
# Limits of the files attached to a dossier.
DOSSIER_MAX_FILE_MB = env.int("DOSSIER_MAX_FILE_MB", default=10)
DOSSIER_MAX_TOTAL_MB = env.int("DOSSIER_MAX_TOTAL_MB", default=50)
# Province policy: online dossiers of procedures of 2+ working days get half the time.
ONLINE_HALVING_ENABLED = env.bool("ONLINE_HALVING_ENABLED", default=True)
# Place name in the date line of official notices ("Phú Yên, ngày ... tháng ... năm ...").
PORTAL_PLACE_NAME = env.str("PORTAL_PLACE_NAME", default="Phú Yên")
# Which set of one-stop forms the notices follow: "2025" (Decree 118/2025/NĐ-CP, Circular
# 03/2025/TT-VPCP) or "2018" (Decree 61/2018/NĐ-CP, Circular 01/2018/TT-VPCP) where a province
# still applies it. See docs/legal-basis.md.
NOTICE_FORM_SET = env.str("NOTICE_FORM_SET", default="2025")
if NOTICE_FORM_SET not in ("2018", "2025"):
    raise ImproperlyConfigured("NOTICE_FORM_SET must be 2018 or 2025.")
# Public lookups by dossier code allowed per client address per minute.
LOOKUP_RATE_LIMIT = env.int("LOOKUP_RATE_LIMIT", default=30)
# Public API (/api/v1/): requests per client address per minute without a partner key (a key
# has its own limit, set in the admin). Lists give NINJA_PAGINATION_PER_PAGE items by default.
API_RATE_LIMIT = env.int("API_RATE_LIMIT", default=120)
# Seconds the API keeps a rendered catalogue list in the cache (dropped at once when the
# catalogue is edited; opendata/answers.py); the answers' own max-age. 0: no cache.
API_CACHE_SECONDS = env.int("API_CACHE_SECONDS", default=300)
NINJA_PAGINATION_PER_PAGE = 50
# The licence printed in every open-data download (/du-lieu-mo/).
OPEN_DATA_LICENCE = env.str(
    "OPEN_DATA_LICENCE",
    default="Creative Commons Attribution 4.0 (CC BY 4.0), "
    "https://creativecommons.org/licenses/by/4.0/",
)
NINJA_PAGINATION_MAX_LIMIT = 200
# Feedback (phản ánh, kiến nghị), the public Q&A and ratings (feedback/).
FEEDBACK_ANSWER_WORKING_DAYS = env.int("FEEDBACK_ANSWER_WORKING_DAYS", default=3)
FEEDBACK_REMINDER_WORKING_HOURS = env.int("FEEDBACK_REMINDER_WORKING_HOURS", default=8)
FEEDBACK_MAX_REOPENS = env.int("FEEDBACK_MAX_REOPENS", default=1)
FEEDBACK_MAX_FILE_MB = env.int("FEEDBACK_MAX_FILE_MB", default=5)
FEEDBACK_RATE_LIMIT = env.int("FEEDBACK_RATE_LIMIT", default=5)  # submissions per IP per hour
# Public address of the portal, for links in e-mails, SMS and QR codes, and the sandbox
# gateway's address below. Without it, the address `make run HOST=… PORT=…` serves (HOST and PORT
# in the environment of runserver, the worker and seed_demo alike; a wildcard HOST gives
# 127.0.0.1). Production sets it to the public https address.
_RUN_HOST = env.str("HOST", default="")
PORTAL_BASE_URL = env.str(
    "PORTAL_BASE_URL",
    default="http://{host}:{port}".format(
        host=_RUN_HOST if _RUN_HOST not in ("", "0.0.0.0", "::") else "127.0.0.1",  # noqa: S104
        port=env.int("PORT", default=8000),
    ),
).rstrip("/")
PORTAL_NAME = env.str("PORTAL_NAME", default="Cổng dịch vụ công tỉnh Phú Yên")
PORTAL_OPERATOR = {
    "name": env.str("PORTAL_OPERATOR_NAME", default="Sở Khoa học và Công nghệ tỉnh Phú Yên"),
    "address": env.str(
        "PORTAL_OPERATOR_ADDRESS", default="Số 62 Lê Duẩn, phường 7, TP. Tuy Hòa, tỉnh Phú Yên"
    ),
    "hotline": env.str("PORTAL_OPERATOR_HOTLINE", default="0257.3500.500"),
    "email": env.str("PORTAL_OPERATOR_EMAIL", default="hotro.dvc@example.phuyen.gov.vn"),
}

# Benchmark-only endpoints (bench/run.py turns them on; never in production).
BENCH_VIEWS_ENABLED = env.bool("BENCH_VIEWS_ENABLED", default=False)

# --- Security ------------------------------------------------------------------------------

# Idle limits (portal/session_lifetime.py): shared desk PCs end staff sessions soon.
STAFF_SESSION_IDLE_MINUTES = env.int("STAFF_SESSION_IDLE_MINUTES", default=30)
STAFF_SESSION_EXPIRE_AT_BROWSER_CLOSE = env.bool(
    "STAFF_SESSION_EXPIRE_AT_BROWSER_CLOSE", default=True
)
CITIZEN_SESSION_IDLE_MINUTES = env.int("CITIZEN_SESSION_IDLE_MINUTES", default=7 * 24 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# No inline script or style anywhere; forms post here and to the payment gateway only.
# CSP_REPORT_URI: where browsers send violation reports (empty: none sent).
CONTENT_SECURITY_POLICY = content_security_policy(
    payment_url=env.str("VNPAY_PAY_URL", default=""),
    report_uri=env.str("CSP_REPORT_URI", default=""),
)
PERMISSIONS_POLICY = PORTAL_PERMISSIONS_POLICY
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^api/health/$", r"^api/health/live/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# One JSON object per line in production (LOG_FORMAT=json), readable lines elsewhere; every
# record carries the id of the request (or task) it belongs to (portal/observability.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="json" if PRODUCTION else "plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_id": {"()": "portal.observability.RequestIdFilter"},
        "one_line": {"()": "portal.observability.OneLineSecurityFilter"},
        "refusal_without_traceback": {"()": "portal.log_filters.RefusalWithoutTraceback"},
    },
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
        "json": {"()": "portal.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # 403 answers in one line, without the PermissionDenied traceback.
        "django.request": {"filters": ["refusal_without_traceback"]},
        "axes": {"level": "WARNING"},
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
        # Scanners' unknown Host headers: one line each, never a traceback.
        "django.security.DisallowedHost": {"filters": ["one_line"], "level": "WARNING"},
    },
}

# Error reports (portal/error_reports.py): personal data is scrubbed before anything is sent.
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from portal import error_reports

    error_reports.init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default=DJANGO_ENV),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )
# Mails to these on server errors, beside the tracker (name:address, comma-separated).
ADMINS = [
    tuple(item.split(":", 1)) if ":" in item else (item, item)
    for item in env.list("ADMINS", default=[])
]

# --- Notifications (portal/notifications) -------------------------------------------------

# A retryable failure is retried with exponential backoff (1 min, 2, 4, ... capped) for at least
# this long after the first attempt; then the row is marked failed for IT staff to resend.
NOTIFICATION_RETRY_WINDOW_HOURS = env.float("NOTIFICATION_RETRY_WINDOW_HOURS", default=4)
NOTIFICATION_MAX_BACKOFF_SECONDS = env.int("NOTIFICATION_MAX_BACKOFF_SECONDS", default=3600)
NOTIFICATION_SWEEP_BATCH = env.int("NOTIFICATION_SWEEP_BATCH", default=200)
# SMS_BACKEND=file appends one JSON line per message here.
# A pathlib.Path: env.path() would give an environ.Path, which has no parent folder to create.
SMS_FILE_PATH = Path(env.str("SMS_FILE_PATH", default=str(VAR_DIR / "sms.log")))
SMS_GATEWAY_TIMEOUT = env.float("SMS_GATEWAY_TIMEOUT", default=10)
# True when the gateway drops a second request with a "reference" it has already taken: an
# SMS whose answer timed out is then sent again (the gateway answers the first one's id);
# otherwise it is taken as sent, since sending again could reach the person twice.
SMS_GATEWAY_DEDUPLICATES = env.bool("SMS_GATEWAY_DEDUPLICATES", default=False)

# --- Reports (reporting/) -------------------------------------------------------------------

# "decree09": six-monthly data from 15/12 of the previous year to 14/6, and to 14/12 (Decree
# 09/2019 art. 12); "calendar": calendar halves and years.
REPORT_PERIOD_CONVENTION = env.str("REPORT_PERIOD_CONVENTION", default="decree09")
# A report still waiting this long after it was requested is sent to the workers again (its
# task was lost to a broker outage); beat looks every REPORT_SWEEP_INTERVAL_SECONDS.
REPORT_RESEND_AFTER_SECONDS = env.float("REPORT_RESEND_AFTER_SECONDS", default=120.0)
CELERY_BEAT_SCHEDULE["resend-pending-reports"] = {
    "task": "reporting.tasks.resend_pending_reports",
    "schedule": env.float("REPORT_SWEEP_INTERVAL_SECONDS", default=120.0),
}
# Who receives the province report, prepared the day after each period ends.
REPORT_RECIPIENTS = env.list("REPORT_RECIPIENTS", default=[])
# The issuing body in the header of province and sector reports: the Department of Science and
# Technology, into which the Department of Information and Communications merged (1/3/2025).
REPORT_ISSUER = env.str(
    "REPORT_ISSUER", default=f"Sở Khoa học và Công nghệ tỉnh {PORTAL_PLACE_NAME}"
)
# Whom the six-monthly and annual reports are addressed to ("Kính gửi", the "Như trên" of
# the recipients block).
REPORT_ADDRESSEE = env.str("REPORT_ADDRESSEE", default=f"Ủy ban nhân dân tỉnh {PORTAL_PLACE_NAME}")

# --- Catalogue import (procedures/) ---------------------------------------------------------

# An uploaded catalogue still waiting this long is sent to the workers again (its task was lost
# to a broker outage); beat looks every CATALOGUE_IMPORT_SWEEP_INTERVAL_SECONDS.
CATALOGUE_IMPORT_RESEND_AFTER_SECONDS = env.float(
    "CATALOGUE_IMPORT_RESEND_AFTER_SECONDS", default=120.0
)
CELERY_BEAT_SCHEDULE["resend-pending-catalogue-imports"] = {
    "task": "procedures.tasks.resend_pending_catalogue_imports",
    "schedule": env.float("CATALOGUE_IMPORT_SWEEP_INTERVAL_SECONDS", default=120.0),
}
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
# The demo sandbox's secret is in this source, so anyone can sign with it: only the embedded
# demo and tests may use it. Production (even with the sandbox forced) needs its own secret.
PUBLIC_VNPAY_HASH_SECRETS = frozenset({"sandbox-hash-secret-not-for-production"})
VNPAY_HASH_SECRET = env.str(
    "VNPAY_HASH_SECRET",
    default="sandbox-hash-secret-not-for-production"
    if PAYMENT_SANDBOX_ENABLED and not PRODUCTION
    else "",
)
if PRODUCTION and VNPAY_HASH_SECRET in PUBLIC_VNPAY_HASH_SECRETS:
    raise ImproperlyConfigured(
        "VNPAY_HASH_SECRET is the demo sandbox's public secret: signatures made with it prove "
        "nothing. Set the merchant's own secret (a staging sandbox needs a private one too)."
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
# Payments closed without money (failed, cancelled, expired) are asked about again, at most
# every PAYMENT_RECHECK_MINUTES, for this many hours: a late confirmation is still recorded.
PAYMENT_LATE_CONFIRMATION_HOURS = env.int("PAYMENT_LATE_CONFIRMATION_HOURS", default=24)
PAYMENT_RECHECK_MINUTES = env.int("PAYMENT_RECHECK_MINUTES", default=60)

# Reminders of tomorrow's desk appointments (one per booking, whatever the number of runs).
CELERY_BEAT_SCHEDULE["send-booking-reminders"] = {
    "task": "bookings.tasks.send_booking_reminders",
    "schedule": crontab(minute=5),
}

# IT staff reminded of personal-data requests past their 2-working-day answer time (once each).
CELERY_BEAT_SCHEDULE["remind-overdue-data-requests"] = {
    "task": "privacy.tasks.remind_overdue_data_requests",
    "schedule": crontab(minute=20),
}

# Walks the whole audit chain (audit/chain.py) and e-mails IT staff when a row is broken.
CELERY_BEAT_SCHEDULE["verify-audit-chain"] = {
    "task": "audit.tasks.verify_audit_chain",
    "schedule": crontab(minute=45, hour=2),
}

CELERY_BEAT_SCHEDULE["reconcile-pending-payments"] = {
    "task": "payments.tasks.reconcile_pending_payments",
    "schedule": 600.0,
}
# Online refunds still requested this long after they were sent (broker down, gateway
# unreachable) are sent again by the refund sweeper; a failed attempt waits 2, 4, 8 … minutes
# up to the maximum, and the desk is alerted after the given number of attempts.
PAYMENT_REFUND_SWEEP_MINUTES = env.int("PAYMENT_REFUND_SWEEP_MINUTES", default=5)
PAYMENT_REFUND_MAX_DELAY_MINUTES = env.int("PAYMENT_REFUND_MAX_DELAY_MINUTES", default=360)
PAYMENT_REFUND_ALERT_AFTER_ATTEMPTS = env.int("PAYMENT_REFUND_ALERT_AFTER_ATTEMPTS", default=3)
CELERY_BEAT_SCHEDULE["sweep-refunds"] = {
    "task": "payments.tasks.sweep_refunds",
    "schedule": 120.0,
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

# --- Signed documents (signing/) -----------------------------------------------------------

# PKCS#12 keys "<agency code>.p12"; passwords in SIGNING_PASSWORD_<CODE> or "<code>.pass" beside
# them. Keep this folder outside the web root, readable by the portal's user only.
SIGNING_KEYS_DIR = env.path("SIGNING_KEYS_DIR", default=str(BASE_DIR / "var" / "signing"))
# The key used by an agency without one of its own (the portal operator's); empty: none.
SIGNING_DEFAULT_KEY = env.str("SIGNING_DEFAULT_KEY", default="portal")
# PEM files of the roots that verification trusts (the national root CA of Vietnam...).
SIGNING_TRUST_ROOTS = env.list("SIGNING_TRUST_ROOTS", default=[])
# An RFC 3161 timestamp server: signatures become PAdES B-LT (timestamp + validation data).
SIGNING_TSA_URL = env.str("SIGNING_TSA_URL", default="")
SIGNING_TSA_TIMEOUT = env.float("SIGNING_TSA_TIMEOUT", default=10)
# The largest PDF the public verification page accepts.
SIGNING_VERIFY_MAX_BYTES = env.int("SIGNING_VERIFY_MAX_BYTES", default=20 * 1024 * 1024)
