"""Container health check for the web service: GET /api/health/live/ must answer 200.

Run inside the container (the slim image has no curl):
    python docker/healthcheck.py [URL]

The request carries a Host header taken from ALLOWED_HOSTS (so Django does not answer 400)
and X-Forwarded-Proto: https (so the production SSL redirect does not apply, even though the
health URL is exempt from it as well).
"""

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/api/health/live/"


def host_header(allowed_hosts: str) -> str | None:
    """The first usable host name from an ALLOWED_HOSTS value ("a.vn,.b.vn,*")."""
    for entry in allowed_hosts.split(","):
        host = entry.strip().lstrip(".")
        if host and host != "*":
            return host
    return None


def check(url: str, timeout: float = 5.0) -> int:
    headers = {"X-Forwarded-Proto": "https", "User-Agent": "docker-healthcheck"}
    host = host_header(os.environ.get("ALLOWED_HOSTS", ""))
    if host:
        headers["Host"] = host
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - fixed local URL
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1
    if status != 200:
        print(f"unhealthy: HTTP {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(check(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_URL))
