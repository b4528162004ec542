"""Interleaved rounds: call quotas, the variants' order, time boxes, hits and misses.

Generic scenarios and variants only (plain Python callables, a dict as the "cache"), so
the protocol is checked without the marketplace and in well under a second.
"""

from __future__ import annotations

import time
from contextlib import contextmanager

import pytest

from analysis.measure import MeasureError, grouped, measure, rotation
from analysis.measure.latency import hit
from analysis.measure.rounds import default_rounds, quotas, switches

FAST = {"cpu": False, "explain": False}


def test_quotas_split_the_calls_over_the_rounds():
    assert quotas(7, 3) == [3, 2, 2]
    assert quotas(200, 10) == [20] * 10
    assert sum(quotas(31, 6)) == 31
    with pytest.raises(ValueError):
        quotas(2, 3)


def test_small_runs_use_fewer_rounds():
    assert default_rounds(200) == 10
    assert default_rounds(30) == 6
    assert default_rounds(5) == default_rounds(2) == 1


def test_rotation_moves_every_variant_through_every_position():
    names = ["a", "b", "c"]
    assert [rotation(r, names) for r in range(3)] == [
        ["a", "b", "c"],
        ["b", "c", "a"],
        ["c", "a", "b"],
    ]


def test_grouped_order_switches_the_costly_state_once_a_round():
    names = ["baseline", "indexes", "eager", "cache", "all"]
    heavy = {"baseline": False, "indexes": True, "eager": False, "cache": False, "all": True}
    order = grouped(heavy)
    assert order(0, names) == ["baseline", "eager", "cache", "indexes", "all"]
    assert order(1, names) == ["all", "indexes", "eager", "cache", "baseline"]
    for r in range(10):  # every round runs every variant once
        assert sorted(order(r, names)) == sorted(names)
    assert switches(order, names, 10, heavy) == 10
    assert switches(rotation, names, 10, heavy) >= 30


class Probe:
    """A dict "cache" with hit and miss counters, emptied when the cached variant is entered."""

    def __init__(self) -> None:
        self.store: dict[str, int] = {}
        self.hits = self.misses = 0
        self.on = False

    def read(self, key: str) -> None:
        if not self.on:
            return
        if key in self.store:
            self.hits += 1
        else:
            self.misses += 1
            self.store[key] = 1

    def counts(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses}

    @contextmanager
    def cached(self):
        self.store.clear()
        self.on = True
        try:
            yield
        finally:
            self.on = False


def test_rounds_interleave_variants_and_split_hits_from_misses():
    probe, entered = Probe(), []

    @contextmanager
    def plain():
        entered.append("plain")
        yield

    @contextmanager
    def cached():
        entered.append("cached")
        with probe.cached():
            yield

    result = measure(
        [("page", lambda: probe.read("page"))],
        {"plain": plain, "cached": cached},
        repeat=20,
        rounds=4,
        warmup=1,
        cache_probe=probe.counts,
        **FAST,
    )
    assert entered == ["plain", "cached", "cached", "plain", "plain", "cached", "cached", "plain"]
    plain_f, cached_f = result.figures("page", "plain"), result.figures("page", "cached")
    assert plain_f["samples"] == cached_f["samples"] == 20
    assert plain_f["rounds"] == cached_f["rounds"] == 4
    assert plain_f["measured_on"] == "isolated"
    assert plain_f["hit"] is None and plain_f["miss"] is None and "speedup" not in plain_f
    # The warm-up of round 0 took the first miss; each later round starts from an empty cache.
    assert cached_f["miss"]["samples"] == 3 and cached_f["hit"]["samples"] == 17
    assert set(cached_f["speedup"]) == {"q", "speedup", "ci", "verdict", "samples"}
    for key in ("p50_ci", "p95_ci", "p99_ci"):
        low, high = cached_f[key]
        assert low <= high
    rows = result.frame()
    assert sorted(rows["round"].unique()) == [0, 1, 2, 3]
    first_of_round = rows[(rows.variant == "cached") & (rows["round"] > 0)].groupby("round").head(1)
    assert list(first_of_round.hit) == [False, False, False]
    assert rows[rows.variant == "plain"].hit.isna().all()
    assert len(result.walls("page", "cached", hit=False)) == 3


def test_a_time_box_cuts_slow_cells_but_keeps_a_call_a_round():
    from contextlib import nullcontext

    result = measure(
        [("slow", lambda: time.sleep(0.02)), ("quick", lambda: None)],
        {"only": nullcontext},
        repeat=50,
        rounds=5,
        time_box=0.05,
        warmup=0,
        **FAST,
    )
    slow, quick = result.figures("slow", "only"), result.figures("quick", "only")
    assert 5 <= slow["samples"] <= 15 and slow["rounds"] == 5
    assert quick["samples"] == 50
    assert result.parameters["time_box"] == 0.05 and result.parameters["rounds"] == 5


def test_bad_rounds_and_time_boxes_are_refused():
    from contextlib import nullcontext

    with pytest.raises(MeasureError, match="rounds"):
        measure([("x", lambda: None)], {"v": nullcontext}, repeat=3, rounds=4, **FAST)
    with pytest.raises(MeasureError, match="time_box"):
        measure([("x", lambda: None)], {"v": nullcontext}, time_box=0, **FAST)
    with pytest.raises(MeasureError, match="order"):
        measure([("x", lambda: None)], {"v": nullcontext}, repeat=2, order=lambda r, n: [], **FAST)


def test_a_call_is_a_hit_only_when_it_read_the_cache_and_missed_nothing():
    assert hit(2, 0) is True
    assert hit(2, 1) is False and hit(0, 1) is False
    assert hit(0, 0) is None and hit(None, None) is None


def test_the_command_line_defaults_are_the_instruments():
    from analysis.measure import rounds
    from analysis.stats import MIN_EFFECT
    from workbench.commands import measure as command

    assert (command.SAMPLES, command.TIME_BOX, command.MIN_EFFECT) == (
        rounds.SAMPLES,
        rounds.TIME_BOX,
        MIN_EFFECT,
    )
