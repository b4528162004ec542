"""A mixed workload: skewed (Zipf) reads with a share of writes, measured per request.

A cache's hit rate is a property of the traffic, not of the cache: replaying one page
again and again hits 100%, and uniform reads over a million keys hit nearly never. Real
traffic is skewed (a few pages and users get most requests) and interleaved with writes
that invalidate entries. This runner draws each request from that mix, with a seeded
random generator so a run can be repeated:

* a **read** picks the item of rank ``r`` (0 = most popular) with probability
  proportional to ``1 / (r + 1) ** zipf_s`` (``zipf_s=0`` is uniform; 1 to 1.2 is what
  web traffic usually shows);
* a **write**, with probability ``write_share``, is one of the writes, uniformly.

Every counted request, read or write, is timed and its queries captured, so the figures
are per request (``analysis.workloadstats``): latency p50/p95/p99 with bootstrap
intervals, the hit rate per request, database time per request, and the statements over
``slow_ms`` with their call site (and, with ``explain_slow``, their plan's main finding).

Hits and misses come from two counters the caller provides: ``probe()``, cheap and read
around every read so hits are attributed per request (the application's own counters,
optionally per kind under ``"kinds"``), and ``server_probe()``, read once before and
once after (the cache server's own counters, e.g. Redis INFO, which count every key
the server looked up, for every client).

``time_box_s`` bounds a run on a slow variant: the counted requests stop after that many
seconds (the warm-up after a quarter of it), so a run has ``requests`` or fewer samples,
always a prefix of the same seeded stream.

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
from analysis.stackcpu import KEYS as STACK_KEYS
from analysis.stackcpu import StackCpuMeter
from analysis.stats import percentile
from analysis.workloadstats import (
    Loop,
    Request,
    max_statement_ms,
    per_request,
    slow_statements,
)
from analysis.workloadstats import count_delta as _delta
from analysis.workloadstats import hit_rate as _rate

Op = tuple[str, Callable[[], Any]]
Counters = Mapping[str, Any]


class WorkloadError(AnalysisError):
    """The workload's parameters make no sense; the message says which."""


def zipf_weights(n: int, s: float) -> list[float]:
    """Normalised weights of ranks 0..n-1 under a Zipf law with exponent ``s``."""
    raw = [1.0 / (rank + 1) ** s for rank in range(n)]
    total = sum(raw)
    return [w / total for w in raw]


def _per(total: float | None, n: int) -> float | None:
    return None if total is None or not n else round(total / n, 4)


@dataclass
class MixedResult:
    """What one mixed run did, per request, and how often the cache answered."""

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
    app_cpu_ms: float | None = None
    redis_cpu_ms: float | None = None
    total_cpu_ms: float | None = None
    cpu_method: dict[str, Any] | None = None
    samples: list[Request] = field(default_factory=list, repr=False)
    by_kind: dict[str, dict[str, Any]] = field(default_factory=dict)
    slow_ms: float | None = None
    slowest: list[dict[str, Any]] = field(default_factory=list)
    longest_statement_ms: float | None = None
    planned: int | None = None
    time_box_s: float | None = None

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
            "hit_rate_by_kind": self.by_kind,
            "hits": self.hits,
            "misses": self.misses,
            "reads": self.reads,
            "writes": self.writes,
            "redis_hits": self.redis_hits,
            "redis_misses": self.redis_misses,
            "redis_hit_rate": self.redis_hit_rate,
            "requests": self.requests,
            "requests_planned": self.planned if self.planned is not None else self.requests,
            "time_box_s": self.time_box_s,
            "distinct_reads": self.distinct_reads,
            "zipf_s": self.zipf_s,
            "write_share": self.write_share,
            "seed": self.seed,
            "warmup": self.warmup,
            "seconds": round(self.seconds, 3),
            "read_latency": self.latency(),
            **per_request(self.samples),
            "queries": self.queries,
            "queries_per_request": _per(self.queries, self.requests),
            "db_cpu_ms_per_request": _per(self.db_cpu_ms, self.requests),
            "app_cpu_ms_per_request": _per(self.app_cpu_ms, self.requests),
            "redis_cpu_ms_per_request": _per(self.redis_cpu_ms, self.requests),
            "total_cpu_ms_per_request": _per(self.total_cpu_ms, self.requests),
            "cpu_method": self.cpu_method,
            "slow_ms": self.slow_ms,
            "max_statement_ms": self.longest_statement_ms,
            "slowest_statements": self.slowest,
            # every counted request, for judging speedups per read on this traffic:
            # [read or write name (its part before "#"), "read"/"write", ms, hit]
            "samples_ms": [
                [s.name.split("#", 1)[0], s.kind, round(s.ms, 3), bool(s.cached and not s.misses)]
                for s in self.samples
            ],
            "by_read": self.by_read,
        }


def _cpu_used(cpu: CpuMeter | StackCpuMeter | None, before: Any) -> dict[str, float | None]:
    """The CPU a run used: the whole stack with a StackCpuMeter, the database alone else."""
    if cpu is None or before is None:
        return dict.fromkeys(STACK_KEYS)
    if isinstance(cpu, StackCpuMeter):
        return cpu.elapsed(before)
    return {**dict.fromkeys(STACK_KEYS), "db_cpu_ms": cpu.elapsed_ms(before)}


def _check(requests: int, warmup: int, write_share: float, zipf_s: float, reads, writes) -> None:
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
    cpu: CpuMeter | StackCpuMeter | None = None,
    slow_ms: float | None = None,
    explain_slow: int = 0,
    time_box_s: float | None = None,
) -> MixedResult:
    """Run ``requests`` operations drawn from ``reads`` (ranked, most popular first) and ``writes``.

    ``probe`` returns cumulative ``{"hits", "misses"}`` (and optionally ``"kinds"``:
    ``{kind: {"hits", "misses"}}``); ``server_probe`` cumulative ``{"hits", "misses"}``
    of the cache server (or None when it is unreachable). The first ``warmup``
    operations come from the same random stream but are not counted, so the figures
    describe a cache in its steady state rather than its cold start. The counted
    operations are captured (``analysis.capture``), each request on its own, and with
    ``cpu`` the database's CPU is read around them. ``slow_ms`` lists the statements
    over that limit; ``explain_slow`` plans (EXPLAIN ANALYZE, in the caller's
    transaction) that many of the slowest read statements and names each one's main
    finding (``analysis.planfindings``).
    """
    _check(requests, warmup, write_share, zipf_s, reads, writes)
    if time_box_s is not None and time_box_s <= 0:
        raise WorkloadError(f"the time box must be positive, got {time_box_s}")
    rng = random.Random(seed)
    cumulative = list(itertools.accumulate(zipf_weights(len(reads), zipf_s)))

    def draw() -> tuple[str, int, Op]:
        """The next operation: ("write", -1, op) or ("read", rank, op)."""
        if write_share and rng.random() < write_share:
            return "write", -1, rng.choice(writes)
        rank = min(bisect.bisect_left(cumulative, rng.random() * cumulative[-1]), len(reads) - 1)
        return "read", rank, reads[rank]

    deadline = None if time_box_s is None else time.perf_counter() + time_box_s / 4
    warmed = 0
    while warmed < warmup and (deadline is None or time.perf_counter() < deadline):
        draw()[2][1]()
        warmed += 1
    loop = Loop(probe)
    server_before = server_probe() if server_probe else None
    cpu_before = cpu.read() if cpu is not None else None
    started = time.perf_counter()
    deadline = None if time_box_s is None else started + time_box_s
    with capture() as run:
        loop.run(requests, draw, run, deadline)
    seconds = time.perf_counter() - started
    used = _cpu_used(cpu, cpu_before)
    server_after = server_probe() if server_probe else None
    slowest = slow_statements(run.queries, slow_ms) if slow_ms is not None else []
    _explain(slowest, explain_slow)
    for row in loop.by_read.values():
        row["hit_rate"] = _rate(row["hits"], row["misses"])
    for row in loop.by_kind.values():
        row["hit_rate"] = _rate(row["hits"], row["misses"])
    samples = loop.samples
    return MixedResult(
        requests=len(samples),
        reads=sum(s.kind == "read" for s in samples),
        writes=sum(s.kind == "write" for s in samples),
        hits=loop.hits,
        misses=loop.misses,
        redis_hits=_delta(server_before, server_after, "hits"),
        redis_misses=_delta(server_before, server_after, "misses"),
        zipf_s=zipf_s,
        write_share=write_share,
        seed=seed,
        warmup=warmed,
        seconds=seconds,
        distinct_reads=len(loop.by_read),
        by_read=dict(sorted(loop.by_read.items(), key=lambda item: item[1]["rank"])),
        read_ms=[s.ms for s in samples if s.kind == "read"],
        queries=len(run.queries),
        db_ms=run.total_ms,
        db_cpu_ms=used["db_cpu_ms"],
        app_cpu_ms=used["app_cpu_ms"],
        redis_cpu_ms=used["redis_cpu_ms"],
        total_cpu_ms=used["total_cpu_ms"],
        cpu_method=cpu.as_dict() if cpu is not None else None,
        samples=samples,
        by_kind=dict(sorted(loop.by_kind.items())),
        slow_ms=slow_ms,
        slowest=[{k: v for k, v in row.items() if k != "record"} for row in slowest],
        longest_statement_ms=max_statement_ms(run.queries),
        planned=requests,
        time_box_s=time_box_s,
    )


def _explain(slowest: list[dict[str, Any]], count: int) -> None:
    """Name the main plan finding of the ``count`` slowest statements that can be planned."""
    if count <= 0:
        return
    from analysis.explain import explain
    from analysis.planfindings import plan_findings

    for row in slowest[:count]:
        try:
            plan = explain(row["record"], analyze=True, timeout_ms=5_000).plan
        except AnalysisError as exc:  # a write, or a statement EXPLAIN refuses
            row["plan_finding"] = None
            row["plan_error"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            continue
        findings = plan_findings(plan)
        row["plan_finding"] = str(findings[0]) if findings else "no finding in its plan"
        row["plan_top"] = plan.root.label
