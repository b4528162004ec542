"""Running Locust headless as child processes, alone or as a master with local workers.

One run is ``locust -f workbench/load/locustfile.py --headless -u N -r N -t Ss`` against
a host, with the plan and a samples folder in its environment. With ``workers=W`` it is a
master (``--master --expect-workers W``, bound to 127.0.0.1 on a free port) and W local
``--worker`` processes. What comes back (:class:`LocustRun`): every request each process
made (its raw samples file), and Locust's own totals for the run (its ``--json-file``: on a master, what
the workers reported to it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.load import server

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PLAN_ENV = "WORKBENCH_LOAD_PLAN"
SAMPLES_ENV = "WORKBENCH_LOAD_SAMPLES"


@dataclass
class LocustRun:
    """What one Locust run did: per process samples and the totals Locust printed."""

    users: int
    seconds: float
    workers: int
    samples: list[list] = field(default_factory=list, repr=False)
    per_process: list[dict[str, Any]] = field(default_factory=list)
    locust_totals: dict[str, Any] = field(default_factory=dict)
    folder: Path | None = None


def _locust(*args: str) -> list[str]:
    return [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]


def read_stats(prefix: Path) -> dict[str, Any]:
    """Locust's own totals from ``<prefix>.json`` (``--json-file``, written as it exits).

    On a master they are what its workers reported. The percentiles come from Locust's
    merged histogram (exact below 100 ms, 10 ms buckets to 1 s, 100 ms buckets above).
    """
    path = Path(f"{prefix}.json")
    if not path.exists():
        return {}
    entries = json.loads(path.read_text())
    histogram: dict[int, int] = {}
    for entry in entries:
        for bucket, count in entry.get("response_times", {}).items():
            histogram[int(float(bucket))] = histogram.get(int(float(bucket)), 0) + count
    total = sum(histogram.values())

    def bucketed(q: float) -> float | None:
        if not total:
            return None
        seen, rank = 0, q * total
        for bucket in sorted(histogram):
            seen += histogram[bucket]
            if seen >= rank:
                return float(bucket)
        return float(max(histogram))

    return {
        "requests": sum(e["num_requests"] for e in entries),
        "failures": sum(e["num_failures"] for e in entries),
        "by_name": {e["name"]: e["num_requests"] for e in entries},
        "p50_ms": bucketed(0.50),
        "p95_ms": bucketed(0.95),
        "p99_ms": bucketed(0.99),
    }


def read_samples(folder: Path) -> tuple[list[list], list[dict[str, Any]]]:
    samples: list[list] = []
    per_process = []
    for path in sorted(folder.glob("samples-*.json")):
        data = json.loads(path.read_text())
        rows = data["samples"]
        per_process.append(
            {
                "role": data["role"],
                "pid": data["pid"],
                "requests": len(rows),
                "failures": sum(1 for r in rows if r[4] is not None),
            }
        )
        samples.extend(rows)
    return samples, per_process


def _stop(process: subprocess.Popen, timeout: float) -> None:
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        process.wait(5)


def run(
    host: str,
    users: int,
    seconds: float,
    plan_path: Path,
    folder: Path,
    *,
    workers: int = 0,
    expect_workers: int | None = None,
    bind_host: str = "127.0.0.1",
    master_port: int | None = None,
    env: Mapping[str, str] | None = None,
) -> LocustRun:
    """Locust at ``users`` for ``seconds`` against ``host``.

    ``workers`` > 0 (or ``expect_workers``): a master with that many local worker
    processes, waiting for ``expect_workers`` in all (others connect from other machines
    to ``bind_host:master_port``) before it starts.
    """
    expected = max(workers, expect_workers or 0)
    folder.mkdir(parents=True, exist_ok=True)
    samples_dir = folder / "samples"
    samples_dir.mkdir(exist_ok=True)
    for old in samples_dir.glob("samples-*.json"):
        old.unlink()
    base_env = {
        **(env or os.environ),
        PLAN_ENV: str(plan_path),
        SAMPLES_ENV: str(samples_dir),
        "PYTHONUNBUFFERED": "1",
    }
    common = ["--headless", "--only-summary", "--loglevel=WARNING", "--exit-code-on-error=0"]
    timing = [f"--users={users}", f"--spawn-rate={users}", f"--run-time={seconds:g}s"]
    prefix = folder / "locust"
    head = _locust(*common, *timing, f"--host={host}", f"--json-file={prefix}", "--stop-timeout=0")
    log = open(folder / "locust.log", "ab")  # noqa: SIM115 - closed below
    children: list[subprocess.Popen] = []
    try:
        if expected:
            port = master_port or server.free_port()
            head += [
                "--master",
                f"--expect-workers={expected}",
                "--expect-workers-max-wait=120",
                f"--master-bind-host={bind_host}",
                f"--master-bind-port={port}",
            ]
        children.append(subprocess.Popen(head, env=base_env, stdout=log, stderr=subprocess.STDOUT))
        for _ in range(workers):
            worker = _locust(
                "--worker", "--loglevel=WARNING", "--master-host=127.0.0.1", f"--master-port={port}"
            )
            children.append(
                subprocess.Popen(worker, env=base_env, stdout=log, stderr=subprocess.STDOUT)
            )
        limit = seconds + (210 if expected else 90)
        started = time.monotonic()
        try:
            code = children[0].wait(limit)
        except subprocess.TimeoutExpired:
            raise WorkbenchError(f"Locust did not finish within {limit:.0f} s") from None
        for child in children[1:]:
            try:
                child.wait(30)
            except subprocess.TimeoutExpired:
                _stop(child, 5)
        if code != 0:
            tail = (folder / "locust.log").read_text(errors="replace").strip().splitlines()[-3:]
            raise WorkbenchError(f"Locust exited with code {code}: {' | '.join(tail)}")
        elapsed = time.monotonic() - started
    finally:
        for child in children:
            _stop(child, 10)
        log.close()
    samples, per_process = read_samples(samples_dir)
    return LocustRun(
        users=users,
        seconds=min(seconds, elapsed),
        workers=expected,
        samples=samples,
        per_process=per_process,
        locust_totals=read_stats(prefix),
        folder=folder,
    )
