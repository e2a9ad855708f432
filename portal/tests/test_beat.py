"""Exactly one beat sends the periodic tasks: real `celery beat` processes sharing one Redis.

The deadline scan is scheduled every second here, so a beat that sends says so in its log at
once; the broker is kombu's filesystem transport in a temporary folder (no worker needed).
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
SENDING = "Sending due task deadline-scan"
HOLDING = "Beat lock: held by this beat"
STANDING_BY = "Beat lock: another beat holds it; standing by."


class Beat:
    def __init__(self, folder: Path, name: str, prefix: str):
        self.log_path = folder / f"{name}.log"
        env = {
            **os.environ,
            "REDIS_URL": settings.REDIS_URL,
            "CACHE_KEY_PREFIX": prefix,
            "CELERY_BROKER_URL": "filesystem://",
            "CELERY_FILESYSTEM_FOLDER": str(folder / "celery"),
            "BEAT_LOCK_TTL_SECONDS": "3",
            "DEADLINE_SCAN_INTERVAL_SECONDS": "1",
        }
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "portal",
                "beat",
                "--loglevel=INFO",
                f"--schedule={folder / name}-schedule",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log_path.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text()

    def wait_for(self, text: str, *, after: int = 0, timeout: float = 60) -> int:
        """Wait until `text` appears in the log past offset `after`; returns its offset."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.log().find(text, after)
            if found >= 0:
                return found
            assert self.process.poll() is None, self.log()[-3000:]
            time.sleep(0.2)
        raise AssertionError(f"{text!r} not in the log:\n{self.log()[-3000:]}")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        self.process.wait(timeout=30)


@pytest.fixture
def beats(tmp_path):
    for sub in ("queue", "control"):
        (tmp_path / "celery" / sub).mkdir(parents=True)
    prefix = f"beat-test-{uuid.uuid4().hex[:8]}"
    started: list[Beat] = []

    def start(name: str) -> Beat:
        beat = Beat(tmp_path, name, prefix)
        started.append(beat)
        return beat

    yield start
    for beat in started:
        beat.stop(signal.SIGKILL)


def test_a_second_beat_stands_by_and_takes_over_when_the_first_stops(beats):
    first = beats("first")
    first.wait_for(HOLDING)
    first.wait_for(SENDING)

    second = beats("second")
    second.wait_for(STANDING_BY)
    time.sleep(3)  # three scans are due meanwhile: only the first beat sends them
    assert SENDING not in second.log()
    sent_before = first.log().count(SENDING)
    assert sent_before >= 3

    first.stop(signal.SIGTERM)  # a clean stop releases the lock at once
    assert "Beat lock: released." in first.log()
    second.wait_for(HOLDING, timeout=10)
    second.wait_for(SENDING, timeout=10)


def test_a_beat_that_dies_is_replaced_once_its_lock_expires(beats):
    first = beats("first")
    first.wait_for(SENDING)
    second = beats("second")
    second.wait_for(STANDING_BY)

    first.stop(signal.SIGKILL)  # no chance to release: the lock expires after 3 s
    died = time.monotonic()
    second.wait_for(HOLDING, timeout=15)
    assert time.monotonic() - died < 10
    second.wait_for(SENDING, timeout=10)
