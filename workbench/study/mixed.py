"""The mixed workload: skewed reads over every scenario plus API writes, the basis of the verdicts.

The success criteria are judged on traffic that looks like production's: many callers
and objects, popular ones requested far more often, and writes that invalidate.
:func:`read_pool` gives every scenario for ``depth`` subjects each (rank r: the r-th
page of the public lists, the r-th busiest client or freelancer as caller, the r-th most
applied-to job, the r-th most reviewed user); :class:`Writes` saves and unsaves jobs,
applies to them and edits them through the API; :func:`mixed_workload` runs them through
the generic ``analysis.workload.run_mixed`` (Zipf-skewed reads, a share of writes) under
whatever variant is active, from a cold cache, and :func:`mixed_by_variant` under each
variant named.

What "writes really commit" means here: each write goes through the API, its view's
``atomic`` block is released (a savepoint inside the run's transaction), so its rows are
there for every later read of the run and its cache invalidation (generation bumps in
Redis, sent at once on ``post_save``) happens as in production. The run's own
transaction is rolled back at the end, so nothing reaches the database for good, and
the cost of a real COMMIT (the WAL flush) is not in the timings.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import transaction

from marketplace.accounts.models import Profile, User
from marketplace.jobs.models import Application, Job
from workbench.study.criteria import MAX_QUERY_MS
from workbench.study.scenarios import (
    DEFAULT_PAGE_SIZE,
    SCENARIOS,
    Scenario,
    ScenarioFailed,
    check_names,
    make,
)
from workbench.study.subjects import (
    NoData,
    active,
    published_jobs,
    ranked_clients,
    ranked_freelancers,
    ranked_reviewed,
)

# The mixed workload's defaults: 2,000 counted requests after 500 uncounted ones, 5% of
# them writes, reads Zipf-distributed (s = 1.1) over every scenario for 20 subjects each.
# A slow variant stops counting after MIXED_TIME_BOX_S seconds (its warm-up after a
# quarter of that): the baseline at medium would otherwise take minutes per variant.
# The statements of the slowest EXPLAIN_SLOW shapes over the per-query limit are planned.
MIXED_REQUESTS = 2000
MIXED_WARMUP = 500
MIXED_TIME_BOX_S = 20.0
WRITE_SHARE = 0.05
ZIPF_S = 1.1
DEPTH = 20
EXPLAIN_SLOW = 3


def _top(values: Sequence[int], rank: int) -> int:
    return values[rank % len(values)]


def read_pool(
    depth: int = 20, *, page_size: int = DEFAULT_PAGE_SIZE, names: Iterable[str] | None = None
) -> list[tuple[str, Scenario]]:
    """Every scenario for ``depth`` subjects each, most popular first (rank-major).

    Rank r means: the r-th page of the public lists, the r-th busiest client or
    freelancer as caller, the r-th most applied-to job, the r-th most reviewed user.
    """
    wanted = check_names(names)
    clients = [c for c, _ in ranked_clients()[:depth]]
    freelancers = [f for f, _ in ranked_freelancers()[:depth]]
    jobs = list(published_jobs().values_list("id", "client_id")[:depth])
    reviewed = ranked_reviewed(depth) or freelancers
    if not (clients and freelancers and jobs):
        raise NoData("no data for a mixed workload: seed first")
    active_clients = set(
        active(Profile.Role.CLIENT).filter(pk__in=[c for _, c in jobs]).values_list("pk", flat=True)
    )
    from django.test import Client

    client = Client()
    pool = []
    for rank in range(depth):
        job_id, job_client = _top(jobs, rank)
        subjects = {
            "job": job_id,
            "busy_client": _top(clients, rank),
            "busy_freelancer": _top(reviewed, rank),
            "typical_client": _top(clients, rank + 1),
            "typical_freelancer": _top(freelancers, rank),
        }
        for name in wanted:
            spec = SCENARIOS[name]
            caller = None
            if name == "job_applications":
                if job_client not in active_clients:
                    continue
                caller = job_client
            elif name in ("applications", "saved_jobs", "wallet"):
                caller = _top(freelancers, rank)
            scenario = make(
                spec,
                subjects,
                page_size=page_size,
                page=rank + 1 if name in ("job_list", "user_list") else 1,
                caller=caller,
                name=f"{name}#{rank}",
                client=client,
            )
            pool.append((scenario.name, scenario))
    return pool


class Writes:
    """API writes that invalidate cached answers: save/unsave, apply, edit a job."""

    def __init__(self, depth: int) -> None:
        from django.test import Client

        from marketplace.api.auth import token_for

        self.client = Client()
        self.token = lambda user_id: {"Authorization": f"Bearer {token_for(User(pk=user_id))}"}
        self.freelancers = [f for f, _ in ranked_freelancers()[:depth]]
        open_jobs = Job.objects.filter(status=Job.Status.OPEN, client__is_active=True).order_by(
            "-id"
        )
        self.open_jobs = list(open_jobs.values_list("id", "client_id")[: max(depth, 10)])
        if not self.freelancers or not self.open_jobs:
            raise NoData("no open jobs or freelancers to write with: seed first")
        applied = Application.objects.filter(
            applicant_id__in=self.freelancers, job_id__in=[j for j, _ in self.open_jobs]
        ).values_list("applicant_id", "job_id")
        self.applied = set(applied)
        self.saved: set[tuple[int, int]] = set()
        self._counter = itertools.count()
        self._pairs = itertools.cycle(
            [(f, j, c) for j, c in self.open_jobs for f in self.freelancers if f != c]
        )

    def _check(self, response, action: str) -> None:
        if response.status_code >= 300:
            raise ScenarioFailed(
                f"{action} answered {response.status_code}: {response.content[:200]!r}"
            )

    def toggle_saved(self) -> None:
        freelancer, job, _ = next(self._pairs)
        headers = self.token(freelancer)
        if (freelancer, job) in self.saved:
            response = self.client.delete(f"/api/saved-jobs/?job={job}", headers=headers)
            self.saved.discard((freelancer, job))
        else:
            response = self.client.post(
                "/api/saved-jobs/", {"job": job}, content_type="application/json", headers=headers
            )
            self.saved.add((freelancer, job))
        self._check(response, "saving a job")

    def apply(self) -> None:
        for _ in range(len(self.freelancers) * len(self.open_jobs)):
            freelancer, job, _client = next(self._pairs)
            if (freelancer, job) not in self.applied:
                break
        else:
            return self.edit_job()  # every pair has applied: edit instead
        self.applied.add((freelancer, job))
        response = self.client.post(
            f"/api/jobs/{job}/applications/",
            {"bid_amount": "100.00", "cover_letter": "measured"},
            content_type="application/json",
            headers=self.token(freelancer),
        )
        self._check(response, "applying to a job")

    def edit_job(self) -> None:
        job, client = self.open_jobs[next(self._counter) % len(self.open_jobs)]
        response = self.client.patch(
            f"/api/jobs/{job}/",
            {"description": f"edited {next(self._counter)}"},
            content_type="application/json",
            headers=self.token(client),
        )
        self._check(response, "editing a job")

    def ops(self) -> list[tuple[str, Callable[[], None]]]:
        """Weighted by repetition: half saves and unsaves, 40% applications, 10% job edits."""
        return (
            [("save_job", self.toggle_saved)] * 5
            + [("apply", self.apply)] * 4
            + [("edit_job", self.edit_job)]
        )


def _process_counters() -> dict[str, Any]:
    from marketplace.cache import counters

    snapshot = counters.snapshot()
    kinds = {k: {"hits": v["hits"], "misses": v["misses"]} for k, v in snapshot["kinds"].items()}
    return {"hits": snapshot["hits"], "misses": snapshot["misses"], "kinds": kinds}


def _redis_counters() -> dict[str, int] | None:
    import marketplace.cache

    redis = marketplace.cache.stats()["redis"]
    if redis is None:
        return None
    return {"hits": redis["keyspace_hits"], "misses": redis["keyspace_misses"]}


def cache_probe() -> dict[str, int | None]:
    """Cumulative cache counters: this process's lookups, and Redis's own (server-wide)."""
    redis = _redis_counters()
    own = _process_counters()
    return {
        "hits": own["hits"],
        "misses": own["misses"],
        "redis_hits": redis["hits"] if redis else None,
        "redis_misses": redis["misses"] if redis else None,
    }


def mixed_workload(
    *,
    requests: int = MIXED_REQUESTS,
    write_share: float = WRITE_SHARE,
    zipf_s: float = ZIPF_S,
    warmup: int = MIXED_WARMUP,
    depth: int = DEPTH,
    seed: int = 42,
    page_size: int = DEFAULT_PAGE_SIZE,
    names: Iterable[str] | None = None,
    time_box_s: float | None = MIXED_TIME_BOX_S,
    slow_ms: float = MAX_QUERY_MS,
    explain_slow: int = EXPLAIN_SLOW,
) -> dict[str, Any]:
    """The mixed traffic under whatever variant is active, per request, from a cold cache.

    Clears the cache on entry, runs ``warmup`` operations of the same traffic (not
    counted), then ``requests`` counted ones (fewer when ``time_box_s`` runs out: see
    ``samples``), each timed with its queries. Everything it writes is rolled back, and
    the cache is cleared again afterwards (entries computed from rolled-back rows must not
    be served), so the database is left as it was. The result is
    ``analysis.workload.MixedResult.as_dict()`` plus ``depth``: latency p50/p95/p99 with
    intervals, ``hit_rate_per_request`` beside the per-lookup ``hit_rate`` and
    ``hit_rate_by_kind``, database time and CPU per request, ``slowest_statements``.
    """
    import marketplace.cache
    from analysis.stackcpu import StackCpuMeter
    from analysis.workload import run_mixed
    from marketplace.cache import store

    reads = read_pool(depth, page_size=page_size, names=names)
    writes = Writes(depth).ops() if write_share > 0 else []
    marketplace.cache.clear()
    try:
        with transaction.atomic():
            result = run_mixed(
                reads,
                writes,
                requests=requests,
                write_share=write_share,
                zipf_s=zipf_s,
                seed=seed,
                warmup=warmup,
                probe=_process_counters,
                server_probe=_redis_counters,
                # The database (backend and parallel workers), this process and Redis.
                cpu=StackCpuMeter.for_connection(
                    workers=True, redis_info=lambda: store.run(lambda c: c.info("cpu"), None)
                ),
                slow_ms=slow_ms,
                explain_slow=explain_slow,
                time_box_s=time_box_s,
            )
            transaction.set_rollback(True)
    finally:
        marketplace.cache.clear()
    return {**result.as_dict(), "depth": depth}


def mixed_by_variant(
    variants: Iterable[str], progress: Callable[[str], None] | None = None, **options: Any
) -> dict[str, dict[str, Any]]:
    """:func:`mixed_workload` under each named variant (``workbench.study.variants``).

    Changes the plan's indexes as the variants require (DDL: check ownership first) and
    puts them back as they were. ``options`` go to :func:`mixed_workload`.
    """
    from workbench.study import variants as study_variants

    chosen = study_variants.select(variants)
    out: dict[str, dict[str, Any]] = {}
    with study_variants.restoring():
        for name, variant in chosen.items():
            with variant():
                out[name] = mixed_workload(**options)
            if progress is not None:
                figures = out[name]
                progress(
                    f"{name:<9} mixed workload: {figures['samples']} requests, "
                    f"p95 {figures['p95_ms']} ms, hit rate per request "
                    f"{figures['hit_rate_per_request']}"
                )
    return out
