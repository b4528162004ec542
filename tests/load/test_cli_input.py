"""Bad input to `workbench serve` and `workbench load`: one line, exit 2, nothing started."""

from __future__ import annotations

import socket

import pytest


@pytest.mark.parametrize(
    "args, message",
    [
        (["serve", "--variant", "turbo"], "unknown variant 'turbo'"),
        (["load", "--variant", "all,turbo"], "unknown variant 'turbo'"),
        (["load", "--users", "0"], "--users: users must be 1 or more"),
        (["load", "--duration", "soon"], "--duration: not a duration"),
        (["load", "--host", "http://x", "--variant", "baseline,all"], "name the one --variant"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(run_workbench, args, message):
    done = run_workbench(*args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_port_in_use_is_refused_in_one_line(run_workbench):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_workbench("serve", "--port", str(port), "--variant", "all")
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is not free" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
