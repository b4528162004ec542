"""The command's help in the order of a session, and JupyterLab as `workbench lab` opens it."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.report.conftest import PROJECT_ROOT, workbench
from workbench.cli import build_parser


def test_the_help_lists_commands_in_the_order_of_a_session():
    proc = workbench("--help")
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert "`" not in text  # plain text, no reStructuredText
    session = text[text.index("A session, in order:") : text.index("Servers and databases:")]
    # A command's line starts two spaces in; a description wrapped on a narrow terminal
    # (COLUMNS) continues further in.
    names = [line.split()[0] for line in session.splitlines()[1:] if re.match(r"  \S", line)]
    order = ["up", "seed", "measure", "report", "compare", "advise", "lab", "down"]
    assert names == [n for n in order if n in build_parser().commands]


def test_every_command_has_a_description_in_plain_text():
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(getattr(a, "choices", None), dict))
    for name, sub in action.choices.items():
        assert sub.description, name
        assert "`" not in sub.format_help(), name
        assert parser.commands[name], name


def test_compare_help_says_what_counts_as_a_regression():
    proc = workbench("compare", "--help")
    text = " ".join(proc.stdout.split())
    assert "A regression is: a query count or N+1 count that went up" in text
    assert "by at least 50% and 1 ms" in text and "passed in A and fails in B" in text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_lab_lists_the_notebooks_without_their_paired_scripts_and_opens_explore():
    from workbench.commands.services import lab_argv

    jupyter = Path(sys.executable).parent / "jupyter"
    port, token = _free_port(), "wb-test-token"
    argv = lab_argv(jupyter, ["--no-browser", f"--port={port}", f"--ServerApp.token={token}"])
    proc = subprocess.Popen(
        argv,
        cwd=PROJECT_ROOT / "notebooks",
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        base, headers = f"http://127.0.0.1:{port}", {"Authorization": f"token {token}"}
        deadline = time.monotonic() + 60
        while True:
            try:
                request = urllib.request.Request(f"{base}/api/contents/", headers=headers)
                with urllib.request.urlopen(request, timeout=5) as r:
                    listing = json.load(r)
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("jupyter lab did not answer")
                time.sleep(0.5)
        names = sorted(c["name"] for c in listing["content"])
        assert names == sorted(p.name for p in (PROJECT_ROOT / "notebooks").glob("*.ipynb"))
        assert "explore.ipynb" in names and not any(n.endswith(".py") for n in names)

        class Stay(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(Stay)
        try:
            opener.open(urllib.request.Request(f"{base}/", headers=headers), timeout=5)
        except urllib.error.HTTPError as redirect:
            assert redirect.headers["Location"].split("?")[0].endswith("/lab/tree/explore.ipynb")
        else:
            pytest.fail("jupyter lab did not redirect to explore.ipynb")
    finally:
        os.killpg(proc.pid, 15)
        proc.wait(20)
