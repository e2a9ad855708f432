"""Whole portal installations for the tests that run it as separate processes.

A `Site` is one installation: a PostgreSQL database of its own (on the suite's server), its
own file folders or buckets, and the environment its commands and servers run with. The demo
portal (migrate + seed_demo) is built once per test run and copied for each test that needs it
(`CREATE DATABASE … TEMPLATE` and a copy of its folders).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.conf import settings

from tests import object_store

ROOT = Path(__file__).resolve().parent.parent


def _url(database: str) -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host, port = db.get("HOST") or "127.0.0.1", db.get("PORT") or 5432
    return f"postgresql://{user}{password}@{host}:{port}/{database}"


def _psql(url: str, query: str) -> str:
    return subprocess.run(
        ["psql", url, "-tAc", query], check=True, capture_output=True, text=True
    ).stdout.strip()


class Site:
    """One portal installation: its database and its two file folders."""

    def __init__(self, root: Path, name: str, *, template: Site | None = None):
        self.database = f"site_{name}_{uuid.uuid4().hex[:8]}"
        self.url = _url(self.database)
        self.media = root / name / "media"
        self.private = root / name / "private"
        self.buckets: dict[str, str] = {}
        copy = f' TEMPLATE "{template.database}"' if template else ""
        _psql(_url("postgres"), f'CREATE DATABASE "{self.database}"{copy}')
        if template:
            for source, target in ((template.media, self.media), (template.private, self.private)):
                if source.exists():
                    shutil.copytree(source, target)

    def on_buckets(self) -> Site:
        """Keep this site's files in two new buckets of the test object store."""
        self.buckets = {
            "MEDIA_STORAGE_BUCKET": f"media-{uuid.uuid4().hex[:12]}",
            "PRIVATE_STORAGE_BUCKET": f"private-{uuid.uuid4().hex[:12]}",
        }
        return self

    def env(self, **extra: str) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("PRIVATE_STORAGE_", "DJANGO_"))
        }
        env.update(
            DATABASE_URL=self.url,
            REDIS_URL="",
            MEDIA_ROOT=str(self.media),
            PRIVATE_MEDIA_ROOT=str(self.private),
            PYTHON=sys.executable,
        )
        if self.buckets:
            env.update(
                self.buckets,
                OBJECT_STORAGE_ENDPOINT_URL=object_store.ENDPOINT,
                OBJECT_STORAGE_REGION=object_store.REGION,
                OBJECT_STORAGE_ACCESS_KEY=object_store.ACCESS_KEY,
                OBJECT_STORAGE_SECRET_KEY=object_store.SECRET_KEY,
            )
        env.update(extra)
        return env

    def run(self, *command: str, check: bool = True, **extra: str):
        return subprocess.run(
            command,
            cwd=ROOT,
            env=self.env(**extra),
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )

    def manage(self, *args: str) -> str:
        return self.run(sys.executable, "manage.py", *args).stdout

    def query(self, sql: str) -> str:
        return _psql(self.url, sql)

    def drop(self) -> None:
        _psql(_url("postgres"), f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
        client = object_store.s3_client()
        for bucket in self.buckets.values():
            object_store.empty_and_delete(client, bucket)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory):
    """The demo portal, built once: copy it with Site(..., template=demo_template)."""
    site = Site(tmp_path_factory.mktemp("demo-template"), "demo")
    site.manage("migrate", "--noinput", "-v0")
    site.manage("seed_demo")
    yield site
    site.drop()


@pytest.fixture
def make_site(tmp_path):
    """make_site(name, template=None) → a new Site, dropped (database, buckets) afterwards."""
    sites: list[Site] = []

    def make(name: str = "target", *, template: Site | None = None) -> Site:
        site = Site(tmp_path, name, template=template)
        sites.append(site)
        return site

    yield make
    for site in sites:
        site.drop()
