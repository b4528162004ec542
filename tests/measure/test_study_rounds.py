"""The marketplace measured in interleaved rounds: indexes switched once a round, put back."""

from __future__ import annotations

from workbench.study import plan_indexes as perf_indexes
from workbench.study import variants
from workbench.study.measure import measure as study_measure


def test_interleaved_rounds_judge_every_variant_and_restore_the_indexes(seeded_tiny, db):
    before = perf_indexes.present()
    result = study_measure(
        ["wallet"],
        ["baseline", "indexes", "cache"],
        repeat=4,
        rounds=2,
        explain=False,
        mixed_requests=0,
    )
    assert perf_indexes.present() == before
    assert result.parameters["rounds"] == 2
    rows = result.frame()
    assert sorted(rows["round"].unique()) == [0, 1]
    for variant in ("baseline", "indexes", "cache"):
        f = result.figures("wallet", variant)
        assert f["samples"] == 4 and f["rounds"] == 2 and f["measured_on"] == "isolated"
        assert ("speedup" in f) == (variant != "baseline")
    cached = result.figures("wallet", "cache")
    # Round 1 enters the cache variant afresh (an empty cache): its first call misses.
    assert cached["miss"] is not None and cached["miss"]["samples"] >= 1
    assert result.figures("wallet", "baseline")["hit"] is None


def test_the_study_orders_rounds_by_index_state():
    from workbench.study.measure import order

    order_of = order(variants.select(None))
    assert order_of(0, list(variants.NAMES)) == ["baseline", "eager", "cache", "indexes", "all"]
    assert order_of(1, list(variants.NAMES))[:2] == ["all", "indexes"]
