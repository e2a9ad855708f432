"""The database accounts of docs/production.md §2b, on the real PostgreSQL server.

A fresh database is owned by an ordinary role (no superuser, cannot create roles or databases);
docker/postgres/app-role.sql creates the application user, as compose does at the first start;
every migration then runs as the owner, in a separate process, as the `migrate` service does.
The application user writes the rows the portal writes, and nothing more: the audit record's
append-only triggers refuse its UPDATE and DELETE, and PostgreSQL refuses it everything that
needs the owner (switching the triggers off, TRUNCATE, schema changes).
"""

from __future__ import annotations

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.conf import settings
from psycopg import sql

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "docker" / "postgres" / "app-role.sql"


def server() -> dict[str, str]:
    database = settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.postgresql":
        pytest.fail("These tests need PostgreSQL: set DATABASE_URL (make test does).")
    return {
        "host": database["HOST"] or "127.0.0.1",
        "port": str(database["PORT"] or 5432),
        "user": database["USER"],
        "password": database["PASSWORD"] or "",
    }


def connect(*, dbname: str, user: str | None = None, password: str | None = None):
    params = server()
    return psycopg.connect(
        host=params["host"],
        port=params["port"],
        user=user or params["user"],
        password=password if user else params["password"],
        dbname=dbname,
        autocommit=True,
    )


def url(*, user: str, password: str, dbname: str) -> str:
    params = server()
    return f"postgres://{user}:{password}@{params['host']}:{params['port']}/{dbname}"


def run_roles_script(*, dbname: str, owner: str, app: str, app_password: str):
    params = server()
    return subprocess.run(
        [
            "psql",
            "-X",
            "-q",
            "-h",
            params["host"],
            "-p",
            params["port"],
            "-U",
            params["user"],
            "-d",
            dbname,
            "-v",
            f"owner={owner}",
            "-v",
            f"app={app}",
            "-v",
            f"app_password={app_password}",
            "-f",
            str(SCRIPT),
        ],
        env={**os.environ, "PGPASSWORD": params["password"]},
        capture_output=True,
        text=True,
        check=False,
    )


def manage(*args: str, database_url: str) -> subprocess.CompletedProcess[str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "PYTEST_")) and key != "DATABASE_URL"
    }
    env |= {"DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "portal.settings"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def portal_database():
    suffix = secrets.token_hex(4)
    names = {
        "dbname": f"dvc_roles_{suffix}",
        "owner": f"dvc_owner_{suffix}",
        "app": f"dvc_app_{suffix}",
        "owner_password": secrets.token_hex(12),
        "app_password": secrets.token_hex(12),
    }
    with connect(dbname="postgres") as admin:
        admin.execute(
            sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD {}").format(
                sql.Identifier(names["owner"]), sql.Literal(names["owner_password"])
            )
        )
        admin.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(
                sql.Identifier(names["dbname"]), sql.Identifier(names["owner"])
            )
        )
    try:
        # As compose does at the database's first start: before any table exists.
        created = run_roles_script(
            dbname=names["dbname"],
            owner=names["owner"],
            app=names["app"],
            app_password=names["app_password"],
        )
        assert created.returncode == 0, created.stderr
        names["owner_url"] = url(
            user=names["owner"], password=names["owner_password"], dbname=names["dbname"]
        )
        names["app_url"] = url(
            user=names["app"], password=names["app_password"], dbname=names["dbname"]
        )
        migrated = manage("migrate", "--noinput", "-v0", database_url=names["owner_url"])
        names["migrate_output"] = migrated.stdout + migrated.stderr
        names["migrate_code"] = str(migrated.returncode)
        yield names
    finally:
        with connect(dbname="postgres") as admin:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                    sql.Identifier(names["dbname"])
                )
            )
            for role in (names["app"], names["owner"]):
                admin.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))


def test_an_owner_who_is_no_superuser_runs_every_migration(portal_database):
    assert portal_database["migrate_code"] == "0", portal_database["migrate_output"]
    check = manage("migrate", "--check", "-v0", database_url=portal_database["owner_url"])
    assert check.returncode == 0, check.stdout + check.stderr  # nothing left unapplied
    with connect(dbname=portal_database["dbname"]) as admin:
        owner = admin.execute(
            "SELECT rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = %s",
            [portal_database["owner"]],
        ).fetchone()
        assert owner == (False, False, False)
        # The trusted extension of the catalogue search, created by the database's owner ...
        assert admin.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'").fetchone()
        # ... and the audit record's append-only trigger, by the owner of its table.
        triggers = admin.execute(
            "SELECT tgname FROM pg_trigger"
            " WHERE tgrelid = 'audit_auditrecord'::regclass AND NOT tgisinternal"
        ).fetchall()
        assert any("audit_append_only" in name for (name,) in triggers), triggers
        tables = admin.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        assert tables == [(portal_database["owner"],)]


SHELL = """
from django.contrib.sessions.backends.db import SessionStore
from audit import services as audit
from audit.models import AuditRecord
from portal.models import User

user = User.objects.create_user(
    username="054095888777", password="Kiem-Tra-2026", national_id="054095888777",
    phone="0905888777", email="kiemtra@example.com", full_name="Lê Văn Kiểm",
)
audit.record(kind="account.created", actor=user, target=f"user:{user.pk}")
audit.record(kind="account.updated", actor=user, target=f"user:{user.pk}")
session = SessionStore()
session["checked"] = True
session.save()
verification = audit.audit_chain_verify()
print("rows", AuditRecord.objects.count(), "chain", verification.ok)
"""


def test_the_application_user_writes_what_the_portal_writes(portal_database):
    assert portal_database["migrate_code"] == "0", portal_database["migrate_output"]
    result = manage("shell", "-c", SHELL, database_url=portal_database["app_url"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"rows [2-9]\d* chain True", result.stdout), result.stdout
    checked = manage("check", "--database", "default", database_url=portal_database["app_url"])
    assert checked.returncode == 0, checked.stdout + checked.stderr


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("UPDATE audit_auditrecord SET kind = 'rewritten'", "audit_append_only"),
        ("DELETE FROM audit_auditrecord", "audit_append_only"),
        ("ALTER TABLE audit_auditrecord DISABLE TRIGGER ALL", "must be owner"),
        ("TRUNCATE audit_auditrecord", "permission denied"),
        ("DROP TABLE audit_auditrecord", "must be owner"),
        ("CREATE TABLE stolen (id int)", "permission denied"),
        ("CREATE ROLE intruder", "permission denied"),
    ],
)
def test_the_application_user_cannot_rewrite_history_or_the_schema(
    portal_database, statement, refusal
):
    assert portal_database["migrate_code"] == "0", portal_database["migrate_output"]
    with connect(
        dbname=portal_database["dbname"],
        user=portal_database["app"],
        password=portal_database["app_password"],
    ) as app:
        app.execute(
            "INSERT INTO audit_auditrecord"
            " (recorded_at, kind, actor_name, unit, target, data, prev_hash, hash)"
            " VALUES (now(), 'probe', '', '', '', '{}', %s, %s)",
            ["0" * 64, "f" * 64],
        )
        with pytest.raises(psycopg.Error) as refused:
            app.execute(statement)
        assert refusal in str(refused.value).lower() or refusal in str(refused.value)
        assert app.execute("SELECT count(*) FROM audit_auditrecord").fetchone()[0] >= 1


def test_the_roles_script_can_run_again(portal_database):
    again = run_roles_script(
        dbname=portal_database["dbname"],
        owner=portal_database["owner"],
        app=portal_database["app"],
        app_password=portal_database["app_password"],
    )
    assert again.returncode == 0, again.stderr
    with connect(
        dbname=portal_database["dbname"],
        user=portal_database["app"],
        password=portal_database["app_password"],
    ) as app:
        assert app.execute("SELECT count(*) FROM portal_user").fetchone()[0] >= 0
