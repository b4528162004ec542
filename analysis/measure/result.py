"""What a measuring run recorded, and the results folder it is written to and read from.

Results folder (``MeasureResult.write``)
----------------------------------------
``measurements.parquet``: one row per scenario x variant x timed call, columns
``scenario, variant, repeat`` (the call's index in its cell), ``round`` (the interleaved
round it ran in, from 0), ``wall_ms, hit`` (true: read the cache and missed nothing,
false: missed, null: read no cache), ``queries, data_queries, count_queries,
auth_queries, control_queries, db_ms, db_cpu_ms, n_plus_one, cache_hits, cache_misses,
fingerprints``.

``results.json``::

    {"schema_version": 1,
     "parameters": {"repeat", "rounds", "time_box", "min_effect", "warmup", "variants",
                    "scenarios", "baseline", ...caller's extras},
     "db_cpu": {"method", "description"},   # backend_schedstat | backend_stat |
                                             # pg_stat_statements | unavailable
     "context": {...},                       # the caller's (scale, index state, ...)
     "scenarios": [
       {"name", ...describe(),
        "variants": {"<variant>": {
           "measured_on",                     # "isolated": one scenario at a time
           "samples", "rounds",               # timed calls, and the rounds they came from
           "queries", "data_queries", "count_queries", "auth_queries", "control_queries",
           "n_plus_one",                      # medians over the timed calls
           "p50_ms", "p95_ms", "mean_ms", "min_ms", "max_ms",   # wall time
           "p50_ci", "p95_ci", "p99_ms", "p99_ci",  # 95% bootstrap [low, high], null < 2
           "speedup": {"q", "speedup", "ci", "verdict", "samples"},  # not the baseline;
                                              # analysis.stats.judge(baseline, this, 50);
                                              # null when no baseline calls to judge by
           "hit", "miss": {"samples", "p50_ms", "p50_ci", "p95_ms", "p95_ci"},  # or null
           "db_ms",                           # median of summed query durations
           "db_cpu_ms",                       # median per call, null if unavailable
           "cache": {"hit_rate", "hits", "misses", "reads", "writes",
                     "redis_hits", "redis_misses"},   # over the timed calls
           "n_plus_one_details": [{"message", "count", "call_site", "relation", "fix",
                                   "path", "queryset", "loop_site",
                                   "serializer_field", "view", "fix_in",  # DRF fields
                                   "fingerprint", "total_ms"}],
           "plans": [{"fingerprint", "sql", "call_site", "per_call", "seen_in",
                      "execution_ms", "planning_ms", "summary", "file", "error"}],
           "plan_diffs": [{"fingerprint", "sql", "verdict", "summary"}],  # not the baseline
           "statements": [{"fingerprint", "sql", "call_site", "per_call"}],  # timed calls
           "disappeared": [{"fingerprint", "sql", "call_site", "per_call"}]}}}],
     "cache": {"hit_rate", "hits", "misses", "reads", "writes", "redis_hits",
               "redis_misses", ..., "variant"},   # the last mixed run with a hit rate
     "mixed": {"<variant>": {...}}}             # every mixed run

``plans/<scenario>/<variant>/<fingerprint>.json``: the EXPLAIN document, with the SQL
and parameters it was run with.

A folder written earlier can be read back with :func:`load` and passed to a later run as
``reference``: its baseline's plans and statements are what that run's variants are
diffed against, so a later process measuring one variant does not re-measure the
baseline.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from analysis.measure.errors import MeasureError

SCHEMA_VERSION = 1
RUN_COLUMNS = [
    "scenario",
    "variant",
    "repeat",
    "round",
    "wall_ms",
    "hit",
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
    "samples",
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
CONTRACT_FIGURES = (
    "measured_on",
    "samples",
    "rounds",
    "p50_ci",
    "p95_ci",
    "p99_ms",
    "p99_ci",
    "speedup",
    "hit",
    "miss",
)
"""The figures of a cell about how it was measured and how sure it is (issue 12's contract)."""


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

    def walls(self, scenario: str, variant: str, hit: bool | None = None) -> list[float]:
        """The wall times (ms) of the timed calls of a cell, in order; ``hit=True``/``False``
        keeps only the cache's hits / misses."""
        return [
            r["wall_ms"]
            for r in self.rows
            if r["scenario"] == scenario
            and r["variant"] == variant
            and (hit is None or (r.get("hit") is not None and bool(r["hit"]) == hit))
        ]

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
        """``[{name, variants: {v: {queries, n_plus_one, p50_ms, p95_ms, db_ms, db_cpu_ms,
        ...CONTRACT_FIGURES}}}]`` (a figure an older results folder lacks is left out)."""
        keys = ("queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms", "db_cpu_ms")
        return [
            {
                "name": name,
                "variants": {
                    variant: {
                        **{k: f[k] for k in keys},
                        **{k: f[k] for k in CONTRACT_FIGURES if k in f},
                    }
                    for variant, f in scenario["variants"].items()
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
        self, baseline: str
    ) -> tuple[dict[tuple[str, str], Any], dict[str, dict[str, dict[str, Any]]]]:
        """The plans of variant ``baseline`` by (scenario, fingerprint), statements by scenario."""
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
