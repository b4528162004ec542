"""Fixtures for the monitoring tests: a tiny marketplace committed in a database of their own.

The servers (runserver with the toolbar, gunicorn with silk) and the command line run
in processes of their own, which cannot see the test database's rolled-back
transactions, so the data is committed in a separate database (``createdb``,
``workbench migrate --profile`` for silk's tables, ``seed --scale tiny`` through the
real command line), made once per session and dropped at its end.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from tests.committed import PROJECT_ROOT, tiny_database, workbench  # noqa: F401


@pytest.fixture(scope="session")
def monitored_env():
    """``DATABASE_URL`` of a committed tiny marketplace with silk's tables, for subprocesses."""
    with tiny_database("wb_montest", ("migrate", "--profile")) as env:
        yield env


def get(url: str, headers: dict[str, str] | None = None, timeout: float = 30):
    """``(status, body bytes, headers)`` of a GET; HTTP errors are answers too."""
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            return answer.status, answer.read(), dict(answer.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(), dict(exc.headers)


@contextlib.contextmanager
def serving_all(*servers: tuple[dict[str, str], tuple[str, ...]], timeout: float = 90):
    """``workbench serve ARGS`` for each ``(env, args)``, started together, until the block
    ends; yields their base URLs. Each must stop cleanly (exit 0) on SIGTERM."""
    from workbench.load import server

    started = []
    for env, args in servers:
        port = server.free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "workbench", "serve", "--port", str(port), *args],
            cwd=PROJECT_ROOT,
            env={**os.environ, **env},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append((process, f"http://127.0.0.1:{port}", args))
    errors = {}
    try:
        deadline = time.monotonic() + timeout
        for process, base, args in started:
            while process.poll() is None and time.monotonic() < deadline:
                with contextlib.suppress(OSError):
                    if get(f"{base}/api/jobs/?page_size=1", timeout=5)[0] == 200:
                        break
                time.sleep(0.2)
            else:
                pytest.fail(f"workbench serve {' '.join(args)} did not answer")
        yield [base for _, base, _ in started]
    finally:
        for process, _, _ in started:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, _, args in started:
            try:
                _, err = process.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                _, err = process.communicate()
            if process.returncode != 0:
                errors[" ".join(args)] = err[-2000:]
    assert errors == {}


@contextlib.contextmanager
def serving(env: dict[str, str], *args: str, timeout: float = 90) -> Iterator[str]:
    """``workbench serve ARGS`` on a free port until the block ends; yields its base URL."""
    with serving_all((env, args), timeout=timeout) as (base,):
        yield base


@pytest.fixture
def recorder():
    """A local HTTP endpoint recording what it receives (``tests.monitoring.recorder``)."""
    from tests.monitoring.recorder import start

    found = start()
    yield found
    found.server.shutdown()
    found.server.server_close()
