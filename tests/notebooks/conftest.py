"""The real report, run once at ``tiny`` scale in a database of its own, for the tests to read.

``workbench report`` seeds and changes indexes, so it runs in a scratch database this
session creates with the workbench's marker (``<WORKBENCH_TEST_DB>_nbreport``, or a
per-process name) and drops at the end, with a cache key prefix of its own. Small
settings keep it quick: 2 repeats, a 200-request mixed workload, 100 rows per write-cost
round of the index audit.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
REPEAT = 2
MIXED_REQUESTS = 200


@pytest.fixture(autouse=True)
def _every_test_starts_with_an_empty_cache(fresh_cache):
    yield


def scratch_url() -> str:
    from marketplace.dsn import with_database
    from workbench.env import services

    name = os.environ.get("WORKBENCH_TEST_DB") or f"test_workbench_{os.getpid()}"
    return with_database(services.database_url(), f"{name}_nbreport")


@pytest.fixture(scope="session")
def report_database():
    from workbench.env import ownership

    url = scratch_url()
    ownership.create_database(url)
    yield url
    ownership.drop_database(url)


@pytest.fixture(scope="session")
def tiny_report(report_database, tmp_path_factory):
    """``(completed process, run folder)`` of ``workbench report --scale tiny``."""
    return _tiny_reports(report_database, tmp_path_factory)[0]


@pytest.fixture(scope="session")
def second_report(report_database, tmp_path_factory):
    """``(completed process, run folder)`` of a second report started while the first ran."""
    return _tiny_reports(report_database, tmp_path_factory)[1]


_reports: list = []


def _tiny_reports(report_database, tmp_path_factory):
    """Two reports on one database, the second started once the first holds the database."""
    if _reports:
        return _reports
    first, first_out = _start_report(report_database, tmp_path_factory)
    deadline = time.monotonic() + 120
    while not _run_lock_held(report_database) and time.monotonic() < deadline:
        if first.poll() is not None:
            break
        time.sleep(0.2)
    second, second_out = _start_report(report_database, tmp_path_factory)
    for proc in (second, first):
        proc.stdout_text, proc.stderr_text = proc.communicate(timeout=600)
    _reports.extend(
        [
            (subprocess.CompletedProcess(p.args, p.returncode, p.stdout_text, p.stderr_text), o)
            for p, o in ((first, first_out), (second, second_out))
        ]
    )
    return _reports


def _run_lock_held(url: str) -> bool:
    from workbench.env import runlock

    return runlock.held_by(url) == "report"


def _start_report(report_database, tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    prefix = os.environ.get("WORKBENCH_CACHE_PREFIX", "wb")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "report",
            "--scale",
            "tiny",
            "--repeat",
            str(REPEAT),
            "--out",
            str(out),
            "-p",
            f"mixed_requests={MIXED_REQUESTS}",
            "-p",
            "audit_write_rows=100",
            # a tiny run's short mixed workload may miss the hit-rate criterion: the gate
            # itself is tested in tests/report/test_gate.py
            "--no-gate",
        ],
        cwd=PROJECT_ROOT,
        env={
            **os.environ,
            "DATABASE_URL": report_database,
            "WORKBENCH_CACHE_PREFIX": f"{prefix}-nbreport",
        },
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, out
