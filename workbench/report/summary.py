"""The schema of ``summary.json``: what a report run promises to machines downstream.

A scheduled run is compared with the previous one (``workbench compare``), a CI job
archives it and tests assert on it, so its shape is a contract. The validator is
plain Python with messages that name the JSON path, rather than a JSON-Schema
dependency, because the people reading the error are the ones who wrote the
notebook cell that produced the file.

The 06_report notebook builds the file with :func:`build` (which validates) and
:func:`write`; the pipeline and ``compare`` read it back with :func:`load`.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict

from workbench.env.urls import redact
from workbench.errors import WorkbenchError
from workbench.paths import PROJECT_ROOT

SCHEMA_VERSION = 1
VARIANTS = ("baseline", "indexes", "eager", "cache", "all")
FIGURES = ("queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms")
OPTIONAL_FIGURES = ("server_ms", "db_cpu_ms")
VERDICTS = ("useful", "redundant", "unused")
SECTIONS = ("parameters", "environment", "scenarios", "index_audit", "cache", "criteria")
# Planner settings that change plan choice or costs; recorded so two runs can be compared.
PLANNER_SETTINGS = (
    "random_page_cost",
    "seq_page_cost",
    "effective_cache_size",
    "work_mem",
    "shared_buffers",
    "default_statistics_target",
    "effective_io_concurrency",
    "max_parallel_workers_per_gather",
    "jit",
)


class VariantFigures(TypedDict, total=False):
    queries: int
    n_plus_one: int
    p50_ms: float
    p95_ms: float
    db_ms: float
    server_ms: float | None
    db_cpu_ms: float | None
    plan_shape: str | list[str]
    vs_baseline: dict[str, float | None]


class Scenario(TypedDict):
    name: str
    variants: dict[str, VariantFigures]


class IndexVerdict(TypedDict):
    index: str
    table: str
    columns: list[str]
    verdict: str
    duplicates: str | None


class Criterion(TypedDict, total=False):
    name: str
    target: str
    measured: float | None
    passed: bool
    unit: str  # optional: "ms", "%", "" (a count)


class Summary(TypedDict):
    schema_version: int
    parameters: dict[str, Any]
    environment: dict[str, Any]
    scenarios: list[Scenario]
    index_audit: list[IndexVerdict]
    cache: dict[str, Any]
    criteria: list[Criterion]


class SummaryError(WorkbenchError):
    """summary.json is missing, unreadable or does not match the schema."""


# --------------------------------------------------------------------------- validation


def _is_number(value: Any) -> bool:
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(float(value))
    )


def _check_figures(path: str, figures: Any, errors: list[str]) -> None:
    if not isinstance(figures, Mapping):
        errors.append(f"{path}: expected an object of figures, got {type(figures).__name__}")
        return
    for key in FIGURES:
        value = figures.get(key)
        if key not in figures:
            errors.append(f"{path}.{key}: missing")
        elif not _is_number(value) or value < 0:
            errors.append(f"{path}.{key}: expected a number >= 0, got {value!r}")
        elif key in ("queries", "n_plus_one") and int(value) != value:
            errors.append(f"{path}.{key}: expected a whole number, got {value!r}")
    for key in OPTIONAL_FIGURES:
        value = figures.get(key)
        if value is not None and (not _is_number(value) or value < 0):
            errors.append(f"{path}.{key}: expected a number >= 0 or null, got {value!r}")
    shape = figures.get("plan_shape")
    if shape is not None and not (
        isinstance(shape, str)
        or (isinstance(shape, list) and all(isinstance(s, str) for s in shape))
    ):
        errors.append(f"{path}.plan_shape: expected a string or a list of strings")


def _check_scenarios(scenarios: Any, errors: list[str]) -> None:
    if not isinstance(scenarios, list):
        errors.append("scenarios: expected a list")
        return
    seen: set[str] = set()
    for i, scenario in enumerate(scenarios):
        path = f"scenarios[{i}]"
        if not isinstance(scenario, Mapping):
            errors.append(f"{path}: expected an object")
            continue
        name = scenario.get("name")
        if not isinstance(name, str) or not name:
            errors.append(f"{path}.name: expected a non-empty string")
        elif name in seen:
            errors.append(f"{path}.name: {name!r} appears twice")
        else:
            seen.add(name)
        variants = scenario.get("variants")
        if not isinstance(variants, Mapping) or not variants:
            errors.append(f"{path}.variants: expected a non-empty object")
            continue
        for variant, figures in variants.items():
            if variant not in VARIANTS:
                errors.append(
                    f"{path}.variants: unknown variant {variant!r} (known: {', '.join(VARIANTS)})"
                )
            else:
                _check_figures(f"{path}.variants.{variant}", figures, errors)


def _check_index_audit(audit: Any, errors: list[str]) -> None:
    if not isinstance(audit, list):
        errors.append("index_audit: expected a list")
        return
    for i, row in enumerate(audit):
        path = f"index_audit[{i}]"
        if not isinstance(row, Mapping):
            errors.append(f"{path}: expected an object")
            continue
        for key in ("index", "table"):
            if not isinstance(row.get(key), str) or not row.get(key):
                errors.append(f"{path}.{key}: expected a non-empty string")
        columns = row.get("columns")
        if (
            not isinstance(columns, list)
            or not columns
            or not all(isinstance(c, str) for c in columns)
        ):
            errors.append(f"{path}.columns: expected a non-empty list of column names")
        verdict = row.get("verdict")
        if verdict not in VERDICTS:
            errors.append(f"{path}.verdict: expected one of {', '.join(VERDICTS)}, got {verdict!r}")
        duplicates = row.get("duplicates")
        if verdict == "redundant" and not (isinstance(duplicates, str) and duplicates):
            errors.append(f"{path}.duplicates: a redundant index must name the index it duplicates")
        elif duplicates is not None and not isinstance(duplicates, str):
            errors.append(f"{path}.duplicates: expected a string or null")


def _check_criteria(criteria: Any, errors: list[str]) -> None:
    if not isinstance(criteria, list):
        errors.append("criteria: expected a list")
        return
    for i, row in enumerate(criteria):
        path = f"criteria[{i}]"
        if not isinstance(row, Mapping):
            errors.append(f"{path}: expected an object")
            continue
        for key in ("name", "target"):
            if not isinstance(row.get(key), str) or not row.get(key):
                errors.append(f"{path}.{key}: expected a non-empty string")
        if "measured" not in row:
            errors.append(f"{path}.measured: missing (null when it could not be measured)")
        elif row["measured"] is not None and not _is_number(row["measured"]):
            errors.append(f"{path}.measured: expected a number or null, got {row['measured']!r}")
        if not isinstance(row.get("passed"), bool):
            errors.append(f"{path}.passed: expected true or false")


def validate(data: Any) -> list[str]:
    """Every way ``data`` departs from the schema, as ``path: problem`` lines; [] when valid."""
    if not isinstance(data, Mapping):
        return [f"summary: expected a JSON object, got {type(data).__name__}"]
    errors = [f"{key}: missing" for key in SECTIONS if key not in data]
    if data.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
        errors.append(
            f"schema_version: this workbench reads version {SCHEMA_VERSION}, "
            f"got {data.get('schema_version')!r}"
        )
    for key in ("parameters", "environment", "cache"):
        if key in data and not isinstance(data[key], Mapping):
            errors.append(f"{key}: expected an object")
    if isinstance(data.get("environment"), Mapping):
        text = json.dumps(data["environment"], default=str)
        if redact(text) != text:
            errors.append("environment: contains a password (pass URLs through redact())")
    if isinstance(data.get("cache"), Mapping):
        if "hit_rate" not in data["cache"]:
            errors.append("cache.hit_rate: missing (null when it was not measured)")
        else:
            rate = data["cache"]["hit_rate"]
            if rate is not None and not (_is_number(rate) and 0 <= rate <= 1):
                errors.append(f"cache.hit_rate: expected a fraction between 0 and 1, got {rate!r}")
    if "scenarios" in data:
        _check_scenarios(data["scenarios"], errors)
    if "index_audit" in data:
        _check_index_audit(data["index_audit"], errors)
    if "criteria" in data:
        _check_criteria(data["criteria"], errors)
    return errors


def load(path: str | os.PathLike) -> Summary:
    """Read and validate a summary.json, or a run folder holding one."""
    path = Path(path)
    if path.is_dir():
        path = path / "summary.json"
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        raise SummaryError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SummaryError(f"{path}: cannot read it ({exc})") from None
    except json.JSONDecodeError as exc:
        raise SummaryError(f"{path}: not valid JSON ({exc})") from None
    errors = validate(data)
    if errors:
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        raise SummaryError(f"{path}: {errors[0]}{more}")
    return data  # type: ignore[return-value]


def write(path: str | os.PathLike, summary: Mapping[str, Any]) -> Path:
    """Validate, then write atomically, so a reader never sees half a file."""
    errors = validate(summary)
    if errors:
        raise SummaryError("summary does not match the schema: " + "; ".join(errors[:5]))
    path = Path(path)
    if path.is_dir():
        path = path / "summary.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(summary, indent=2, default=str) + "\n")
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- building


def now() -> str:
    """An ISO timestamp in UTC, the format every time in the summary uses."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def _git(*args: str) -> str | None:
    root = PROJECT_ROOT
    try:
        out = subprocess.run(
            ["git", *args], cwd=root, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip()


def collect_environment(started_at: str, finished_at: str | None = None) -> dict[str, Any]:
    """Versions, planner settings and where the run happened, read from the live servers.

    Needs Django set up (the notebook bootstrap does it). URLs are redacted here, so a
    password in DATABASE_URL can never reach the summary.
    """
    import django
    from django.conf import settings
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT current_setting('server_version')")
        pg_version = cur.fetchone()[0]
        cur.execute(
            "SELECT name, setting || coalesce(unit, '') FROM pg_settings "
            "WHERE name = ANY(%s) OR (name LIKE 'enable\\_%%' AND setting <> boot_val) "
            "ORDER BY name",
            [list(PLANNER_SETTINGS)],
        )
        planner = dict(cur.fetchall())
    try:
        from django_redis import get_redis_connection

        redis_version = get_redis_connection("default").info("server")["redis_version"]
    except Exception as exc:  # a report still runs without Redis; say why it is missing
        redis_version = f"unavailable: {type(exc).__name__}"
    from workbench.env import services

    status = _git("status", "--porcelain", "--untracked-files=no")
    return {
        "postgresql": pg_version,
        "redis": redis_version,
        "planner": planner,
        "database": redact(services.database_url(start=False)),
        "database_embedded": services.is_embedded_database(),
        "cache_server": redact(str(settings.CACHES["default"]["LOCATION"])),
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(status) if status is not None else None,
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "started_at": started_at,
        "finished_at": finished_at or now(),
    }


def with_ratios(variants: Mapping[str, Mapping[str, Any]]) -> dict[str, VariantFigures]:
    """Add ``vs_baseline`` (variant / baseline; 0.25 means four times less) to each variant."""
    out: dict[str, VariantFigures] = {k: dict(v) for k, v in variants.items()}  # type: ignore[misc]
    base = variants.get("baseline")
    if base is None:
        return out
    for name, figures in out.items():
        if name == "baseline":
            continue
        ratios: dict[str, float | None] = {}
        for key in FIGURES + OPTIONAL_FIGURES:
            a, b = base.get(key), figures.get(key)
            if _is_number(a) and _is_number(b):
                ratios[key] = round(b / a, 4) if a else None
        figures["vs_baseline"] = ratios
    return out


def _total(scenarios: Iterable[Mapping[str, Any]], variant: str, key: str) -> float | None:
    values = [s["variants"].get(variant, {}).get(key) for s in scenarios]
    if not values or any(not _is_number(v) for v in values):
        return None
    return float(sum(values))


def _reduction(scenarios: list[Scenario], key: str) -> float | None:
    before, after = _total(scenarios, "baseline", key), _total(scenarios, "all", key)
    if before is None or after is None or before == 0:
        return None
    return round(100 * (1 - after / before), 1)


def evaluate_criteria(scenarios: list[Scenario], cache: Mapping[str, Any]) -> list[Criterion]:
    """The performance plan's success criteria, judged on the ``all`` variant against baseline.

    A figure that was not measured gives ``measured: null`` and a fail: a criterion
    nobody measured has not been met.
    """
    total_n_plus_one = _total(scenarios, "all", "n_plus_one")
    n_plus_one = None if total_n_plus_one is None else int(total_n_plus_one)
    worst_p95 = None
    if scenarios and all(_is_number(s["variants"].get("all", {}).get("p95_ms")) for s in scenarios):
        worst_p95 = max(s["variants"]["all"]["p95_ms"] for s in scenarios)
    query_time = _reduction(scenarios, "db_ms")
    cpu = _reduction(scenarios, "db_cpu_ms")
    rate = cache.get("hit_rate")

    def crit(name: str, target: str, measured: float | None, ok: bool, unit: str) -> Criterion:
        return {
            "name": name,
            "target": target,
            "measured": measured,
            "passed": bool(ok),
            "unit": unit,
        }

    return [
        crit("N+1 queries eliminated", "0 N+1 patterns", n_plus_one, n_plus_one == 0, ""),
        crit(
            "Query time down 50%+",
            ">= 50% less database time",
            query_time,
            query_time is not None and query_time >= 50,
            "%",
        ),
        crit(
            "Response under 200 ms",
            "p95 < 200 ms on every scenario",
            worst_p95,
            worst_p95 is not None and worst_p95 < 200,
            "ms",
        ),
        crit(
            "Cache hit rate over 80%",
            "> 80% of cache reads hit",
            round(100 * rate, 1) if _is_number(rate) else None,
            _is_number(rate) and rate > 0.8,
            "%",
        ),
        crit(
            "Database CPU down 50%+",
            ">= 50% less database CPU",
            cpu,
            cpu is not None and cpu >= 50,
            "%",
        ),
    ]


def build(
    parameters: Mapping[str, Any],
    environment: Mapping[str, Any],
    scenarios: Iterable[Mapping[str, Any]],
    index_audit: Iterable[Mapping[str, Any]] = (),
    cache: Mapping[str, Any] | None = None,
    criteria: Iterable[Mapping[str, Any]] | None = None,
) -> Summary:
    """Assemble and validate a summary; ratios and criteria are computed when not given."""
    scenario_list: list[Scenario] = [
        {"name": s["name"], "variants": with_ratios(s["variants"])} for s in scenarios
    ]
    cache_section = dict(cache or {"hit_rate": None})
    summary: Summary = {
        "schema_version": SCHEMA_VERSION,
        "parameters": dict(parameters),
        "environment": dict(environment),
        "scenarios": scenario_list,
        "index_audit": [dict(row) for row in index_audit],  # type: ignore[misc]
        "cache": cache_section,
        "criteria": (
            [dict(c) for c in criteria]  # type: ignore[misc]
            if criteria is not None
            else evaluate_criteria(scenario_list, cache_section)
        ),
    }
    errors = validate(summary)
    if errors:
        raise SummaryError("summary does not match the schema: " + "; ".join(errors[:5]))
    return summary
