import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]
PO_FILES = sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))


def test_vietnamese_catalogue_exists():
    assert ROOT / "locale/vi/LC_MESSAGES/django.po" in PO_FILES


@pytest.mark.parametrize("po", PO_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_entry_translated_and_not_fuzzy(po):
    # msgfmt --check also verifies that placeholders like %(name)s match the msgid.
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert re.search(r"\d+ translated message", result.stderr)


def test_catalogue_is_in_step_with_the_source(tmp_path):
    """Every translatable string in the code is in the catalogue, translated."""
    tree = tmp_path / "src"
    shutil.copytree(
        ROOT,
        tree,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "node_modules", "__pycache__", "*.mo"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "vi",
            "--no-location",
            "--ignore",
            "bench/*",
            "-v0",
        ],
        cwd=tree,
        check=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings"},
    )
    result = subprocess.run(
        [
            "msgfmt",
            "--statistics",
            "-o",
            "/dev/null",
            str(tree / "locale/vi/LC_MESSAGES/django.po"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, (
        "Run `make messages-update` and translate the new entries: " + result.stderr
    )


@pytest.mark.django_db
def test_pages_are_vietnamese_whatever_the_browser_says(client):
    response = client.get(reverse("two_factor:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "vi"
    assert "Đăng nhập" in response.content.decode()


@pytest.mark.django_db
def test_english_on_request(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("two_factor:login"))
    assert response["Content-Language"] == "en"
    assert "Log in" in response.content.decode()
