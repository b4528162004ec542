"""The marketplace behind a real server: gunicorn (or Django's runserver) as a child process.

gunicorn runs ``workbench.load.wsgi:application`` with the ``gthread`` worker (a pool of
threads per process, keep-alive) bound to 127.0.0.1 only, access log off, heartbeat files
in ``/dev/shm`` and no request recycling, so a measurement sees the application, not the
server's housekeeping. Defaults for the machine: gunicorn's own recommendation, 2 x cores
+ 1 workers, one thread each. Threads of one process share the GIL: a request making many
short database and Redis round trips waits for it after each one while its neighbours
render JSON, so processes serve the cached variant better (on this 2-core machine, 8
users at ``small``: ``all`` 247-253 requests/s, p95 72-83 ms with 5 x 1, against 194-221
requests/s, p95 96-108 ms with 2 x 4; docs/load.md has the runs). PostgreSQL, Redis and
the load generator share those cores.

The child runs in a session of its own, so a Ctrl-C in the terminal reaches the workbench
only, which then stops the server: SIGTERM (gunicorn finishes the requests in flight and
stops its workers), then SIGKILL to the child's process group if it is still there after
``timeout`` seconds. On Linux the child also gets SIGTERM if the workbench dies first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import WorkbenchError

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_THREADS = 1
READY_PATH = "/api/jobs/?page_size=1"
APPLICATION = "workbench.load.wsgi:application"
PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent


def default_workers() -> int:
    """gunicorn's recommended 2 x cores + 1 worker processes (5 on this 2-core machine)."""
    return 2 * (os.cpu_count() or 1) + 1


def port_problem(port: int, host: str = HOST) -> str | None:
    """Why the server could not listen on ``host:port`` (one line), or None when it can."""
    if not 0 < port < 65536:
        return f"--port must be from 1 to 65535, got {port}"
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # As gunicorn does: a socket left in TIME_WAIT is no obstacle, a listener is.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            return f"port {port} on {host} is not free ({exc.strerror or exc}): pick another --port"
    return None


def free_port(host: str = HOST) -> int:
    """A port nobody listens on now (for tests and load runs that pick their own)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def gunicorn_command(port: int, workers: int, threads: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "gunicorn",
        APPLICATION,
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        f"--threads={threads}",
        "--worker-class=gthread",
        "--worker-tmp-dir=/dev/shm" if os.path.isdir("/dev/shm") else "--worker-tmp-dir=/tmp",
        "--timeout=120",
        "--graceful-timeout=10",
        "--keep-alive=5",
        "--max-requests=0",
        f"--chdir={PROJECT_ROOT}",
    ]


def runserver_command(port: int) -> list[str]:
    """Django's development server with its autoreloader (``--dev``)."""
    return [sys.executable, str(PROJECT_ROOT / "manage.py"), "runserver", f"{HOST}:{port}"]


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


@dataclass
class Server:
    """A running server process (the head of its own process group)."""

    process: subprocess.Popen
    port: int
    kind: str
    log: Path | None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def alive(self) -> bool:
        return self.process.poll() is None

    def log_tail(self, lines: int = 5) -> str:
        if self.log is None:
            return ""
        try:
            text = self.log.read_text(errors="replace").strip().splitlines()
        except OSError:
            return ""
        return " | ".join(text[-lines:])


def start(
    command: Sequence[str],
    port: int,
    env: Mapping[str, str],
    log: Path | None,
    *,
    kind: str = "gunicorn",
    timeout: float = 60.0,
) -> Server:
    """Start ``command`` and wait until it answers ``READY_PATH``; raise if it never does.

    Its output goes to ``log`` (appended), or to this process's terminal when None.
    """
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "ab") if log is not None else contextlib.nullcontext(None) as out:
        process = subprocess.Popen(
            list(command),
            cwd=PROJECT_ROOT,
            env=dict(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT if out is not None else None,
            start_new_session=True,
            preexec_fn=_die_with_parent if sys.platform == "linux" else None,
        )
    server = Server(process, port, kind, log)
    try:
        wait_ready(server, timeout)
    except BaseException:
        stop(server)
        raise
    return server


def wait_ready(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if not server.alive():
            raise WorkbenchError(
                f"the {server.kind} server exited with code {server.process.returncode} "
                f"before answering: {server.log_tail() or 'see its output above'}"
            )
        try:
            with urllib.request.urlopen(server.url + READY_PATH, timeout=10) as answer:
                if answer.status == 200:
                    return
                last = f"HTTP {answer.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (OSError, urllib.error.URLError) as exc:
            last = str(getattr(exc, "reason", exc))
        time.sleep(0.2)
    raise WorkbenchError(
        f"the {server.kind} server did not answer {READY_PATH} within {timeout:.0f} s "
        f"({last})" + (f"; log: {server.log}" if server.log else "")
    )


def stop(server: Server, timeout: float = 15.0) -> int | None:
    """SIGTERM, wait up to ``timeout`` s, then SIGKILL whatever is left of its group."""
    process = server.process
    group = process.pid  # start_new_session: the child leads a group of its own
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(group, signal.SIGKILL)
            process.wait(5)
    # Workers or runserver's reloaded child outliving their parent: end them too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(group, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            os.killpg(group, 0)  # raises ProcessLookupError once the group is gone
            time.sleep(0.05)
        os.killpg(group, signal.SIGKILL)
    return process.returncode
