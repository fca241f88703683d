"""Worker processes and a Redis server of the tests' own, for the multi-process tests."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import redis

from tests.conftest import Api, unavailable

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, timeout: float = 20, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (OSError, httpx.HTTPError, redis.RedisError):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


class Worker:
    """`uvicorn server:app` in its own process, as an operator would run it."""

    def __init__(self, api: Api, broker: str, channel: str, tmp: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {
            **os.environ,
            "DATABASE_URL": api.settings.database_url,
            "BROADCAST_URL": broker,
            "BROADCAST_CHANNEL": channel,
            "SECRET_KEY": api.settings.secret_key,
            "MEDIA_DIR": str(api.settings.media_dir),
            "DATA_DIR": str(tmp),
            "DEMO_DATA": "0",
            "SWEEP_INTERVAL": "0",
            "LIVE_POLL_SECONDS": "60",
            "REPORTS_PER_HOUR": str(api.settings.reports_per_hour),
        }
        self.log = open(tmp / f"worker-{self.port}.log", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "server:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--ws",
                "websockets-sansio",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        wait_until(
            lambda: httpx.get(self.url + "/readyz").status_code == 200,
            30,
            f"worker on {self.port} to be ready",
        )

    def ready(self) -> dict:
        return httpx.get(self.url + "/readyz").json()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.log.close()


class RedisServer:
    """A redis-server of our own on a free port, so a test may stop and restart it."""

    def __init__(self, tmp: Path) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            unavailable("redis-server", "not installed")
        self.binary, self.tmp, self.port = binary, tmp, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.tmp),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_until(lambda: redis.Redis(port=self.port).ping(), 10, "redis-server to start")

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
