"""The report's run folder: what each notebook leaves there, and the tables built from it.

``workbench report`` runs every notebook in its own kernel, so the notebooks hand their
results on through files in the run folder (``results_dir``), never through memory:

| file or folder        | written by        | what it is                                          |
|-----------------------|-------------------|-----------------------------------------------------|
| ``seed.json``         | 01_seed           | rows per table and the seeding times                |
| ``02_baseline/``      | 02_baseline       | a ``MeasureResult`` folder (``analysis.measure``)   |
| ``03_indexes/``       | 03_indexes        | the same, for the ``indexes`` variant               |
| ``index_audit.json``  | 03_indexes        | the audit's records, one per judged index           |
| ``advice.json``       | 03_indexes        | the advisor: index set, candidates, final check     |
| ``migrations/``       | 03_indexes        | the recommended index set as Django migrations      |
| ``04_eager_loading/`` | 04_eager_loading  | the ``eager`` variant                               |
| ``page_sizes.json``   | 04_eager_loading  | query counts at two page sizes                      |
| ``05_caching/``       | 05_caching        | the ``cache`` and ``all`` variants, mixed workload  |
| ``cache.json``        | 05_caching        | the hit rate under the mixed workload               |
| ``summary.json``      | 06_report         | everything above, in the schema of workbench.report.summary |
| ``timings.json``      | the runner        | seconds per notebook, per cell (slowest first) and rendering |

02 measures every variant, interleaved in rounds (``workbench.study.measure``: drift on a
busy machine must not land on whichever variant runs last), and each later notebook
takes its own variants from that run (:func:`load_baseline`, :func:`subset`), measuring
them here only when 02's run does not fit (a notebook run on its own); :func:`collect`
merges every stage for 06. The tables
(``workbench.report.tables``) and charts (``workbench.report.figures``) are built from
these results only, so everything a report shows comes from this run's files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analysis.measure import MeasureError, MeasureResult
from analysis.plans import Plan
from workbench.study.variants import BASELINE, NAMES

STAGES = ("02_baseline", "03_indexes", "04_eager_loading", "05_caching")
BASELINE_STAGE = STAGES[0]
SEED_FILE = "seed.json"
AUDIT_FILE = "index_audit.json"
ADVICE_FILE = "advice.json"  # 03's advisor: records, index set, candidates (study.advisor)
MIGRATIONS_DIR = "migrations"  # 03: the recommended index set as Django migrations
CACHE_FILE = "cache.json"
PAGE_SIZES_FILE = "page_sizes.json"
# What must match for a stored baseline to be the "before" of this run's "after".
CONTEXT_KEYS = ("scale", "seed", "page_size", "database")
AUDIT_FIELDS = ("index", "table", "columns", "verdict", "duplicates")
AUDIT_EXTRAS = (
    "size_bytes", "build_ms", "write_cost_ratio", "used_by", "gain_ms", "note",
    "origin", "action", "saving_ms", "saving_ci", "used_in_set",
)  # fmt: skip


# --------------------------------------------------------------------------- files


def run_dir(results_dir: str | os.PathLike) -> Path:
    path = Path(results_dir)
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_json(results_dir: str | os.PathLike, name: str, data: Any) -> Path:
    path = run_dir(results_dir) / name
    path.write_text(json.dumps(data, indent=2, default=str) + "\n")
    return path


def read_json(results_dir: str | os.PathLike, name: str, default: Any = None) -> Any:
    """A file another notebook left in the run folder, or ``default`` when it did not run."""
    path = Path(results_dir) / name
    return json.loads(path.read_text()) if path.exists() else default


def load_stage(results_dir: str | os.PathLike, stage: str) -> MeasureResult | None:
    """The measurement a notebook stored under ``results_dir/<stage>``, or None."""
    folder = Path(results_dir) / stage
    if not (folder / "results.json").exists():
        return None
    return MeasureResult.read(folder)


def incompatibility(
    result: MeasureResult, context: Mapping[str, Any], scenarios: Sequence[str]
) -> str | None:
    """Why ``result`` cannot serve as this run's baseline (another scale, seed...), or None."""
    if BASELINE not in next(iter(result.scenarios.values()), {}).get("variants", {}):
        return "it holds no baseline"
    for key in CONTEXT_KEYS:
        if key in context and result.context.get(key) != context[key]:
            return f"it was measured with {key}={result.context.get(key)!r}, not {context[key]!r}"
    missing = [s for s in scenarios if s not in result.scenarios]
    if missing:
        return f"it did not measure {', '.join(missing)}"
    return None


def load_baseline(
    results_dir: str | os.PathLike, context: Mapping[str, Any], scenarios: Sequence[str]
) -> tuple[MeasureResult | None, str]:
    """02_baseline's stored result when it fits this run, else None; and a line saying which."""
    folder = Path(results_dir) / BASELINE_STAGE
    try:
        result = load_stage(results_dir, BASELINE_STAGE)
    except MeasureError as exc:
        return None, f"the stored baseline is unreadable ({exc}): measuring it here"
    if result is None:
        return None, f"no baseline in {folder} (02_baseline did not run): measuring it here"
    reason = incompatibility(result, context, scenarios)
    if reason:
        return None, f"the baseline in {folder} does not fit this run ({reason}): measuring it here"
    return result, f"baseline: {folder} (measured by 02_baseline)"


# --------------------------------------------------------------------------- merging


def subset(result: MeasureResult, variants: Iterable[str]) -> MeasureResult:
    """The part of ``result`` about ``variants`` (rows, figures, plans, mixed runs)."""
    wanted = list(_ordered(variants))
    part = MeasureResult(
        {
            **result.parameters,
            "variants": [v for v in result.parameters.get("variants", []) if v in wanted],
        },
        dict(result.db_cpu),
    )
    part.context = dict(result.context)
    part.source = result.source
    for name, scenario in result.scenarios.items():
        part.scenarios[name] = {
            **{k: v for k, v in scenario.items() if k != "variants"},
            "variants": {v: f for v, f in scenario["variants"].items() if v in wanted},
        }
    part.rows = [r for r in result.rows if r["variant"] in wanted]
    part.plan_documents = {k: d for k, d in result.plan_documents.items() if k[1] in wanted}
    part.mixed = {v: m for v, m in result.mixed.items() if v in wanted}
    return part


def merge(results: Iterable[MeasureResult]) -> MeasureResult:
    """One result holding every variant of several; a later result's variant wins.

    Variants come out in the canonical order (baseline, indexes, eager, cache, all),
    scenarios in the order first seen.
    """
    results = [r for r in results if r is not None]
    if not results:
        raise MeasureError("nothing to merge: no stage stored a measurement")
    merged = MeasureResult(dict(results[0].parameters), dict(results[0].db_cpu))
    merged.context = dict(results[0].context)
    for result in results:
        for name, scenario in result.scenarios.items():
            target = merged.scenarios.setdefault(
                name, {**{k: v for k, v in scenario.items() if k != "variants"}, "variants": {}}
            )
            target["variants"].update(scenario["variants"])
        replaced = {
            (row["scenario"], row["variant"])
            for row in result.rows  # a re-measured variant replaces its rows too
        }
        merged.rows = [
            r for r in merged.rows if (r["scenario"], r["variant"]) not in replaced
        ] + list(result.rows)
        merged.plan_documents.update(result.plan_documents)
        merged.mixed.update(result.mixed)
    for scenario in merged.scenarios.values():
        variants = scenario["variants"]
        scenario["variants"] = {v: variants[v] for v in _ordered(variants)}
    merged.mixed = {v: merged.mixed[v] for v in _ordered(merged.mixed)}
    return merged


def _ordered(names: Iterable[str]) -> list[str]:
    names = list(names)
    return [v for v in NAMES if v in names] + [v for v in names if v not in NAMES]


def variants_of(result: MeasureResult) -> list[str]:
    found: list[str] = []
    for scenario in result.scenarios.values():
        found.extend(v for v in scenario["variants"] if v not in found)
    return _ordered(found)


def plan_shape(result: MeasureResult, scenario: str, variant: str) -> list[str] | None:
    """The access paths of the statements a variant's timed calls ran, sorted, deduplicated."""
    labels: set[str] = set()
    for entry in result.figures(scenario, variant).get("plans", []):
        document = result.plan_documents.get((scenario, variant, entry["fingerprint"]))
        if document is None or entry.get("seen_in") != "timed":
            continue
        plan = Plan.from_json(document["plan"])
        labels.update(node.label for node in plan.scans())
    return sorted(labels) or None


def summary_scenarios(result: MeasureResult) -> list[dict[str, Any]]:
    """``[{name, variants: {v: figures}}]`` as ``workbench.report.summary.build`` takes them."""
    keys = ("queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms", "db_cpu_ms", "data_queries")
    out = []
    for name, scenario in result.scenarios.items():
        variants = {}
        for variant, figures in scenario["variants"].items():
            entry = {k: figures.get(k) for k in keys}
            shape = plan_shape(result, name, variant)
            if shape is not None:
                entry["plan_shape"] = shape
            variants[variant] = entry
        out.append({"name": name, "variants": variants})
    return out


def audit_records(records: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The audit's records cut to what summary.json carries (the schema's fields and a few)."""
    return [{k: r.get(k) for k in (*AUDIT_FIELDS, *AUDIT_EXTRAS) if k in r} for r in records]


@dataclass
class Run:
    """Everything a run folder holds, gathered for 06_report."""

    folder: Path
    measured: MeasureResult | None
    stages: dict[str, MeasureResult] = field(default_factory=dict)
    index_audit: list[dict[str, Any]] = field(default_factory=list)
    advice: dict[str, Any] | None = None
    cache: dict[str, Any] = field(default_factory=lambda: {"hit_rate": None})
    seed: dict[str, Any] | None = None
    page_sizes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def scenarios(self) -> list[dict[str, Any]]:
        return summary_scenarios(self.measured) if self.measured is not None else []


def collect(results_dir: str | os.PathLike) -> Run:
    """Read every stage a run folder holds; missing stages are simply absent."""
    folder = Path(results_dir)
    stages = {s: r for s in STAGES if (r := load_stage(folder, s)) is not None}
    return Run(
        folder=folder,
        measured=merge(stages.values()) if stages else None,
        stages=stages,
        index_audit=audit_records(read_json(folder, AUDIT_FILE, [])),
        advice=read_json(folder, ADVICE_FILE),
        cache=read_json(folder, CACHE_FILE, {"hit_rate": None}),
        seed=read_json(folder, SEED_FILE),
        page_sizes=read_json(folder, PAGE_SIZES_FILE, []),
    )


MIXED_FIGURES = (
    "hit_rate",
    "redis_hit_rate",
    "requests",
    "writes",
    "queries_per_request",
    "db_ms_per_request",
    "db_cpu_ms_per_request",
    "read_latency",
)


def cache_section(result: MeasureResult) -> dict[str, Any]:
    """``cache.json``: the hit rate of the last cached variant's mixed run, and each run's."""
    section = dict(result.cache)
    section["by_variant"] = {
        variant: {k: mixed.get(k) for k in MIXED_FIGURES} for variant, mixed in result.mixed.items()
    }
    return section
