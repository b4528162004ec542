"""The acceptance test of issue 12's statistics: a planted slowdown is caught, nothing else is.

One variant plants a 20 ms ``pg_sleep`` in one scenario's code path; the other scenario
runs the same statement under both variants. The planted one must be judged "slower"
with an interval below 1; the unchanged one "no change", run after run.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connection

from analysis.measure import measure

PLANTED = {"on": False}


def _sleep(seconds: float) -> None:
    with connection.cursor() as cur:
        cur.execute("SELECT pg_sleep(%s)", [seconds])


def planted() -> None:
    _sleep(0.025 if PLANTED["on"] else 0.005)


def unchanged() -> None:
    _sleep(0.005)


@contextmanager
def before():
    yield


@contextmanager
def after():
    PLANTED["on"] = True
    try:
        yield
    finally:
        PLANTED["on"] = False


def test_a_planted_slowdown_is_slower_and_an_unchanged_scenario_no_change(db):
    for run in range(3):
        result = measure(
            [("planted", planted), ("unchanged", unchanged)],
            {"before": before, "after": after},
            repeat=30,
            warmup=1,
            explain=False,
            cpu=False,
        )
        slowed = result.figures("planted", "after")["speedup"]
        assert slowed["verdict"] == "slower", (run, slowed)
        assert slowed["ci"][1] < 1 and slowed["samples"] == [30, 30]
        same = result.figures("unchanged", "after")["speedup"]
        assert same["verdict"] == "no change", (run, same)
        assert result.figures("planted", "after")["rounds"] == 6
