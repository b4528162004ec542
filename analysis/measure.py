"""Run named scenarios under named variants and record what each one costs.

Generic: it knows nothing of the marketplace. A *scenario* is any object with a ``name``
that can be called (or a ``(name, callable)`` pair); it may offer ``describe()`` for the
results. A *variant* is a name and a factory returning a context manager that puts the
system in that state (indexes built, a switch on, a cache cleared). ``around`` is one
more context manager the whole run happens in, e.g. one that restores the database's
index state afterwards.

    result = measure(scenarios, {"baseline": base, "eager": eager}, repeat=5, warmup=1)
    result.frame()          # one row per scenario x variant x repeat
    result.summary_frame()  # one row per scenario x variant
    result.write("results/run1")

For each variant (in the order given; the baseline first so others can be diffed
against it) and each scenario: ``warmup`` untimed calls, then ``repeat`` timed calls,
each inside ``analysis.capture.capture``. Per call it records the wall time, every query
(classified by ``classify`` into ``data``, ``count``, ``auth`` or ``control``), the
driver-side query time, the N+1 findings, the server's CPU (``analysis.dbcpu``) and the
cache counters from ``cache_probe``. Then each distinct statement shape (fingerprint) of
the timed calls is run once more under ``EXPLAIN (ANALYZE, BUFFERS)``: the baseline's
plans are kept, every other variant's plan is diffed against the baseline's plan of the
same fingerprint (``analysis.plandiff``), and the baseline fingerprints a variant no
longer issues are listed as *disappeared*. ``mixed`` (optional) runs inside each variant
named in ``mixed_variants`` after the scenarios, typically ``analysis.workload.run_mixed``
for the cache hit rate under realistic traffic.

Results folder (``MeasureResult.write``)
----------------------------------------
``measurements.parquet``: one row per scenario x variant x repeat, columns ``scenario,
variant, repeat, wall_ms, queries, data_queries, count_queries, auth_queries,
control_queries, db_ms, db_cpu_ms, n_plus_one, cache_hits, cache_misses, fingerprints``.

``results.json``::

    {"schema_version": 1,
     "parameters": {"repeat", "warmup", "variants", "scenarios", ...caller's extras},
     "db_cpu": {"method", "description"},   # backend_schedstat | backend_stat |
                                             # pg_stat_statements | unavailable
     "context": {...},                       # the caller's (scale, index state, ...)
     "scenarios": [
       {"name", ...describe(),
        "variants": {"<variant>": {
           "queries", "data_queries", "count_queries", "auth_queries", "control_queries",
           "n_plus_one",                      # medians over the timed calls
           "p50_ms", "p95_ms", "mean_ms", "min_ms", "max_ms",   # wall time
           "db_ms",                           # median of summed query durations
           "db_cpu_ms",                       # median per call, null if unavailable
           "cache": {"hit_rate", "hits", "misses", "reads", "writes",
                     "redis_hits", "redis_misses"},   # over the timed calls
           "n_plus_one_details": [{"message", "count", "call_site", "relation", "fix",
                                   "fingerprint", "total_ms"}],
           "plans": [{"fingerprint", "sql", "call_site", "per_call", "seen_in",
                      "execution_ms", "planning_ms", "summary", "file", "error"}],
           "plan_diffs": [{"fingerprint", "sql", "verdict", "summary"}],  # not in baseline
           "statements": [{"fingerprint", "sql", "call_site", "per_call"}],  # timed calls
           "disappeared": [{"fingerprint", "sql", "call_site", "per_call"}]}}}],
     "cache": {"hit_rate", "hits", "misses", "reads", "writes", "redis_hits",
               "redis_misses", ..., "variant"},   # the mixed run of the last cache variant
     "mixed": {"<variant>": {...}}}             # every mixed run

``plans/<scenario>/<variant>/<fingerprint>.json``: the EXPLAIN document, with the SQL
and parameters it was run with.

A folder written earlier can be read back with :func:`load` and passed to a later run as
``reference``: its baseline's plans and statements are what that run's variants are
diffed against, so a notebook measuring one variant does not re-measure the baseline
(the notebooks of ``workbench report`` run in separate kernels and hand results on
through the run folder).

Per scenario and variant, ``queries`` counts everything; ``data_queries`` leaves out the
pagination ``count``, the ``auth`` lookups of the caller and transaction ``control``
(savepoints), which is what the "1 to 2 queries per endpoint" target is about.
``summary_scenarios()`` gives the figures summary.json wants.
"""

from __future__ import annotations

import json
import math
import statistics
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analysis.callsite import relative_path
from analysis.capture import CaptureRun, QueryRecord, capture
from analysis.dbcpu import CpuMeter
from analysis.errors import AnalysisError
from analysis.fingerprint import brief

SCHEMA_VERSION = 1
CATEGORIES = ("data", "count", "auth", "control")
CONTROL_KINDS = frozenset(
    {"SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT", "SET", "RESET", "SHOW"}
)
EXPLAINED_KINDS = ("SELECT", "WITH")
RUN_COLUMNS = [
    "scenario",
    "variant",
    "repeat",
    "wall_ms",
    "queries",
    "data_queries",
    "count_queries",
    "auth_queries",
    "control_queries",
    "db_ms",
    "db_cpu_ms",
    "n_plus_one",
    "cache_hits",
    "cache_misses",
    "fingerprints",
]
SUMMARY_FIGURES = (
    "queries",
    "data_queries",
    "count_queries",
    "auth_queries",
    "n_plus_one",
    "p50_ms",
    "p95_ms",
    "db_ms",
    "db_cpu_ms",
)

Classifier = Callable[[QueryRecord], str]
VariantFactory = Callable[[], AbstractContextManager]


class MeasureError(AnalysisError):
    """A scenario failed or the run was set up wrong; the message names which."""


# --------------------------------------------------------------------------- classifying


@dataclass(frozen=True)
class Rule:
    """Queries issued from ``file`` (a path suffix, e.g. ``pkg/auth.py``) belong to ``category``.

    ``function`` narrows it to one function, ``prefix`` to statements that start with
    that text and ``contains`` to statements that hold it (both case-insensitive), e.g.
    ``prefix="SELECT COUNT(*)"`` for a paginator's count but not a page whose select list
    has a ``COUNT(...)`` subquery.
    """

    category: str
    file: str | None = None
    function: str | None = None
    contains: str | None = None
    prefix: str | None = None

    def matches(self, record: QueryRecord) -> bool:
        if self.file is not None and not relative_path(record.file).endswith(self.file):
            return False
        if self.function is not None and record.function != self.function:
            return False
        if self.prefix is not None and not record.sql.lstrip().lower().startswith(
            self.prefix.lower()
        ):
            return False
        return self.contains is None or self.contains.lower() in record.sql.lower()


def classifier(rules: Sequence[Rule] = ()) -> Classifier:
    """Transaction control first, then the first matching rule, else ``data``."""
    for rule in rules:
        if rule.category not in CATEGORIES:
            raise MeasureError(f"unknown query category {rule.category!r}: use {CATEGORIES}")

    def classify(record: QueryRecord) -> str:
        if record.kind in CONTROL_KINDS:
            return "control"
        for rule in rules:
            if rule.matches(record):
                return rule.category
        return "data"

    return classify


# --------------------------------------------------------------------------- statistics


def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default), ``q`` from 0 to 100."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100.0
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _median(values: Iterable[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return statistics.median(present) if present else None


def _round(value: float | None, digits: int = 3) -> float | None:
    return None if value is None else round(value, digits)


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class _Named:
    name: str
    call: Callable[[], Any]

    def __call__(self) -> Any:
        return self.call()


def _as_scenario(item: Any) -> Any:
    if isinstance(item, tuple) and len(item) == 2 and callable(item[1]):
        return _Named(str(item[0]), item[1])
    if not isinstance(getattr(item, "name", None), str) or not callable(item):
        raise MeasureError(f"a scenario needs a name and must be callable, got {item!r}")
    return item


def _describe(scenario: Any) -> dict[str, Any]:
    describe = getattr(scenario, "describe", None)
    return dict(describe()) if callable(describe) else {}


# --------------------------------------------------------------------------- one call


@dataclass
class _Call:
    wall_ms: float
    run: CaptureRun
    categories: dict[str, int]
    cpu_ms: float | None
    cache_hits: int | None
    cache_misses: int | None
    redis_hits: int | None
    redis_misses: int | None
    n_plus_one: int


def _diff(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, key: str):
    if not before or not after or before.get(key) is None or after.get(key) is None:
        return None
    return int(after[key]) - int(before[key])


class _Runner:
    def __init__(
        self,
        classify: Classifier,
        cpu: CpuMeter | None,
        cache_probe: Callable[[], Mapping[str, Any]] | None,
        n_plus_one_threshold: int,
    ) -> None:
        self.classify = classify
        self.cpu = cpu
        self.cache_probe = cache_probe
        self.threshold = n_plus_one_threshold

    def call(self, scenario: Any) -> _Call:
        probe_before = self.cache_probe() if self.cache_probe else None
        cpu_before = self.cpu.read() if self.cpu is not None else None
        with capture(label=scenario.name) as run:
            started = time.perf_counter()
            scenario()
            wall_ms = (time.perf_counter() - started) * 1000.0
        cpu_ms = self.cpu.elapsed_ms(cpu_before) if self.cpu is not None else None
        probe_after = self.cache_probe() if self.cache_probe else None
        categories = dict.fromkeys(CATEGORIES, 0)
        for record in run.queries:
            categories[self.classify(record)] += 1
        return _Call(
            wall_ms=wall_ms,
            run=run,
            categories=categories,
            cpu_ms=cpu_ms,
            cache_hits=_diff(probe_before, probe_after, "hits"),
            cache_misses=_diff(probe_before, probe_after, "misses"),
            redis_hits=_diff(probe_before, probe_after, "redis_hits"),
            redis_misses=_diff(probe_before, probe_after, "redis_misses"),
            n_plus_one=len(run.n_plus_one(threshold=self.threshold)),
        )


# --------------------------------------------------------------------------- plans


def _explainable(records: Iterable[QueryRecord]) -> dict[str, tuple[QueryRecord, int]]:
    """First record and count of every fingerprint a plan can be asked for, in order."""
    out: dict[str, tuple[QueryRecord, int]] = {}
    for record in records:
        if record.many or record.error or record.kind not in EXPLAINED_KINDS:
            continue
        fp = record.fingerprint
        first, count = out.get(fp, (record, 0))
        out[fp] = (first, count + 1)
    return out


def _fingerprints(records: Iterable[QueryRecord]) -> dict[str, tuple[QueryRecord, int]]:
    out: dict[str, tuple[QueryRecord, int]] = {}
    for record in records:
        if record.kind in CONTROL_KINDS:
            continue
        first, count = out.get(record.fingerprint, (record, 0))
        out[record.fingerprint] = (first, count + 1)
    return out


def _json_params(params: Any) -> Any:
    try:
        json.dumps(params)
        return params
    except TypeError:
        return json.loads(json.dumps(params, default=str))


# --------------------------------------------------------------------------- result


class MeasureResult:
    """Everything one run measured: rows per call, figures per scenario and variant, plans."""

    def __init__(self, parameters: dict[str, Any], db_cpu: dict[str, str]) -> None:
        self.parameters = parameters
        self.db_cpu = db_cpu
        self.context: dict[str, Any] = {}
        self.rows: list[dict[str, Any]] = []
        self.scenarios: dict[str, dict[str, Any]] = {}  # name -> {..., "variants": {}}
        self.plan_documents: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.mixed: dict[str, dict[str, Any]] = {}
        self.source: Path | None = None  # the folder it was read from, if any

    # ----------------------------------------------------------------- accessors

    def figures(self, scenario: str, variant: str) -> dict[str, Any]:
        return self.scenarios[scenario]["variants"][variant]

    @property
    def cache(self) -> dict[str, Any]:
        """The mixed workload of the last variant that measured a hit rate (else null)."""
        measured = [(v, f) for v, f in self.mixed.items() if f.get("hit_rate") is not None]
        if not measured:
            return {"hit_rate": None}
        variant, figures = measured[-1]
        return {**{k: v for k, v in figures.items() if k != "by_read"}, "variant": variant}

    def frame(self):
        """One row per scenario x variant x timed call."""
        import pandas as pd

        return pd.DataFrame(self.rows, columns=RUN_COLUMNS)

    def summary_frame(self):
        """One row per scenario x variant with the headline figures."""
        import pandas as pd

        rows = [
            {"scenario": name, "variant": variant, **{k: f.get(k) for k in SUMMARY_FIGURES}}
            for name, scenario in self.scenarios.items()
            for variant, f in scenario["variants"].items()
        ]
        return pd.DataFrame(rows, columns=["scenario", "variant", *SUMMARY_FIGURES])

    def summary_scenarios(self) -> list[dict[str, Any]]:
        """``[{name, variants: {v: {queries, n_plus_one, p50_ms, p95_ms, db_ms, db_cpu_ms}}}]``."""
        keys = ("queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms", "db_cpu_ms")
        return [
            {
                "name": name,
                "variants": {
                    variant: {k: f[k] for k in keys} for variant, f in scenario["variants"].items()
                },
            }
            for name, scenario in self.scenarios.items()
        ]

    def as_dict(self) -> dict[str, Any]:
        return {
            "schema_version": SCHEMA_VERSION,
            "parameters": self.parameters,
            "db_cpu": self.db_cpu,
            "context": self.context,
            "scenarios": [{"name": n, **s} for n, s in self.scenarios.items()],
            "cache": self.cache,
            "mixed": self.mixed,
        }

    def write(self, out: str | Path) -> Path:
        """measurements.parquet, results.json and plans/ under ``out`` (created if needed)."""
        out = Path(out)
        out.mkdir(parents=True, exist_ok=True)
        self.frame().to_parquet(out / "measurements.parquet", index=False)
        (out / "results.json").write_text(json.dumps(self.as_dict(), indent=2, default=str))
        for (scenario, variant, fp), document in self.plan_documents.items():
            target = out / "plans" / scenario / variant / f"{fp}.json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(document, indent=1, default=str))
        return out

    @classmethod
    def read(cls, folder: str | Path) -> MeasureResult:
        """A results folder written by :meth:`write`, back as a result (plans included)."""
        folder = Path(folder)
        try:
            data = json.loads((folder / "results.json").read_text())
        except FileNotFoundError:
            raise MeasureError(f"no measurement in {folder} (results.json is missing)") from None
        except (OSError, ValueError) as exc:
            raise MeasureError(f"cannot read {folder / 'results.json'}: {exc}") from None
        if data.get("schema_version") != SCHEMA_VERSION:
            raise MeasureError(
                f"{folder / 'results.json'} has schema version {data.get('schema_version')!r}, "
                f"this workbench reads {SCHEMA_VERSION}"
            )
        result = cls(data.get("parameters", {}), data.get("db_cpu", {}))
        result.context = data.get("context", {})
        result.scenarios = {
            s["name"]: {k: v for k, v in s.items() if k != "name"} for s in data["scenarios"]
        }
        result.mixed = data.get("mixed", {})
        result.source = folder
        table = folder / "measurements.parquet"
        if table.exists():
            import pandas as pd

            frame = pd.read_parquet(table)
            result.rows = [
                {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
                for row in frame.to_dict("records")
            ]
        for path in sorted((folder / "plans").glob("*/*/*.json")):
            document = json.loads(path.read_text())
            key = (document["scenario"], document["variant"], document["fingerprint"])
            result.plan_documents[key] = document
        return result

    def baseline_reference(
        self, baseline: str = "baseline"
    ) -> tuple[dict[tuple[str, str], Any], dict[str, dict[str, dict[str, Any]]]]:
        """The baseline's plans by (scenario, fingerprint) and statements by scenario."""
        plans = {
            (scenario, fp): document["plan"]
            for (scenario, variant, fp), document in self.plan_documents.items()
            if variant == baseline
        }
        statements = {}
        for name, scenario in self.scenarios.items():
            figures = scenario["variants"].get(baseline)
            if figures is not None:
                listed = figures.get("statements") or figures.get("plans") or []
                statements[name] = {s["fingerprint"]: s for s in listed}
        return plans, statements

    def _repr_html_(self) -> str:
        return self.summary_frame().to_html(index=False)


def load(folder: str | Path) -> MeasureResult:
    """Read a results folder (``results.json``, ``measurements.parquet``, ``plans/``)."""
    return MeasureResult.read(folder)


# --------------------------------------------------------------------------- the run


def _figures(calls: list[_Call]) -> dict[str, Any]:
    walls = [c.wall_ms for c in calls]

    def med_int(values: Iterable[float]) -> int:
        return int(round(statistics.median(list(values))))

    def total(attr: str) -> int | None:
        values = [getattr(c, attr) for c in calls]
        return None if any(v is None for v in values) else sum(values)

    hits, misses = total("cache_hits"), total("cache_misses")
    lookups = (hits or 0) + (misses or 0)
    return {
        "queries": med_int(len(c.run.queries) for c in calls),
        "data_queries": med_int(c.categories["data"] for c in calls),
        "count_queries": med_int(c.categories["count"] for c in calls),
        "auth_queries": med_int(c.categories["auth"] for c in calls),
        "control_queries": med_int(c.categories["control"] for c in calls),
        "n_plus_one": med_int(c.n_plus_one for c in calls),
        "p50_ms": round(percentile(walls, 50), 3),
        "p95_ms": round(percentile(walls, 95), 3),
        "mean_ms": round(statistics.fmean(walls), 3),
        "min_ms": round(min(walls), 3),
        "max_ms": round(max(walls), 3),
        "db_ms": round(float(statistics.median(c.run.total_ms for c in calls)), 3),
        "db_cpu_ms": _round(_median(c.cpu_ms for c in calls)),
        "cache": {
            "hit_rate": round(hits / lookups, 4) if hits is not None and lookups else None,
            "hits": hits,
            "misses": misses,
            "reads": len(calls),
            "writes": 0,
            "redis_hits": total("redis_hits"),
            "redis_misses": total("redis_misses"),
        },
    }


def _n_plus_one_details(run: CaptureRun, threshold: int) -> list[dict[str, Any]]:
    return [
        {
            "message": f.message,
            "count": f.count,
            "call_site": f.call_site.short,
            "relation": f.relation.description,
            "fix": f.fix,
            "fingerprint": f.fingerprint,
            "total_ms": round(f.total_ms, 3),
        }
        for f in run.n_plus_one(threshold=threshold)
    ]


def measure(
    scenarios: Iterable[Any],
    variants: Mapping[str, VariantFactory],
    *,
    repeat: int = 5,
    warmup: int = 1,
    classify: Classifier | None = None,
    explain: bool = True,
    explain_runs: int = 1,
    cpu: CpuMeter | None | bool = True,
    cache_probe: Callable[[], Mapping[str, Any]] | None = None,
    mixed: Callable[[], Mapping[str, Any]] | None = None,
    mixed_variants: Iterable[str] = (),
    around: AbstractContextManager | None = None,
    baseline: str = "baseline",
    reference: MeasureResult | None = None,
    n_plus_one_threshold: int = 2,
    parameters: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
) -> MeasureResult:
    """Measure every scenario under every variant; see the module docstring for the output.

    ``cpu=True`` probes the best database CPU method, ``False``/``None`` skips it, or pass
    a :class:`CpuMeter`. ``cache_probe`` returns cumulative ``hits``/``misses`` (and
    optionally ``redis_hits``/``redis_misses``) of the application's cache.
    ``reference`` is an earlier result holding the ``baseline`` variant (e.g. read with
    :func:`load`): when this run does not measure the baseline itself, its variants'
    plan diffs and disappeared statements are computed against that one.
    """
    scenarios = [_as_scenario(s) for s in scenarios]
    names = [s.name for s in scenarios]
    if not scenarios:
        raise MeasureError("no scenarios to measure")
    if len(set(names)) != len(names):
        raise MeasureError(f"scenario names must be unique: {names}")
    if not variants:
        raise MeasureError("no variants to measure")
    if repeat < 1:
        raise MeasureError(f"repeat must be at least 1, got {repeat}")
    if warmup < 0:
        raise MeasureError(f"warmup must be 0 or more, got {warmup}")
    mixed_variants = set(mixed_variants)
    unknown = sorted(mixed_variants - set(variants))
    if unknown:
        raise MeasureError(f"mixed workload for variants not measured: {', '.join(unknown)}")
    say = progress or (lambda message: None)
    classify = classify or classifier()

    with around if around is not None else nullcontext():
        meter = CpuMeter.for_connection() if cpu is True else (cpu or None)
        result = MeasureResult(
            {
                "repeat": repeat,
                "warmup": warmup,
                "variants": list(variants),
                "scenarios": names,
                "explain": explain,
                **(parameters or {}),
            },
            meter.as_dict() if meter is not None else {"method": "not measured"},
        )
        for scenario in scenarios:
            result.scenarios[scenario.name] = {**_describe(scenario), "variants": {}}
        runner = _Runner(classify, meter, cache_probe, n_plus_one_threshold)
        baseline_plans: dict[tuple[str, str], Any] = {}
        baseline_fps: dict[str, dict[str, dict[str, Any]]] = {}
        if reference is not None and baseline not in variants:
            baseline_plans, baseline_fps = reference.baseline_reference(baseline)
            if reference.source is not None:
                result.context["baseline_from"] = str(reference.source)
        for variant, factory in variants.items():
            with ExitStack() as stack:
                stack.enter_context(factory())
                for scenario in scenarios:
                    calls, warm = _run_scenario(runner, scenario, variant, repeat, warmup)
                    figures = _figures(calls)
                    figures["n_plus_one_details"] = _n_plus_one_details(
                        calls[0].run, n_plus_one_threshold
                    )
                    records = [q for c in calls for q in c.run.queries]
                    _plans(
                        result,
                        figures,
                        scenario.name,
                        variant,
                        records,
                        warm,
                        calls=len(calls),
                        explain=explain,
                        explain_runs=explain_runs,
                        is_baseline=variant == baseline,
                        baseline_plans=baseline_plans,
                        baseline_fps=baseline_fps,
                    )
                    result.scenarios[scenario.name]["variants"][variant] = figures
                    for i, call in enumerate(calls):
                        result.rows.append(_row(scenario.name, variant, i, call))
                    say(
                        f"{variant:<9} {scenario.name:<17} queries {figures['queries']:>4} "
                        f"(data {figures['data_queries']}) n+1 {figures['n_plus_one']:>2} "
                        f"p50 {figures['p50_ms']:8.2f} ms p95 {figures['p95_ms']:8.2f} ms"
                    )
                if mixed is not None and variant in mixed_variants:
                    say(f"{variant:<9} mixed workload ...")
                    result.mixed[variant] = dict(mixed())
                    rate = result.mixed[variant].get("hit_rate")
                    say(f"{variant:<9} mixed workload hit rate {rate}")
    return result


def _run_scenario(
    runner: _Runner, scenario: Any, variant: str, repeat: int, warmup: int
) -> tuple[list[_Call], list[QueryRecord]]:
    """The timed calls, and the queries of the first warm-up call (a cold cache's misses)."""
    calls, warm = [], []
    try:
        for i in range(warmup):
            if i == 0:
                with capture(label=scenario.name) as run:
                    scenario()
                warm = run.queries
            else:
                scenario()
        for _ in range(repeat):
            calls.append(runner.call(scenario))
    except AssertionError as exc:
        raise MeasureError(f"scenario {scenario.name!r} failed under {variant!r}: {exc}") from None
    return calls, warm


def _row(scenario: str, variant: str, index: int, call: _Call) -> dict[str, Any]:
    return {
        "scenario": scenario,
        "variant": variant,
        "repeat": index,
        "wall_ms": call.wall_ms,
        "queries": len(call.run.queries),
        "data_queries": call.categories["data"],
        "count_queries": call.categories["count"],
        "auth_queries": call.categories["auth"],
        "control_queries": call.categories["control"],
        "db_ms": call.run.total_ms,
        "db_cpu_ms": call.cpu_ms,
        "n_plus_one": call.n_plus_one,
        "cache_hits": call.cache_hits,
        "cache_misses": call.cache_misses,
        "fingerprints": len({q.fingerprint for q in call.run.queries}),
    }


def _plans(
    result: MeasureResult,
    figures: dict[str, Any],
    scenario: str,
    variant: str,
    records: list[QueryRecord],
    warm: list[QueryRecord],
    *,
    calls: int,
    explain: bool,
    explain_runs: int,
    is_baseline: bool,
    baseline_plans: dict[tuple[str, str], Any],
    baseline_fps: dict[str, dict[str, dict[str, Any]]],
) -> None:
    from analysis.explain import ExplainError
    from analysis.explain import explain as run_explain
    from analysis.plandiff import diff_plans

    seen = {
        fp: {
            "fingerprint": fp,
            "sql": brief(r.sql),
            "call_site": r.call_site.short,
            "per_call": round(n / calls, 2),
        }
        for fp, (r, n) in _fingerprints(records).items()
    }
    plans, diffs = [], []
    timed = _explainable(records)
    # Statements only the first warm-up call issued: what a cache miss costs.
    cold = {fp: (r, 0) for fp, (r, _) in _explainable(warm).items() if fp not in timed}
    if explain:
        for fp, (record, count) in {**timed, **cold}.items():
            entry: dict[str, Any] = {
                "fingerprint": fp,
                "sql": brief(record.sql),
                "call_site": record.call_site.short,
                "per_call": round(count / calls, 2),
                "seen_in": "timed" if fp in timed else "warmup",
            }
            try:
                explained = run_explain(record, runs=explain_runs)
            except ExplainError as exc:
                entry["error"] = str(exc)
                plans.append(entry)
                continue
            file = f"plans/{scenario}/{variant}/{fp}.json"
            entry.update(
                execution_ms=_round(explained.execution_ms),
                planning_ms=_round(explained.planning_ms),
                summary=explained.plan.summary(),
                file=file,
            )
            plans.append(entry)
            result.plan_documents[(scenario, variant, fp)] = {
                "scenario": scenario,
                "variant": variant,
                "fingerprint": fp,
                "sql": record.sql,
                "params": _json_params(record.params),
                "call_site": record.call_site.short,
                "plan": explained.document,
            }
            if is_baseline:
                baseline_plans[(scenario, fp)] = explained
            elif (scenario, fp) in baseline_plans:
                diff = diff_plans(baseline_plans[(scenario, fp)], explained)
                diffs.append(
                    {
                        "fingerprint": fp,
                        "sql": entry["sql"],
                        "verdict": diff.verdict,
                        "summary": diff.summary,
                    }
                )
    figures["plans"] = plans
    figures["plan_diffs"] = diffs
    figures["statements"] = list(seen.values())
    if is_baseline:
        baseline_fps[scenario] = seen
        figures["disappeared"] = []
    elif scenario in baseline_fps:
        figures["disappeared"] = [
            {k: statement.get(k) for k in ("fingerprint", "sql", "call_site", "per_call")}
            for fp, statement in baseline_fps[scenario].items()
            if fp not in seen
        ]
    else:
        figures["disappeared"] = []
