"""`workbench serve`: gunicorn answers the API, and a signal stops it with nothing left behind."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request

import psutil
import pytest

from tests.load.conftest import PROJECT_ROOT
from workbench.load import server


def _plan_indexes(url: str) -> int:
    """How many of the plan's indexes the database has."""
    from marketplace import dsn
    from workbench.study.plan_indexes import NAMES

    conn = dsn.connect(url)
    try:
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM pg_indexes WHERE indexname = ANY(%s)", [list(NAMES)])
            return cur.fetchone()[0]
    finally:
        conn.close()


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as answer:
        return answer.status


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_serve_answers_and_stops_cleanly(load_env, signum):
    port = server.free_port()
    # The precondition made explicit: the plan's indexes applied (the session's database
    # was once found without them here in a full run, cause not found; see the closing
    # note of issue 14), so "baseline reverts them while serving" can be observed.
    applied = subprocess.run(
        [sys.executable, "-m", "workbench", "indexes", "apply"],
        cwd=PROJECT_ROOT,
        env={**os.environ, **load_env},
        capture_output=True,
        text=True,
    )
    assert applied.returncode == 0, applied.stderr
    indexes_before = _plan_indexes(load_env["DATABASE_URL"])
    assert indexes_before == 24
    command = [sys.executable, "-m", "workbench", "serve", "--port", str(port)]
    command += ["--workers", "1", "--threads", "2", "--variant", "baseline"]
    process = subprocess.Popen(
        command,
        cwd=PROJECT_ROOT,
        env={**os.environ, **load_env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # Started as a shell script's background job is: SIGINT ignored, which the child
        # inherits (the suite run by `make test &` found it so); the CLI handles it anyway.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),
    )
    try:
        deadline = time.monotonic() + 90
        status = None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                status = _get(f"http://127.0.0.1:{port}/api/jobs/?page_size=2")
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200, process.stderr.read() if process.poll() is not None else "no answer"
        # baseline: the plan's indexes are reverted while it serves
        assert _plan_indexes(load_env["DATABASE_URL"]) < indexes_before
        family = psutil.Process(process.pid).children(recursive=True)
        assert family, "gunicorn should run as a child"
        process.send_signal(signum)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "server stopped" in err and "Traceback" not in err
    gone, alive = psutil.wait_procs(family, timeout=10)
    assert alive == []
    assert _plan_indexes(load_env["DATABASE_URL"]) == indexes_before  # put back
    with pytest.raises(OSError):
        _get(f"http://127.0.0.1:{port}/api/jobs/")
