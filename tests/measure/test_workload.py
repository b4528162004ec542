"""The generic mixed workload on plain callables: the mix, the attribution, the checks."""

from __future__ import annotations

import pytest

from analysis.workload import WorkloadError, run_mixed, zipf_weights


class DictCache:
    """A tiny read-through cache with counters, so the runner's bookkeeping can be checked."""

    def __init__(self) -> None:
        self.entries: dict[str, int] = {}
        self.hits = self.misses = self.writes = 0

    def read(self, key: str):
        def go() -> None:
            if key in self.entries:
                self.hits += 1
            else:
                self.misses += 1
                self.entries[key] = 1

        return go

    def write(self) -> None:
        self.writes += 1
        self.entries.clear()

    def counters(self) -> dict[str, int]:
        return {"hits": self.hits, "misses": self.misses}


def test_zipf_weights_are_normalised_and_decreasing():
    weights = zipf_weights(50, 1.1)
    assert sum(weights) == pytest.approx(1.0)
    assert all(a > b for a, b in zip(weights, weights[1:], strict=False))
    assert zipf_weights(4, 0) == [0.25] * 4


def test_reads_and_writes_add_up_and_hits_are_attributed():
    cache = DictCache()
    reads = [(f"r{i}", cache.read(f"r{i}")) for i in range(30)]
    result = run_mixed(
        reads,
        [("flush", cache.write)],
        requests=1000,
        write_share=0.05,
        zipf_s=1.1,
        seed=7,
        probe=cache.counters,
        server_probe=cache.counters,
    )
    assert result.reads + result.writes == 1000
    assert result.writes == cache.writes > 0
    assert (result.hits, result.misses) == (cache.hits, cache.misses)
    assert (result.redis_hits, result.redis_misses) == (cache.hits, cache.misses)
    assert sum(r["reads"] for r in result.by_read.values()) == result.reads
    assert sum(r["hits"] for r in result.by_read.values()) == result.hits
    top = result.by_read["r0"]
    assert top["reads"] == max(r["reads"] for r in result.by_read.values())  # skewed
    assert 0 < result.hit_rate < 1
    assert len(result.read_ms) == result.reads
    latency = result.as_dict()["read_latency"]
    assert latency["p50_ms"] <= latency["p95_ms"] <= latency["max_ms"]


def test_same_seed_same_run_and_warmup_is_not_counted():
    def run(**kw):
        cache = DictCache()
        reads = [(f"r{i}", cache.read(f"r{i}")) for i in range(10)]
        return run_mixed(reads, requests=200, write_share=0, probe=cache.counters, **kw)

    assert run(seed=3).by_read == run(seed=3).by_read
    cold, warm = run(seed=3), run(seed=3, warmup=500)
    assert warm.misses < cold.misses and warm.reads == 200


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"requests": 0}, "requests"),
        ({"write_share": 1.0}, "write share"),
        ({"write_share": -0.1}, "write share"),
        ({"zipf_s": -1}, "Zipf"),
        ({"warmup": -1}, "warmup"),
        ({"write_share": 0.5, "writes": []}, "write"),
    ],
)
def test_bad_parameters_are_refused(kwargs, message):
    reads = [("r", lambda: None)]
    writes = kwargs.pop("writes", [("w", lambda: None)])
    with pytest.raises(WorkloadError, match=message):
        run_mixed(reads, writes, **kwargs)
    with pytest.raises(WorkloadError, match="read"):
        run_mixed([], writes)
