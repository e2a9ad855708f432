#!/usr/bin/env python
"""HTTP benchmark of portal pages against a bare Django view, on the same machine.

    .venv/bin/python bench/run.py [--duration 10] [--connections 8] [--pages home,...]

Steps: make sure the PostgreSQL database exists (created if missing), `migrate`,
`compilemessages`, the setup commands of bench/pages.py; start gunicorn on loopback with the
production gunicorn settings (docker/gunicorn.conf.py) but DEBUG=False and no SSL redirect;
wait for /api/health/; then for each page a warm-up and a fixed-duration measurement at fixed
concurrency with `wrk` (or a Python keep-alive client when wrk is not installed). Prints a
table (req/s, p50, p95, ratio to the bare view) and writes bench/results/latest.json.
Then (unless --no-observed) gunicorn is started again as production logs and is watched: JSON
log lines (LOG_FORMAT=json, LOG_LEVEL=INFO), gunicorn's access log on, the request id on every
record, and Prometheus scraping /api/metrics/ every second; the bare view and the lookup are
measured again and printed in a second table beside the first.
gunicorn is always stopped at the end, also on Ctrl-C or an error.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import importlib.metadata
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.pages import BASELINE, JOBS, PAGES, SETUP_COMMANDS, Job, Page  # noqa: E402

RESULTS_DIR = ROOT / "bench" / "results"
GUNICORN_CONFIG = ROOT / "docker" / "gunicorn.conf.py"
WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/dvc_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/1"
HEALTH_PATH = "/api/health/"


@dataclass
class Result:
    name: str
    path: str
    requests: int = 0
    duration_s: float = 0.0
    rps: float = 0.0
    p50_ms: float | None = None
    p90_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    max_ms: float | None = None
    errors: int = 0
    ratio: float | None = None
    rate: float | None = None
    p95_at_rate_ms: float | None = None
    targets: dict[str, bool] = field(default_factory=dict)
    error: str = ""


# --- Setup -------------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


def ensure_database(url: str) -> str | None:
    """Create the PostgreSQL database named in `url` if it does not exist; the server version."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme.startswith("postgres"):
        log(f"not PostgreSQL ({parts.scheme}); nothing to create")
        return None
    import psycopg
    from psycopg import sql

    name = urllib.parse.unquote(parts.path.lstrip("/"))
    if not name:
        raise SystemExit(f"DATABASE_URL has no database name: {url}")
    admin_url = urllib.parse.urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as conn:
        version = conn.execute("SHOW server_version").fetchone()[0]
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            log(f"creating database {name}")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return version


def manage(env: dict[str, str], *args: str) -> None:
    log("manage.py " + " ".join(args))
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True)


def manage_output(env: dict[str, str], *args: str) -> str:
    """The last line a manage.py command prints (e.g. a Cookie header value)."""
    log("manage.py " + " ".join(args))
    completed = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    )  # fmt: skip
    lines = [line.strip() for line in completed.stdout.splitlines() if line.strip()]
    if not lines:
        raise SystemExit(f"manage.py {' '.join(args)} printed nothing")
    return lines[-1]


def has_po_files() -> bool:
    candidates = [ROOT / "locale", *ROOT.glob("*/locale")]
    return any(any(path.rglob("*.po")) for path in candidates if path.is_dir())


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As gunicorn does: connections of a previous run in TIME_WAIT do not make it busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


# --- The server --------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict[str, str], port: int, log_path: Path) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.process: subprocess.Popen[bytes] | None = None
        self.log_file: BinaryIO | None = None

    def start(self) -> None:
        command = [
            sys.executable, "-m", "gunicorn",
            "--config", str(GUNICORN_CONFIG),
            "--bind", f"127.0.0.1:{self.port}",
            "portal.wsgi:application",
        ]  # fmt: skip
        self.log_file = self.log_path.open("wb")
        # Own session: Ctrl-C reaches only this script, which then stops gunicorn in order.
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=self.env, stdout=self.log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        log(f"gunicorn pid {self.process.pid} on 127.0.0.1:{self.port}, log {self.log_path}")

    def wait_healthy(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited early:\n{self.log_tail()}")
            status, body = get(self.port, HEALTH_PATH)
            if status == 200:
                log(f"healthy: {body.strip()}")
                return
            last = f"HTTP {status}: {body[:200]}" if status else body
            time.sleep(0.3)
        raise RuntimeError(f"no healthy answer from {HEALTH_PATH} ({last})\n{self.log_tail()}")

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            log(f"stopping gunicorn pid {self.process.pid}")
            self.process.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                # The process group was created for this gunicorn only (start_new_session).
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=5)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None


def get(
    port: int, path: str, timeout: float = 5.0, headers: dict[str, str] | None = None
) -> tuple[int, str]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as resp:
            return resp.status, resp.read().decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode(errors="replace")
    except OSError as error:
        return 0, str(error)


# --- Load generators ---------------------------------------------------------------------


def run_wrk(
    url: str,
    duration: float,
    connections: int,
    threads: int,
    headers: dict[str, str] | None = None,
) -> dict:
    command = [
        "wrk", f"-t{min(threads, connections)}", f"-c{connections}",
        f"-d{max(1, round(duration))}s", "--timeout", "10s", "-s", str(WRK_SCRIPT),
        *[arg for name, value in (headers or {}).items() for arg in ("-H", f"{name}: {value}")],
        url,
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    match = re.search(r"^BENCH_RESULT (\{.*\})$", completed.stdout, re.MULTILINE)
    if completed.returncode != 0 or not match:
        raise RuntimeError(f"wrk failed ({completed.returncode}): {completed.stderr.strip()}")
    data = json.loads(match.group(1))
    data["errors"] = sum(value for key, value in data.items() if key.startswith("errors_"))
    return data


def percentile(sorted_values: list[float], fraction: float) -> float | None:
    if not sorted_values:
        return None
    index = min(len(sorted_values) - 1, max(0, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def run_python(
    port: int,
    path: str,
    duration: float,
    connections: int,
    headers: dict[str, str] | None = None,
) -> dict:
    """Fallback: `connections` threads, each one keep-alive connection, for `duration` s."""
    latencies: list[list[float]] = [[] for _ in range(connections)]
    errors = [0] * connections
    start_barrier = threading.Barrier(connections + 1)
    stop_at = [0.0]

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        mine, clock = latencies[index], time.perf_counter
        start_barrier.wait()
        while True:
            began = clock()
            if began >= stop_at[0]:
                break
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                if response.status >= 400:
                    errors[index] += 1
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors[index] += 1
                conn.close()
                continue
            mine.append(clock() - began)
        conn.close()

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(connections)]
    for worker in workers:
        worker.start()
    began = time.perf_counter()
    stop_at[0] = began + duration
    start_barrier.wait()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    values = sorted(value * 1000 for per_thread in latencies for value in per_thread)
    return {
        "requests": len(values),
        "duration_s": elapsed,
        "errors": sum(errors),
        "p50_ms": percentile(values, 0.50),
        "p90_ms": percentile(values, 0.90),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "max_ms": values[-1] if values else None,
    }


def run_fixed_rate(
    port: int, path: str, rate: float, duration: float, headers: dict[str, str] | None = None
) -> dict:
    """Open-loop load: request i is due at start + i/rate, whatever the server's speed.

    Latency counts from the moment a request was due, so a slow server cannot hide its
    queueing (no coordinated omission). Enough client threads keep the schedule.
    """
    total = max(1, round(rate * duration))
    threads = min(64, max(4, round(rate / 10)))
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    next_index = [0]
    start = time.perf_counter() + 0.2

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        while True:
            with lock:
                index = next_index[0]
                next_index[0] += 1
            if index >= total:
                break
            due = start + index / rate
            delay = due - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            try:
                conn.request("GET", path, headers=headers or {})
                response = conn.getresponse()
                response.read()
                failed = response.status >= 400
                if response.will_close:
                    conn.close()
            except (OSError, http.client.HTTPException):
                failed = True
                conn.close()
            elapsed = time.perf_counter() - due
            with lock:
                latencies.append(elapsed * 1000)
                errors[0] += failed
        conn.close()

    workers = [threading.Thread(target=client, daemon=True) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    values = sorted(latencies)
    return {"requests": len(values), "errors": errors[0], "p95_ms": percentile(values, 0.95)}


def measure(
    tool: str,
    port: int,
    page: Page,
    args: argparse.Namespace,
    headers: dict[str, str] | None = None,
) -> Result:
    url = f"http://127.0.0.1:{port}{page.path}"

    def once(duration: float) -> dict:
        if tool == "wrk":
            return run_wrk(url, duration, args.connections, args.wrk_threads, headers)
        return run_python(port, page.path, duration, args.connections, headers)

    if args.warmup > 0:
        once(args.warmup)
    data = once(args.duration)
    result = Result(name=page.name, path=page.path)
    for key in ("requests", "duration_s", "errors", "p50_ms", "p90_ms", "p95_ms", "p99_ms",
                "max_ms"):  # fmt: skip
        setattr(result, key, data.get(key))
    result.rps = result.requests / result.duration_s if result.duration_s else 0.0
    if page.rate:
        steady = run_fixed_rate(port, page.path, page.rate, args.duration, headers)
        result.rate, result.p95_at_rate_ms = page.rate, steady["p95_ms"]
        result.errors += steady["errors"]
    if result.errors:
        result.error = f"{result.errors} failed requests"
    return result


# --- Report ------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def print_table(results: list[Result]) -> None:
    headers = ["page", "path", "req/s", "p50 ms", "p95 ms", "p99 ms", "x bare", "p95@rate",
               "errors", "targets"]  # fmt: skip
    rows = []
    for r in results:
        targets = ", ".join(f"{k} {'ok' if ok else 'MISSED'}" for k, ok in r.targets.items())
        rows.append([
            r.name, r.path, fmt(r.rps, 0), fmt(r.p50_ms), fmt(r.p95_ms), fmt(r.p99_ms),
            fmt(r.ratio, 2),
            f"{fmt(r.p95_at_rate_ms)} ms @{r.rate:g}/s" if r.rate else "-",
            str(r.errors), r.error or targets or "-",
        ])  # fmt: skip
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    right = {2, 3, 4, 5, 6, 7, 8}

    def line(cells: list[str]) -> str:
        return "  ".join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    print(line(headers))
    print(line(["-" * w for w in widths]))
    for row in rows:
        print(line(row))


def git_commit() -> str:
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
            check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT,
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return commit + ("-dirty" if dirty else "")


def wrk_version() -> str:
    completed = subprocess.run(["wrk", "-v"], capture_output=True, text=True, check=False)
    lines = (completed.stdout or completed.stderr).splitlines()
    return lines[0].strip() if lines else "wrk"


def package_version(name: str) -> str:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


# --- Observed pass ---------------------------------------------------------------------

# Measured again with production's logging and a Prometheus scraper (the lookup's target holds
# there too: DESIGN.md §9, issue 16).
OBSERVED_PAGES = (BASELINE, "lookup")


def observed_env(env: dict[str, str]) -> dict[str, str]:
    return env | {
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "INFO",
        "GUNICORN_ACCESS_LOG": "-",  # production's default: one line per request
    }


class Scraper:
    """Prometheus, every `interval` seconds: GET /api/metrics/ from loopback (an allowed
    network), in a thread beside the load."""

    def __init__(self, port: int, interval: float) -> None:
        self.port, self.interval = port, interval
        self.stopped = threading.Event()
        self.scrapes = 0
        self.failures = 0
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stopped.wait(self.interval):
            status, _body = get(self.port, "/api/metrics/")
            self.scrapes += 1
            self.failures += status != 200

    def __enter__(self) -> Scraper:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopped.set()
        self.thread.join(timeout=10)


def apply_targets(results: list[Result], pages: list[Page]) -> None:
    baseline = next((r for r in results if r.name == BASELINE and r.rps), None)
    by_name = {page.name: page for page in pages}
    for result in results:
        if baseline and result.rps:
            result.ratio = result.rps / baseline.rps
        page = by_name[result.name]
        if page.min_ratio is not None and result.ratio is not None:
            result.targets[f"≥{page.min_ratio:g}x bare"] = result.ratio >= page.min_ratio
        p95 = result.p95_at_rate_ms if page.rate else result.p95_ms
        if page.max_p95_ms is not None and p95 is not None:
            where = f"@{page.rate:g}/s" if page.rate else ""
            result.targets[f"p95<{page.max_p95_ms:g}ms{where}"] = p95 < page.max_p95_ms


# --- Main --------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per page")
    parser.add_argument("--warmup", type=float, default=3.0, help="warm-up seconds per page")
    parser.add_argument("--connections", type=int, default=8, help="concurrent connections")
    parser.add_argument("--workers", type=int, default=cores, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument(
        "--max-requests", type=int, default=0, help="gunicorn worker recycling (0 = off)"
    )
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads")
    parser.add_argument("--pages", default="", help="comma-separated page names (default all)")
    parser.add_argument(
        "--jobs", default="", help="comma-separated job names (default all; 'none' for none)"
    )
    parser.add_argument("--tool", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--port", type=int, default=8123, help="0 or busy: pick a free port")
    parser.add_argument(
        "--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_DATABASE_URL)
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("BENCH_REDIS_URL", DEFAULT_REDIS_URL),
        help="cache for the portal; empty string for none",
    )
    parser.add_argument("--skip-setup", action="store_true", help="skip migrate & co")
    parser.add_argument(
        "--no-observed",
        action="store_true",
        help="skip the second pass with JSON logs, access log and metrics scraping",
    )
    parser.add_argument(
        "--scrape-interval", type=float, default=1.0, help="seconds between metrics scrapes"
    )
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "latest.json")
    args = parser.parse_args(argv)
    if args.connections < 1 or args.duration <= 0 or args.workers < 1:
        parser.error("--connections, --duration and --workers must be positive")
    return args


def select_pages(spec: str) -> list[Page]:
    by_name = {page.name: page for page in PAGES}
    if not spec:
        return list(PAGES)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    unknown = [name for name in names if name not in by_name]
    if unknown:
        raise SystemExit(f"unknown pages {unknown}; known: {', '.join(by_name)}")
    if BASELINE not in names:  # every ratio needs the baseline
        names.insert(0, BASELINE)
    return [by_name[name] for name in names]


def select_jobs(spec: str) -> list[Job]:
    if spec == "none":
        return []
    if not spec:
        return list(JOBS)
    names = [name.strip() for name in spec.split(",") if name.strip()]
    known = {job.name: job for job in JOBS}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise SystemExit(f"unknown jobs: {', '.join(unknown)} (known: {', '.join(known)})")
    return [known[name] for name in names]


def _dig(data: dict, dotted: str) -> float | None:
    value: object = data
    for key in dotted.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, int | float) else None


def run_jobs(env: dict[str, str], jobs: list[Job]) -> dict[str, dict]:
    """Run each job's setup and command; print its output and check its targets."""
    results: dict[str, dict] = {}
    for job in jobs:
        log(f"job {job.name}: {job.note}")
        try:
            for command in job.setup:
                manage(env, *command)
            output = manage_output(env, *job.command)
        except (subprocess.CalledProcessError, SystemExit) as error:
            results[job.name] = {"error": str(error), "targets": {}}
            log(f"job {job.name} failed: {error}")
            continue
        data = json.loads(output)
        print(f"  {job.name}: " + json.dumps(data, ensure_ascii=False))
        targets = {}
        for key, limit, label in job.targets:
            value = _dig(data, key)
            targets[label] = value is not None and value < limit
            print(f"  {label}: {fmt(value, 3)} {'ok' if targets[label] else 'MISSED'}")
        results[job.name] = {"result": data, "targets": targets}
    return results


def server_env(args: argparse.Namespace) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    env.update({
        "DJANGO_ENV": "bench",  # not "production": no SSL redirect on plain loopback HTTP
        "DEBUG": "False",
        "ALLOWED_HOSTS": "127.0.0.1",
        "DATABASE_URL": args.database_url,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": "dvc-bench",
        "BENCH_VIEWS_ENABLED": "True",
        "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
        "GUNICORN_ACCESS_LOG": "",  # an access log line per request would be measured too
        # Steady state: worker recycling (max_requests) every few seconds at these rates
        # would dominate the tail latencies.
        "GUNICORN_MAX_REQUESTS": str(args.max_requests),
        "PYTHONUNBUFFERED": "1",
    })  # fmt: skip
    return env


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pages = select_pages(args.pages)
    tool = args.tool
    if tool == "auto":
        tool = "wrk" if shutil.which("wrk") else "python"
    if tool == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk) — or use --tool python")
    env = server_env(args)
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)

    pg_version = ensure_database(args.database_url)
    if not args.skip_setup:
        manage(env, "migrate", "--noinput", "--verbosity", "0")
        if has_po_files():
            manage(env, "compilemessages", "--ignore", ".venv", "--ignore", "var",
                   "--verbosity", "0")  # fmt: skip
        else:
            log("no .po files: compilemessages skipped")
        for command in SETUP_COMMANDS:
            manage(env, *command)

    # Staff pages need a logged-in session: their command prints the cookie to send.
    headers: dict[str, dict[str, str]] = {}
    for page in pages:
        if page.cookie_command:
            headers[page.name] = {"Cookie": manage_output(env, *page.cookie_command)}

    port = args.port if args.port and port_is_free(args.port) else free_port()
    server = Gunicorn(env, port, RESULTS_DIR / "gunicorn.log")

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # Also when started in the background (SIGINT ignored) or stopped by a supervisor.
    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)
    results: list[Result] = []
    observed: list[Result] = []
    scrapes = {"scrapes": 0, "failed": 0}
    try:
        server.start()
        server.wait_healthy()
        for page in pages:
            status, _body = get(port, page.path, headers=headers.get(page.name))
            if status != 200:
                hint = ""
                if page.name == BASELINE and status == 404:
                    hint = " (is the bench URL in portal/urls.py, behind BENCH_VIEWS_ENABLED?)"
                results.append(Result(page.name, page.path, error=f"HTTP {status}{hint}"))
                log(f"{page.name}: HTTP {status}{hint}; skipped")
                continue
            log(f"{page.name}: {args.warmup:g}s warm-up + {args.duration:g}s at "
                f"{args.connections} connections ({tool})")  # fmt: skip
            results.append(measure(tool, port, page, args, headers.get(page.name)))
        observed_pages = [page for page in pages if page.name in OBSERVED_PAGES]
        if not args.no_observed and len(observed_pages) > 1:
            server.stop()
            server = Gunicorn(observed_env(env), port, RESULTS_DIR / "gunicorn-observed.log")
            server.start()
            server.wait_healthy()
            with Scraper(port, args.scrape_interval) as scraper:
                for page in observed_pages:
                    log(f"{page.name} (JSON logs, access log, metrics scraped): "
                        f"{args.warmup:g}s warm-up + {args.duration:g}s")  # fmt: skip
                    observed.append(measure(tool, port, page, args, headers.get(page.name)))
            scrapes = {"scrapes": scraper.scrapes, "failed": scraper.failures}
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        server.stop()

    apply_targets(results, pages)
    print_table(results)
    if observed:
        apply_targets(observed, pages)
        print()
        print(
            "With production's logging and monitoring: LOG_FORMAT=json at INFO, gunicorn access"
            f" log, request ids, /api/metrics/ scraped every {args.scrape_interval:g}s"
            f" ({scrapes['scrapes']} scrapes, {scrapes['failed']} failed)"
        )
        print_table(observed)
        plain = {r.name: r for r in results}
        for result in observed:
            if result.name != BASELINE and result.rps and plain.get(BASELINE):
                print(
                    f"  {result.name}: {result.ratio or 0:.2f}x bare with the same logging,"
                    f" {result.rps / plain[BASELINE].rps:.2f}x the quiet bare view,"
                    f" {result.rps / plain[result.name].rps:.2f}x itself without it"
                )
    job_results = run_jobs(env, select_jobs(args.jobs))
    report = {
        "meta": {
            "timestamp": datetime.now(UTC).isoformat(timespec="seconds"),
            "commit": git_commit(),
            "host": socket.gethostname(),
            "cpu_count": os.cpu_count(),
            "python": sys.version.split()[0],
            "django": package_version("Django"),
            "gunicorn": package_version("gunicorn"),
            "postgresql": pg_version,
            "tool": wrk_version() if tool == "wrk" else "python http.client",
            "workers": args.workers,
            "threads": args.threads,
            "max_requests": args.max_requests,
            "connections": args.connections,
            "duration_s": args.duration,
            "warmup_s": args.warmup,
            "redis": bool(args.redis_url),
        },
        "results": [asdict(result) for result in results],
        "observed": {
            "settings": {
                "LOG_FORMAT": "json",
                "LOG_LEVEL": "INFO",
                "access_log": True,
                "scrape_interval_s": args.scrape_interval,
                **scrapes,
            },
            "results": [asdict(result) for result in observed],
        },
        "jobs": job_results,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    log(f"results written to {args.output}")

    failed = [r.name for r in results if r.error]
    failed += [f"{r.name} (observed)" for r in observed if r.error]
    failed += [name for name, job in job_results.items() if job.get("error")]
    missed = [r.name for r in results if not all(r.targets.values())]
    missed += [f"{r.name} (observed)" for r in observed if not all(r.targets.values())]
    missed += [name for name, job in job_results.items() if not all(job["targets"].values())]
    if failed:
        log(f"errors on: {', '.join(failed)}")
        return 1
    if missed:
        log(f"targets missed on: {', '.join(missed)}")
        return 1 if args.check else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
