"""Ctrl-C during a report: one line, exit 130, and a partial notebook that says what ran."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
from django.db import connection

from tests.report.conftest import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _slow_notebook(folder):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    params = nbformat.v4.new_code_cell('results_dir: str = ""  # set by the runner')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [
        params,
        nbformat.v4.new_code_cell("print('before')"),
        nbformat.v4.new_code_cell("import time\nprint('waiting', flush=True)\ntime.sleep(120)"),
        nbformat.v4.new_code_cell("print('after')"),
    ]
    folder.mkdir()
    nbformat.write(nb, folder / "01_slow.ipynb")
    return folder


def _test_database_url() -> str:
    cfg = connection.settings_dict
    if cfg["HOST"].startswith("/"):
        return f"postgresql://{cfg['USER']}@/{cfg['NAME']}?host={cfg['HOST']}"
    return f"postgresql://{cfg['USER']}@{cfg['HOST']}:{cfg['PORT'] or 5432}/{cfg['NAME']}"


def test_an_interrupted_report_keeps_what_ran_and_marks_what_did_not(db, tmp_path):
    notebooks = _slow_notebook(tmp_path / "nbs")
    out = tmp_path / "run"
    env = {**os.environ, "DATABASE_URL": _test_database_url()}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    argv = [sys.executable, "-m", "workbench", "report", "--notebooks-dir", str(notebooks)]
    proc = subprocess.Popen(
        [*argv, "--out", str(out), "--allow-external"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's foreground job
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        seen = ""
        deadline = time.monotonic() + 120
        while "cell 2/4 done" not in seen and time.monotonic() < deadline:
            line = proc.stderr.readline()  # the progress lines
            if not line:
                break
            seen += line
        assert "cell 2/4 done" in seen, seen
        time.sleep(2)  # inside the sleeping cell
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C sends
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130
    assert err.strip().splitlines()[-1] == "workbench: interrupted", err  # after the progress
    assert "Traceback" not in seen + rest + err
    nb = nbformat.read(out / "01_slow.ipynb", as_version=4)
    assert "interrupted" in nb.cells[0].source
    code = [c for c in nb.cells if c.cell_type == "code"]
    status = [c.metadata["papermill"]["status"] for c in code]
    texts = ["".join(o.get("text", "") for o in c.outputs) for c in code]
    assert status[-3:] == ["completed", "failed", "not run"]
    assert texts[-3:] == ["before\n", "waiting\n", ""]
    assert (out / "kernel.log").exists()  # the kernel's own log, not the terminal
