"""A tiny marketplace committed in a database of its own, for tests whose servers and
commands run in other processes (they cannot see the test database's rolled-back
transactions): made through the real command line, dropped at the end."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from marketplace.dsn import with_database

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def workbench(*args: str, env: dict[str, str], timeout: float = 300):
    """The real ``workbench`` command in a subprocess, with ``env`` over this process's."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


@contextmanager
def tiny_database(prefix: str, migrate: Sequence[str] = ("migrate",)) -> Iterator[dict[str, str]]:
    """``{"DATABASE_URL": ...}`` of ``<prefix>_<pid>``: created, migrated, seeded tiny."""
    from workbench.env import ownership, services

    url = with_database(services.database_url(), f"{prefix}_{os.getpid()}")
    env = {"DATABASE_URL": url}
    ownership.create_database(url)
    try:
        for step in (list(migrate), ["seed", "--scale", "tiny"]):
            done = workbench(*step, env=env)
            assert done.returncode == 0, done.stderr
        yield env
    finally:
        ownership.drop_database(url)
