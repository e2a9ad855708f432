"""A real OpenID Connect provider for the single sign-on tests (server.mjs, npm oidc-provider).

`make test` installs it with `npm ci`; a bare pytest does the same when node_modules is
missing. Each provider runs as its own Node process with fresh signing keys, its clients and
its accounts (account id → claims); `sign_in_at_provider` walks its log-in page as a browser
would, over HTTP.
"""

from __future__ import annotations

import json
import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "dvc-portal"
CLIENT_SECRET = "local-provider-secret-for-tests"
CALLBACK_PATH = "/tai-khoan/vneid/ket-qua/"

# VNeID-style accounts: the CCCD in so_dinh_danh, as the portal's default settings read it.
ACCOUNTS = {
    "vneid-an": {
        "name": "Trần Thị An",
        "so_dinh_danh": "054195001234",
        "email": "an.tran@example.com",
        "phone_number": "+84905111222",
    },
    "vneid-citizen": {"name": "Nguyễn Văn Công Dân", "so_dinh_danh": "054095000123"},
    "vneid-officer": {"name": "Lê Văn Cán Bộ", "so_dinh_danh": "054090000777"},
    "vneid-no-cccd": {"name": "Phạm Văn Thiếu"},
}


def ensure_installed() -> None:
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=HERE, check=True)


@dataclass
class LocalProvider:
    issuer: str
    process: subprocess.Popen

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_provider(
    directory: Path, *, redirect_uris: list[str], accounts: dict | None = None
) -> LocalProvider:
    ensure_installed()
    config = directory / "oidc-provider.json"
    config.write_text(
        json.dumps(
            {
                "port": 0,
                "clients": [
                    {
                        "client_id": CLIENT_ID,
                        "client_secret": CLIENT_SECRET,
                        "redirect_uris": redirect_uris,
                    }
                ],
                "accounts": ACCOUNTS if accounts is None else accounts,
            }
        )
    )
    log = (directory / "oidc-provider.log").open("w")
    process = subprocess.Popen(
        ["node", str(HERE / "server.mjs"), str(config)],
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    found: list[str] = []

    def read() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith("listening "):
                found.append(line.split()[1])
                return

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=30)
    if not found:
        process.kill()
        raise AssertionError(f"The local OIDC provider did not start: {log.name}")
    return LocalProvider(issuer=found[0], process=process)


def use_provider(settings, provider: LocalProvider) -> None:
    settings.OIDC_ENABLED = True
    settings.OIDC_ISSUER = provider.issuer
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET


@pytest.fixture(scope="session")
def _shared_oidc_provider(tmp_path_factory):
    provider = start_provider(
        tmp_path_factory.mktemp("oidc"), redirect_uris=["http://testserver" + CALLBACK_PATH]
    )
    yield provider
    provider.stop()


@pytest.fixture
def oidc_provider(settings, _shared_oidc_provider):
    """The provider, its client returning to the Django test client (http://testserver)."""
    use_provider(settings, _shared_oidc_provider)
    return _shared_oidc_provider


@pytest.fixture
def own_oidc_provider(settings, tmp_path):
    """A provider for this test alone (it may stop it)."""
    provider = start_provider(tmp_path, redirect_uris=["http://testserver" + CALLBACK_PATH])
    use_provider(settings, provider)
    yield provider
    provider.stop()


def sign_in_at_provider(authorization_url: str, *, account: str, cancel: bool = False) -> str:
    """Log in on the provider's page as `account` (or cancel there); the URL it sends back to."""
    browser = requests.Session()
    response = browser.get(authorization_url, allow_redirects=True, timeout=10)
    response.raise_for_status()
    if cancel:
        uid = re.search(r"/interaction/([^/\"]+)", response.url).group(1)
        response = browser.get(
            urljoin(response.url, f"/interaction/{uid}/abort"), allow_redirects=False, timeout=10
        )
    else:
        action = re.search(r'<form[^>]*action="([^"]+)"', response.text).group(1)
        response = browser.post(
            urljoin(response.url, action),
            data={"prompt": "login", "login": account, "password": "any"},
            allow_redirects=False,
            timeout=10,
        )
    # Through the provider's own redirects until it sends the browser back to the portal.
    while response.is_redirect:
        location = urljoin(response.url, response.headers["Location"])
        if CALLBACK_PATH in location:
            return location
        response = browser.get(location, allow_redirects=False, timeout=10)
    raise AssertionError(f"The provider did not send the browser back: {response.status_code}")
