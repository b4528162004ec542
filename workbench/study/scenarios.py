"""The marketplace's workload as named, parameterised scenarios: every GET endpoint.

A scenario is one real request through Django's test client, with a bearer token
(``marketplace.api.auth.token_for``) for a real user picked from the data, and it fails
unless the answer is 200. The callers and the objects requested are *subjects*, chosen
deterministically from whatever data is loaded (ties broken by the smallest id):

* ``busy_client``: the active client with the most jobs;
* ``busy_freelancer``: the active freelancer with the most applications;
* ``typical_client`` / ``typical_freelancer``: the median one of those (by jobs, by
  applications, among those with at least one), the request most users make;
* ``job``: the busy client's published job with the most applications.

The performance plan's three N+1 patterns are the scenarios ``job_list`` (jobs with
client, industry and subcategory), ``job_applications`` and ``applications``
(applications with job, applicant and employer: the client's view of a job's
applications, and the freelancer's own list) and ``user_list`` / ``user_reviews``
(users with their ratings, the reviews a user received). Page size is a parameter.

    from workbench.study import scenarios
    subjects = scenarios.pick_subjects()
    runnable = scenarios.build(["job_list", "user_list"], page_size=50, subjects=subjects)
    runnable[0]()                      # GET /api/jobs/?page_size=50 -> HttpResponse (200)
    result = scenarios.measure(repeat=5)   # every scenario under every variant

``measure`` binds the generic runner (``analysis.measure``) to the marketplace: its
variants (``workbench.study.variants``), how to tell the pagination COUNT and the caller's
authentication from data queries, and the mixed workload that measures the cache hit
rate (``analysis.workload``: Zipf-skewed reads over every scenario for many subjects,
plus API writes that invalidate, all in a transaction that is rolled back).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Count

from analysis.measure import MeasureResult, Rule, classifier
from analysis.measure import measure as run_measure
from marketplace.accounts.models import Profile, User
from marketplace.jobs.models import Application, Job
from marketplace.rating.models import Review

DEFAULT_PAGE_SIZE = 20
# The mixed workload's defaults: 2,000 counted requests after 500 uncounted ones, 5% of
# them writes, reads Zipf-distributed (s = 1.1) over every scenario for 20 subjects each.
MIXED_REQUESTS = 2000
MIXED_WARMUP = 500
WRITE_SHARE = 0.05
ZIPF_S = 1.1
DEPTH = 20
PERSONAS = ("busy_client", "busy_freelancer", "typical_client", "typical_freelancer")

# Queries that are not about the data the endpoint shows: the caller's lookup (bearer
# token or session) and the paginator's COUNT(*). Everything else counts as data.
RULES = (
    Rule("auth", file="marketplace/api/auth.py"),
    Rule("auth", contains='"django_session"'),
    Rule("count", file="marketplace/api/pagination.py", prefix="SELECT COUNT(*)"),
)
classify = classifier(RULES)


class ScenarioFailed(AssertionError):
    """The endpoint did not answer 200."""


class NoData(ValueError):
    """The database holds no data to pick subjects from (seed it first)."""


# --------------------------------------------------------------------------- subjects


@dataclass(frozen=True)
class Subjects:
    """User and job ids the scenarios request, picked from the data."""

    busy_client: int
    busy_freelancer: int
    typical_client: int
    typical_freelancer: int
    job: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def _active(role: str):
    return User.objects.filter(is_active=True, profile__role=role)


def _ranked_clients() -> list[tuple[int, int]]:
    """(client id, jobs) of active clients with jobs, busiest first."""
    rows = (
        Job.objects.filter(client__in=_active(Profile.Role.CLIENT))
        .values("client_id")
        .annotate(n=Count("id"))
        .order_by("-n", "client_id")
        .values_list("client_id", "n")
    )
    return list(rows)


def _ranked_freelancers() -> list[tuple[int, int]]:
    """(freelancer id, applications) of active freelancers who applied, busiest first."""
    rows = (
        Application.objects.filter(applicant__in=_active(Profile.Role.FREELANCER))
        .values("applicant_id")
        .annotate(n=Count("id"))
        .order_by("-n", "applicant_id")
        .values_list("applicant_id", "n")
    )
    return list(rows)


def _median(ranked: list[tuple[int, int]]) -> int:
    """The middle subject by activity (ascending activity, then id)."""
    ordered = sorted(ranked, key=lambda row: (row[1], row[0]))
    return ordered[(len(ordered) - 1) // 2][0]


def _published_jobs(client_id: int | None = None):
    jobs = Job.objects.exclude(status=Job.Status.DRAFT)
    if client_id is not None:
        jobs = jobs.filter(client_id=client_id)
    return jobs.annotate(n=Count("applications")).order_by("-n", "-id")


def pick_subjects() -> Subjects:
    """The callers and objects the scenarios use; the same data gives the same subjects."""
    clients, freelancers = _ranked_clients(), _ranked_freelancers()
    if not clients or not freelancers:
        raise NoData("no active client with jobs or freelancer with applications: seed first")
    busy_client = clients[0][0]
    job = _published_jobs(busy_client).values_list("id", flat=True).first()
    if job is None:
        job = _published_jobs().values_list("id", flat=True).first()
    return Subjects(
        busy_client=busy_client,
        busy_freelancer=freelancers[0][0],
        typical_client=_median(clients),
        typical_freelancer=_median(freelancers),
        job=job,
    )


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Spec:
    """A scenario's definition: which endpoint, as whom, about what."""

    name: str
    path: str  # may name subjects: "/api/jobs/{job}/"
    caller: str  # a persona
    description: str
    pattern: str | None = None  # the plan's N+1 pattern it exercises
    paginated: bool = True


SPECS: tuple[Spec, ...] = (
    Spec(
        "job_list",
        "/api/jobs/",
        "typical_freelancer",
        "the public job board, newest first",
        "jobs with client, industry and subcategory",
    ),
    Spec(
        "job_detail",
        "/api/jobs/{job}/",
        "typical_freelancer",
        "one job with its client, creator and application count",
        paginated=False,
    ),
    Spec(
        "job_applications",
        "/api/jobs/{job}/applications/",
        "busy_client",
        "a client reading the applications to their busiest job",
        "applications with job, applicant and employer (the client's view)",
    ),
    Spec(
        "applications",
        "/api/applications/",
        "busy_freelancer",
        "a freelancer's own applications",
        "applications with job, applicant and employer (the freelancer's own list)",
    ),
    Spec(
        "user_list",
        "/api/users/",
        "typical_client",
        "active users with profile, average rating and review count",
        "users with their reviews",
    ),
    Spec(
        "user_detail",
        "/api/users/{busy_freelancer}/",
        "typical_client",
        "one user's profile with rating",
        paginated=False,
    ),
    Spec(
        "user_reviews",
        "/api/users/{busy_freelancer}/reviews/",
        "typical_client",
        "the reviews a user received, with reviewer and job",
        "users with their reviews",
    ),
    Spec(
        "saved_jobs",
        "/api/saved-jobs/",
        "busy_freelancer",
        "the caller's saved jobs, newest first",
    ),
    Spec(
        "payments",
        "/api/payments/",
        "busy_client",
        "payments the caller made or received",
    ),
    Spec("wallet", "/api/wallet/", "typical_freelancer", "the caller's wallet", paginated=False),
)
SCENARIOS: dict[str, Spec] = {spec.name: spec for spec in SPECS}


@dataclass
class Scenario:
    """One GET as one user; call it to make the request (raises unless 200)."""

    name: str
    path: str
    caller_id: int
    persona: str
    params: dict[str, str]
    description: str
    pattern: str | None
    page_size: int | None
    _client: Any = field(default=None, repr=False, compare=False)
    _headers: dict[str, str] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        from django.test import Client

        from marketplace.api.auth import token_for

        self._client = self._client or Client()
        self._headers = {"Authorization": f"Bearer {token_for(User(pk=self.caller_id))}"}

    @property
    def url(self) -> str:
        from urllib.parse import urlencode

        return f"{self.path}?{urlencode(self.params)}" if self.params else self.path

    def __call__(self):
        response = self._client.get(self.path, self.params, headers=self._headers)
        if response.status_code != 200:
            raise ScenarioFailed(
                f"GET {self.url} as user {self.caller_id} ({self.persona}) answered "
                f"{response.status_code}: {response.content[:200]!r}"
            )
        return response

    def describe(self) -> dict[str, Any]:
        return {
            "path": self.url,
            "caller": self.caller_id,
            "persona": self.persona,
            "description": self.description,
            "pattern": self.pattern,
            "page_size": self.page_size,
        }


def check_names(names: Iterable[str] | None) -> list[str]:
    if names is None:
        return list(SCENARIOS)
    wanted = list(dict.fromkeys(names))
    if "all" in wanted:
        return list(SCENARIOS)
    unknown = [n for n in wanted if n not in SCENARIOS]
    if unknown:
        raise ValueError(
            f"unknown scenario {unknown[0]!r}: use one of {', '.join(SCENARIOS)} (or all)"
        )
    return wanted


def check_page_size(page_size: int) -> int:
    if isinstance(page_size, bool) or not isinstance(page_size, int) or page_size < 1:
        raise ValueError(f"page size must be a whole number of 1 or more, got {page_size!r}")
    return page_size


def make(
    spec: Spec,
    subjects: Mapping[str, int],
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    page: int = 1,
    caller: int | None = None,
    name: str | None = None,
    client: Any = None,
) -> Scenario:
    """One scenario from its spec; ``subjects`` maps persona and ``job`` names to ids."""
    params: dict[str, str] = {}
    if spec.paginated:
        params["page_size"] = str(check_page_size(page_size))
        if page > 1:
            params["page"] = str(page)
    return Scenario(
        name=name or spec.name,
        path=spec.path.format(**subjects),
        caller_id=caller if caller is not None else subjects[spec.caller],
        persona=spec.caller if caller is None else "chosen",
        params=params,
        description=spec.description,
        pattern=spec.pattern,
        page_size=page_size if spec.paginated else None,
        _client=client,
    )


def build(
    names: Iterable[str] | None = None,
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    subjects: Subjects | None = None,
) -> list[Scenario]:
    """The named scenarios (all by default, in the registry's order), ready to call."""
    wanted = check_names(names)
    check_page_size(page_size)
    subjects = subjects or pick_subjects()
    from django.test import Client

    client = Client()
    ids = subjects.as_dict()
    return [make(SCENARIOS[n], ids, page_size=page_size, client=client) for n in wanted]


# --------------------------------------------------------------------------- mixed workload


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
    clients = [c for c, _ in _ranked_clients()[:depth]]
    freelancers = [f for f, _ in _ranked_freelancers()[:depth]]
    jobs = list(_published_jobs().values_list("id", "client_id")[:depth])
    reviewed = (
        list(
            Review.objects.filter(reviewed__is_active=True)
            .values("reviewed_id")
            .annotate(n=Count("id"))
            .order_by("-n", "reviewed_id")
            .values_list("reviewed_id", flat=True)[:depth]
        )
        or freelancers
    )
    if not (clients and freelancers and jobs):
        raise NoData("no data for a mixed workload: seed first")
    active_clients = set(
        _active(Profile.Role.CLIENT)
        .filter(pk__in=[c for _, c in jobs])
        .values_list("pk", flat=True)
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


class _Writes:
    """API writes that invalidate cached answers: save/unsave, apply, edit a job."""

    def __init__(self, depth: int) -> None:
        from django.test import Client

        from marketplace.api.auth import token_for

        self.client = Client()
        self.token = lambda user_id: {"Authorization": f"Bearer {token_for(User(pk=user_id))}"}
        self.freelancers = [f for f, _ in _ranked_freelancers()[:depth]]
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


def _process_counters() -> dict[str, int]:
    from marketplace.cache import counters

    snapshot = counters.snapshot()
    return {"hits": snapshot["hits"], "misses": snapshot["misses"]}


def _redis_counters() -> dict[str, int] | None:
    import marketplace.cache

    redis = marketplace.cache.stats()["redis"]
    if redis is None:
        return None
    return {"hits": redis["keyspace_hits"], "misses": redis["keyspace_misses"]}


def cache_probe() -> dict[str, int | None]:
    """Cumulative cache counters: this process's lookups, and Redis's own (server-wide)."""
    redis = _redis_counters()
    return {
        **_process_counters(),
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
) -> dict[str, Any]:
    """The cache's hit rate under skewed reads and API writes, in its steady state.

    Runs under whatever variant is active, from an empty cache: ``warmup`` operations of
    the same traffic first (not counted), then ``requests`` counted ones. Everything it
    writes is rolled back, and the cache is cleared before and after (entries computed
    from rolled-back rows must not be served afterwards), so the database is left as it
    was.
    """
    import marketplace.cache
    from analysis.dbcpu import CpuMeter
    from analysis.workload import run_mixed

    reads = read_pool(depth, page_size=page_size, names=names)
    writes = _Writes(depth).ops() if write_share > 0 else []
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
                cpu=CpuMeter.for_connection(),
            )
            transaction.set_rollback(True)
    finally:
        marketplace.cache.clear()
    return {**result.as_dict(), "depth": depth}


# --------------------------------------------------------------------------- measuring


def measure(
    names: Iterable[str] | None = None,
    variants: Iterable[str] | None = None,
    *,
    repeat: int = 5,
    warmup: int = 1,
    page_size: int = DEFAULT_PAGE_SIZE,
    explain: bool = True,
    mixed_requests: int = MIXED_REQUESTS,
    write_share: float = WRITE_SHARE,
    zipf_s: float = ZIPF_S,
    mixed_warmup: int = MIXED_WARMUP,
    depth: int = DEPTH,
    seed: int = 42,
    mixed_variants: Iterable[str] | None = None,
    context: Mapping[str, Any] | None = None,
    reference: MeasureResult | None = None,
    progress: Callable[[str], None] | None = None,
) -> MeasureResult:
    """Every named scenario under every named variant (all of both by default).

    Changes the plan's indexes as the variants require (DDL: check ownership first) and
    puts them back as they were at the end. ``mixed_requests=0`` skips the mixed
    workload; otherwise it runs under each variant in ``mixed_variants`` (default: those
    with caching on; name them all to compare database time under the same traffic).
    ``reference``: an earlier result with the baseline (``analysis.measure.load``) that
    the variants' plan diffs and disappeared queries are computed against.
    """
    from workbench.study import variants as marketplace_variants

    chosen = marketplace_variants.select(variants)
    subjects = pick_subjects()
    runnable = build(names, page_size=page_size, subjects=subjects)
    if mixed_variants is None:
        mixed_variants = [n for n, v in chosen.items() if v.cache]
    mixed_variants = [n for n in mixed_variants if n in chosen] if mixed_requests > 0 else []

    def mixed() -> dict[str, Any]:
        return mixed_workload(
            requests=mixed_requests,
            write_share=write_share,
            zipf_s=zipf_s,
            warmup=mixed_warmup,
            depth=depth,
            seed=seed,
            page_size=page_size,
        )

    with marketplace_variants.restoring() as before:
        result = run_measure(
            runnable,
            chosen,
            repeat=repeat,
            warmup=warmup,
            classify=classify,
            explain=explain,
            cache_probe=cache_probe,
            mixed=mixed,
            mixed_variants=mixed_variants,
            reference=reference,
            parameters={
                "page_size": page_size,
                "mixed_requests": mixed_requests,
                "write_share": write_share,
                "zipf_s": zipf_s,
                "mixed_warmup": mixed_warmup,
                "depth": depth,
                "seed": seed,
            },
            progress=progress,
        )
    result.context.update(
        {
            "subjects": subjects.as_dict(),
            "index_state_before": before,
            "query_rules": [asdict(rule) for rule in RULES],
            **(context or {}),
        }
    )
    return result


__all__ = [
    "PERSONAS",
    "RULES",
    "SCENARIOS",
    "SPECS",
    "NoData",
    "Scenario",
    "ScenarioFailed",
    "Spec",
    "Subjects",
    "build",
    "cache_probe",
    "classify",
    "make",
    "measure",
    "mixed_workload",
    "pick_subjects",
    "read_pool",
]
