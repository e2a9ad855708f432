"""The one settings module behaves as documented for production, embedded and test setups."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "x7!kq2-production-like-secret-key-with-enough-entropy-0123456789abcdef",
    "ALLOWED_HOSTS": "dichvucong.example.gov.vn",
    "DATABASE_URL": "postgres://portal:secret@db.internal:5432/portal",
    "REDIS_URL": "redis://redis.internal:6379/0",
    "EMAIL_URL": "smtp+tls://mailer:secret@smtp.example.gov.vn:587",
}


def outer_environment() -> dict[str, str]:
    """This process's environment without what would leak into the settings under test."""
    leaking = {*PRODUCTION_ENV, "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    return {key: value for key, value in os.environ.items() if key not in leaking}


def manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = outer_environment()
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def python_settings(expression: str, env: dict[str, str]) -> str:
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'portal.settings');"
        f"from django.conf import settings; print({expression})"
    )
    clean = outer_environment()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_deploy_check_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.parametrize("redis_url", [None, ""])
def test_production_refuses_to_start_without_redis(redis_url):
    # Without Redis tasks would run inside requests and every process keep its own limits.
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "REDIS_URL"}
    if redis_url is not None:
        env["REDIS_URL"] = redis_url
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "REDIS_URL" in result.stderr


def test_redis_and_the_database_are_given_short_timeouts():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/3"}
    options = "settings.CACHES['default']['OPTIONS']"
    assert python_settings(f"{options}['socket_connect_timeout']", env) == "1.0"
    assert python_settings(f"{options}['socket_timeout']", env) == "2.0"
    transport = "settings.CELERY_BROKER_TRANSPORT_OPTIONS"
    assert python_settings(f"{transport}['socket_connect_timeout']", env) == "1.0"
    assert python_settings("settings.CELERY_TASK_IGNORE_RESULT", env) == "True"
    database = {"DATABASE_URL": "postgres://portal@127.0.0.1:5432/portal"}
    assert (
        python_settings("settings.DATABASES['default']['OPTIONS']['connect_timeout']", database)
        == "5"
    )


def test_embedded_defaults_need_no_services():
    assert python_settings("settings.DATABASES['default']['ENGINE']", {}) == (
        "django.db.backends.sqlite3"
    )
    assert python_settings("settings.DATABASES['default']['NAME']", {}).endswith("var/db.sqlite3")
    assert python_settings("settings.CELERY_TASK_ALWAYS_EAGER", {}) == "True"
    assert "LocMemCache" in python_settings("settings.CACHES['default']['BACKEND']", {})


def test_redis_url_switches_cache_and_broker():
    env = {"REDIS_URL": "redis://127.0.0.1:6379/3"}
    assert python_settings("settings.CELERY_BROKER_URL", env) == "redis://127.0.0.1:6379/3"
    assert python_settings("settings.CELERY_TASK_ALWAYS_EAGER", env) == "False"
    assert "RedisCache" in python_settings("settings.CACHES['default']['BACKEND']", env)


def test_a_bucket_moves_private_files_to_object_storage():
    assert python_settings("settings.PRIVATE_OBJECT_STORAGE", {}) == "{}"
    env = {
        "PRIVATE_STORAGE_BUCKET": "dvc-private",
        "PRIVATE_STORAGE_ENDPOINT_URL": "https://s3.example.vn",
        "PRIVATE_STORAGE_ENCRYPT": "True",
    }
    assert python_settings("settings.PRIVATE_OBJECT_STORAGE['bucket_name']", env) == "dvc-private"
    assert (
        python_settings("settings.PRIVATE_OBJECT_STORAGE['endpoint_url']", env)
        == "https://s3.example.vn"
    )
    assert python_settings("settings.PRIVATE_OBJECT_STORAGE['default_acl']", env) == "None"
    assert "AES256" in python_settings("settings.PRIVATE_OBJECT_STORAGE['object_parameters']", env)


def test_time_zone_and_languages():
    assert python_settings("settings.TIME_ZONE", {}) == "Asia/Ho_Chi_Minh"
    assert python_settings("settings.LANGUAGE_CODE", {}) == "vi"
    assert python_settings("[c for c, _ in settings.LANGUAGES]", {}) == "['vi', 'en']"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("07:30-11:30,13:00-17:00", "8.0"),
        ("08:00-12:00,13:30-17:30", "8.0"),
        ("07:00-11:00", "4.0"),
    ],
)
def test_office_hours_are_configurable(value, expected):
    expression = "sum((e.hour*60+e.minute-s.hour*60-s.minute)/60 for s, e in settings.OFFICE_HOURS)"
    assert python_settings(expression, {"OFFICE_HOURS": value}) == expected


def test_make_run_broker_is_a_folder_and_tasks_are_not_eager():
    env = {"CELERY_BROKER_URL": "filesystem://"}
    assert python_settings("settings.CELERY_TASK_ALWAYS_EAGER", env) == "False"
    folder = python_settings("settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_in']", env)
    assert folder.endswith("var/celery/queue")
    assert (
        python_settings("settings.CELERY_BROKER_TRANSPORT_OPTIONS['data_folder_out']", env)
        == folder
    )


def test_deadline_scan_interval_is_a_setting():
    expression = "settings.CELERY_BEAT_SCHEDULE['deadline-scan']['schedule']"
    assert python_settings(expression, {}) == "300.0"
    assert python_settings(expression, {"DEADLINE_SCAN_INTERVAL_SECONDS": "120"}) == "120.0"
