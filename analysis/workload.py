"""A mixed workload for cache hit rates: skewed (Zipf) reads with a share of writes.

A cache's hit rate is a property of the traffic, not of the cache: replaying one page
again and again hits 100%, and uniform reads over a million keys hit nearly never. Real
traffic is skewed (a few pages and users get most requests) and interleaved with writes
that invalidate entries. This runner draws each request from that mix, with a seeded
random generator so a run can be repeated:

* a **read** picks the item of rank ``r`` (0 = most popular) with probability
  proportional to ``1 / (r + 1) ** zipf_s`` (``zipf_s=0`` is uniform; 1 to 1.2 is what
  web traffic usually shows);
* a **write**, with probability ``write_share``, is one of the writes, uniformly.

Hits and misses come from two counters the caller provides: ``probe()``, cheap and read
around every read so hits are attributed per read item (the application's own cache
counters), and ``server_probe()``, read once before and once after (the cache server's
own counters, e.g. Redis INFO ``keyspace_hits``/``keyspace_misses``, which count every
key the server looked up, for every client).

    result = run_mixed(reads, writes, requests=2000, write_share=0.1, zipf_s=1.1,
                       probe=lambda: {"hits": h, "misses": m})
    result.hit_rate, result.as_dict()
"""

from __future__ import annotations

import bisect
import itertools
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analysis.capture import capture
from analysis.dbcpu import CpuMeter
from analysis.errors import AnalysisError
from analysis.stats import percentile

Op = tuple[str, Callable[[], Any]]
Counters = Mapping[str, int | None]


class WorkloadError(AnalysisError):
    """The workload's parameters make no sense; the message says which."""


def zipf_weights(n: int, s: float) -> list[float]:
    """Normalised weights of ranks 0..n-1 under a Zipf law with exponent ``s``."""
    raw = [1.0 / (rank + 1) ** s for rank in range(n)]
    total = sum(raw)
    return [w / total for w in raw]


def _rate(hits: int, misses: int) -> float | None:
    total = hits + misses
    return round(hits / total, 4) if total else None


def _per(total: float | None, n: int) -> float | None:
    return None if total is None or not n else round(total / n, 4)


def _delta(before: Counters | None, after: Counters | None, key: str) -> int | None:
    if not before or not after or before.get(key) is None or after.get(key) is None:
        return None
    return int(after[key]) - int(before[key])  # type: ignore[arg-type]


@dataclass
class MixedResult:
    """What one mixed run did and how often the cache answered."""

    requests: int
    reads: int
    writes: int
    hits: int
    misses: int
    redis_hits: int | None
    redis_misses: int | None
    zipf_s: float
    write_share: float
    seed: int
    warmup: int
    seconds: float
    distinct_reads: int
    by_read: dict[str, dict[str, Any]] = field(default_factory=dict)
    read_ms: list[float] = field(default_factory=list, repr=False)
    queries: int | None = None
    db_ms: float | None = None
    db_cpu_ms: float | None = None

    @property
    def hit_rate(self) -> float | None:
        """Hits over lookups, from the application's counters."""
        return _rate(self.hits, self.misses)

    @property
    def redis_hit_rate(self) -> float | None:
        if self.redis_hits is None or self.redis_misses is None:
            return None
        return _rate(self.redis_hits, self.redis_misses)

    def latency(self) -> dict[str, float | None]:
        """Wall time of the counted reads, hits and misses together (what users see)."""
        if not self.read_ms:
            return {"p50_ms": None, "p95_ms": None, "max_ms": None}
        return {
            "p50_ms": round(percentile(self.read_ms, 50), 3),
            "p95_ms": round(percentile(self.read_ms, 95), 3),
            "max_ms": round(max(self.read_ms), 3),
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "hit_rate": self.hit_rate,
            "hits": self.hits,
            "misses": self.misses,
            "reads": self.reads,
            "writes": self.writes,
            "redis_hits": self.redis_hits,
            "redis_misses": self.redis_misses,
            "redis_hit_rate": self.redis_hit_rate,
            "requests": self.requests,
            "distinct_reads": self.distinct_reads,
            "zipf_s": self.zipf_s,
            "write_share": self.write_share,
            "seed": self.seed,
            "warmup": self.warmup,
            "seconds": round(self.seconds, 3),
            "read_latency": self.latency(),
            "queries_per_request": _per(self.queries, self.requests),
            "db_ms_per_request": _per(self.db_ms, self.requests),
            "db_cpu_ms_per_request": _per(self.db_cpu_ms, self.requests),
            "by_read": self.by_read,
        }


def run_mixed(
    reads: Sequence[Op],
    writes: Sequence[Op] = (),
    *,
    requests: int = 1000,
    write_share: float = 0.1,
    zipf_s: float = 1.1,
    seed: int = 42,
    warmup: int = 0,
    probe: Callable[[], Counters] | None = None,
    server_probe: Callable[[], Counters | None] | None = None,
    cpu: CpuMeter | None = None,
) -> MixedResult:
    """Run ``requests`` operations drawn from ``reads`` (ranked, most popular first) and ``writes``.

    ``probe`` returns cumulative ``{"hits", "misses"}``; ``server_probe`` cumulative
    ``{"hits", "misses"}`` of the cache server (or None when it is unreachable). The
    first ``warmup`` operations come from the same random stream but are not counted, so
    the figures describe a cache in its steady state rather than its cold start. The
    counted operations are captured (``analysis.capture``): queries and driver time per
    request, and with ``cpu`` the database's CPU per request, so variants can be compared
    under the same traffic, cache misses and writes included.
    """
    if requests < 1:
        raise WorkloadError(f"requests must be at least 1, got {requests}")
    if warmup < 0:
        raise WorkloadError(f"warmup must be 0 or more, got {warmup}")
    if not 0 <= write_share < 1:
        raise WorkloadError(f"write share must be from 0 to below 1, got {write_share}")
    if zipf_s < 0:
        raise WorkloadError(f"the Zipf exponent must be 0 or more, got {zipf_s}")
    if not reads:
        raise WorkloadError("a mixed workload needs at least one read")
    if write_share > 0 and not writes:
        raise WorkloadError("a write share above 0 needs at least one write")
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(zipf_weights(len(reads), zipf_s)))

    def draw() -> tuple[int, Op] | None:
        """The next operation: (rank, read), or None after running a write."""
        if write_share and rng.random() < write_share:
            rng.choice(writes)[1]()
            return None
        rank = min(bisect.bisect_left(cumulative, rng.random() * cumulative[-1]), len(reads) - 1)
        return rank, reads[rank]

    for _ in range(warmup):
        drawn = draw()
        if drawn is not None:
            drawn[1][1]()
    by_read: dict[str, dict[str, Any]] = {}
    read_ms: list[float] = []
    tally = {"hits": 0, "misses": 0, "reads": 0, "writes": 0}
    server_before = server_probe() if server_probe else None
    cpu_before = cpu.read() if cpu is not None else None
    started = time.perf_counter()
    with capture() as run:
        _counted(requests, draw, probe, by_read, read_ms, tally)
    seconds = time.perf_counter() - started
    cpu_ms = cpu.elapsed_ms(cpu_before) if cpu is not None and cpu_before is not None else None
    server_after = server_probe() if server_probe else None
    hits, misses, n_reads, n_writes = (
        tally["hits"],
        tally["misses"],
        tally["reads"],
        tally["writes"],
    )
    for row in by_read.values():
        row["hit_rate"] = _rate(row["hits"], row["misses"])
    return MixedResult(
        requests=requests,
        reads=n_reads,
        writes=n_writes,
        hits=hits,
        misses=misses,
        redis_hits=_delta(server_before, server_after, "hits"),
        redis_misses=_delta(server_before, server_after, "misses"),
        zipf_s=zipf_s,
        write_share=write_share,
        seed=seed,
        warmup=warmup,
        seconds=seconds,
        distinct_reads=len(by_read),
        by_read=dict(sorted(by_read.items(), key=lambda item: item[1]["rank"])),
        read_ms=read_ms,
        queries=len(run.queries),
        db_ms=run.total_ms,
        db_cpu_ms=cpu_ms,
    )


def _counted(
    requests: int,
    draw: Callable[[], tuple[int, Op] | None],
    probe: Callable[[], Counters] | None,
    by_read: dict[str, dict[str, Any]],
    read_ms: list[float],
    tally: dict[str, int],
) -> None:
    """The counted operations: each read timed, its cache hits and misses attributed."""
    for _ in range(requests):
        drawn = draw()
        if drawn is None:
            tally["writes"] += 1
            continue
        rank, (name, read) = drawn
        before = probe() if probe else None
        read_started = time.perf_counter()
        read()
        read_ms.append((time.perf_counter() - read_started) * 1000.0)
        after = probe() if probe else None
        tally["reads"] += 1
        row = by_read.setdefault(name, {"rank": rank, "reads": 0, "hits": 0, "misses": 0})
        row["reads"] += 1
        h, m = _delta(before, after, "hits") or 0, _delta(before, after, "misses") or 0
        row["hits"] += h
        row["misses"] += m
        tally["hits"] += h
        tally["misses"] += m
