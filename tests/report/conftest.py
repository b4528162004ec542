"""Fixtures for the report pipeline's tests: small notebooks of our own, run for real.

The test notebooks are kept as percent scripts and turned into ``.ipynb`` in a
temporary folder, so nbval (which collects every ``.ipynb`` under the test paths)
never runs the deliberately failing one.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
TEST_NOTEBOOKS = Path(__file__).parent / "notebooks"
SECRET = "s3cr3t-Report-pw"


def materialise(name: str, dest: Path) -> Path:
    """``tests/report/notebooks/<name>/*.py`` as notebooks in ``dest/<name>``."""
    import jupytext
    import nbformat

    out = dest / name
    out.mkdir(parents=True, exist_ok=True)
    for script in sorted((TEST_NOTEBOOKS / name).glob("*.py")):
        nbformat.write(jupytext.read(script), out / f"{script.stem}.ipynb")
    return out


def workbench(*args: str, env: dict | None = None, timeout: float = 300):
    """The real command line, in a subprocess, as a user or cron would run it."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def url_with_password(url: str, password: str) -> str:
    """The same server and database, with a password the (trusting) server ignores."""
    parts = urlsplit(url)
    user = parts.username or "postgres"
    host = parts.netloc.rsplit("@", 1)[-1]
    return parts._replace(netloc=f"{user}:{password}@{host}").geturl()


@pytest.fixture(scope="session")
def notebooks(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("notebooks")
    for name in ("ok", "failing"):
        materialise(name, root)
    return root


@pytest.fixture(scope="session")
def decoy_kernels(tmp_path_factory) -> Path:
    """A ``python3`` kernelspec pointing at another interpreter, found first by Jupyter."""
    import json

    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / "python3"
    spec.mkdir(parents=True)
    argv = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": "decoy", "language": "python"})
    )
    return root


@pytest.fixture(scope="session")
def ok_run(notebooks, decoy_kernels, tmp_path_factory):
    """One real run of the two-notebook pipeline; the tests below read what it left."""
    from workbench.env import services

    out = tmp_path_factory.mktemp("run") / "out"
    env = {
        "DATABASE_URL": url_with_password(services.database_url(), SECRET),
        "JUPYTER_PATH": str(decoy_kernels),
    }
    proc = workbench(
        "report",
        "--notebooks-dir",
        str(notebooks / "ok"),
        "--scale",
        "tiny",
        "--repeat",
        "3",
        "--out",
        str(out),
        "-p",
        "label=007",
        "--allow-external",
        env=env,
    )
    return proc, out


@pytest.fixture(scope="session")
def failing_run(notebooks, tmp_path_factory):
    out = tmp_path_factory.mktemp("failing") / "out"
    proc = workbench(
        "report",
        "--notebooks-dir",
        str(notebooks / "failing"),
        "--scale",
        "tiny",
        "--out",
        str(out),
    )
    return proc, out
