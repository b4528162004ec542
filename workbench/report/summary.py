"""``summary.json``: what a report run promises to machines downstream, built, checked, stored.

A scheduled run is compared with the previous one (``workbench compare``), a CI job
archives it and tests assert on it, so its shape is a contract, published as a JSON
Schema (draft 2020-12) in ``docs/summary.schema.json`` and read from there at run time.
:func:`validate` turns each departure into a line that names its JSON path
(``scenarios[0].variants.all.p95_ms: missing``), because the people reading the error
are the ones who wrote the notebook cell that produced the file. Two rules are code,
not schema: scenario names are unique, and the environment holds none of the passwords
of ``DATABASE_URL`` and ``REDIS_URL`` (the real values, compared as such).

The 06_report notebook builds the file with :func:`build` (which validates) and
:func:`write`; the pipeline and ``compare`` read it back with :func:`load`.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NotRequired, TypedDict

from jsonschema import Draft202012Validator, ValidationError, validators

from workbench.errors import WorkbenchError
from workbench.paths import PROJECT_ROOT
from workbench.report.environment import leaked_secrets
from workbench.study import criteria as success
from workbench.study.variants import BASELINE

if TYPE_CHECKING:
    from analysis.measure import MeasureResult

SCHEMA_PATH = PROJECT_ROOT / "docs" / "summary.schema.json"
SCHEMA_VERSION = 1
FIGURES = ("queries", "n_plus_one", "p50_ms", "p95_ms", "db_ms")
OPTIONAL_FIGURES = ("server_ms", "db_cpu_ms")
# The measuring run's per-scenario fields about how sure it is (analysis.measure's
# CONTRACT_FIGURES) are carried through as they are when the run has them (older runs
# do not: every one is optional).


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
    key: str
    name: str
    target: str
    measured: float | None
    passed: bool
    unit: str  # optional: "ms", "%", "" (a count)
    measured_on: str  # "mixed" or "isolated"
    ci: list[float] | None
    samples: int | list[int] | None
    detail: str | None


class Summary(TypedDict):
    schema_version: int
    parameters: dict[str, Any]
    environment: dict[str, Any]
    scenarios: list[Scenario]
    index_audit: list[IndexVerdict]
    cache: dict[str, Any]
    criteria: list[Criterion]
    mixed: NotRequired[dict[str, dict[str, Any]]]  # runs before issue 12 have none
    recommendations: NotRequired[list[dict[str, Any]]]  # runs before issue 14 have none
    index_set: NotRequired[dict[str, list[str]]]


class SummaryError(WorkbenchError):
    """summary.json is missing, unreadable or does not match the schema."""


# --------------------------------------------------------------------------- validation

# JSON numbers are finite: NaN and infinity (which json.dumps would write) are not numbers.
_TYPES = Draft202012Validator.TYPE_CHECKER.redefine(
    "number", lambda _checker, value: success.is_number(value)
)
_Validator = validators.extend(Draft202012Validator, type_checker=_TYPES)
_TYPE_WORDS = {
    "object": "an object",
    "array": "a list",
    "string": "a string",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


@functools.cache
def _validator() -> Draft202012Validator:
    try:
        schema = json.loads(SCHEMA_PATH.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SummaryError(f"the summary schema {SCHEMA_PATH} cannot be read ({exc})") from None
    _Validator.check_schema(schema)
    return _Validator(schema)


def _path(parts: Iterable[str | int]) -> str:
    text = ""
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "summary"


def _got(value: Any) -> str:
    return (
        repr(value)
        if value is None or isinstance(value, str | int | float)
        else type(value).__name__
    )


def _expected(schema: Mapping[str, Any]) -> str:
    """A schema in words: ``a number >= 0 or null``, ``one of a, b``, ``a non-empty list``."""
    if "errorMessage" in schema:
        return schema["errorMessage"]
    if "enum" in schema:
        return "expected one of " + ", ".join(str(v) for v in schema["enum"])
    if "anyOf" in schema:
        return "expected " + " or ".join(_expected(s)[len("expected ") :] for s in schema["anyOf"])
    kinds = schema.get("type", [])
    words = []
    for kind in [kinds] if isinstance(kinds, str) else kinds:
        word = _TYPE_WORDS[kind]
        if kind in ("number", "integer") and "minimum" in schema:
            word += f" >= {schema['minimum']:g}"
        if (kind == "string" and schema.get("minLength")) or (
            kind == "array" and schema.get("minItems")
        ):
            word = "a non-empty " + word[2:]
        if kind == "object" and schema.get("minProperties"):
            word = "a non-empty object"
        if kind == "array" and schema.get("items", {}).get("type") == "string":
            word += " of strings"
        words.append(word)
    return "expected " + " or ".join(words)


def _messages(error: ValidationError) -> Iterable[tuple[str, str]]:
    """``(path, message)`` for one schema error."""
    path = list(error.absolute_path)
    if error.validator == "required":
        properties = error.schema.get("properties", {})
        for name in error.validator_value:
            if name not in error.instance:
                nullable = "null" in properties.get(name, {}).get("type", [])
                hint = " (null when it was not measured)" if nullable else ""
                yield _path([*path, name]), "missing" + hint
    elif "propertyNames" in error.schema_path:
        names = error.schema.get("enum", [])
        what = error.schema.get("title", "key")
        yield _path(path), f"unknown {what} {error.instance!r} (known: {', '.join(names)})"
    else:
        yield _path(path), f"{_expected(error.schema)}, got {_got(error.instance)}"


def _code_rules(data: Mapping[str, Any]) -> list[str]:
    """The two rules a schema cannot say: unique scenario names, no password anywhere."""
    errors = []
    if isinstance(data.get("environment"), Mapping) and leaked_secrets(data["environment"]):
        errors.append("environment: contains a password (pass URLs through redact())")
    seen: set[str] = set()
    scenarios = data.get("scenarios")
    for i, scenario in enumerate(scenarios if isinstance(scenarios, list) else []):
        name = scenario.get("name") if isinstance(scenario, Mapping) else None
        if isinstance(name, str) and name in seen:
            errors.append(f"scenarios[{i}].name: {name!r} appears twice")
        elif isinstance(name, str):
            seen.add(name)
    return errors


def validate(data: Any) -> list[str]:
    """Every way ``data`` departs from the schema, as ``path: problem`` lines; [] when valid."""
    found: dict[str, str] = {}  # the first problem per path: a bad value is one problem
    for error in _validator().iter_errors(data):
        for path, message in _messages(error):
            found.setdefault(path, message)
    errors = [f"{path}: {message}" for path, message in found.items()]
    if isinstance(data, Mapping):
        errors += _code_rules(data)
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


def with_ratios(
    variants: Mapping[str, Mapping[str, Any]], baseline: str = BASELINE
) -> dict[str, VariantFigures]:
    """Add ``vs_baseline`` (variant / baseline; 0.25 means four times less) to each variant."""
    out: dict[str, VariantFigures] = {k: dict(v) for k, v in variants.items()}  # type: ignore[misc]
    base = variants.get(baseline)
    if base is None:
        return out
    for name, figures in out.items():
        if name == baseline:
            continue
        ratios: dict[str, float | None] = {}
        for key in FIGURES + OPTIONAL_FIGURES:
            a, b = base.get(key), figures.get(key)
            if success.is_number(a) and success.is_number(b):
                ratios[key] = round(b / a, 4) if a else None
        figures["vs_baseline"] = ratios
    return out


def _contract_figures(scenarios: list[Scenario], measured: MeasureResult | None) -> list[Scenario]:
    """Copy the contract's per-scenario fields from the measured run into the figures."""
    if measured is None:
        return scenarios
    # here, not at the top: analysis.measure brings Django, which `compare` never needs
    from analysis.measure.result import CONTRACT_FIGURES

    for scenario in scenarios:
        found = measured.scenarios.get(scenario["name"], {}).get("variants", {})
        for variant, figures in scenario["variants"].items():
            source = found.get(variant) or {}
            figures.update({k: source[k] for k in CONTRACT_FIGURES if k in source})  # type: ignore[typeddict-item]
    return scenarios


def mixed_section(mixed: Mapping[str, Mapping[str, Any]]) -> dict[str, dict[str, Any]]:
    """The mixed runs per variant as summary.json carries them (no per-read breakdown, no
    per-request samples: those stay in the stage's results.json)."""
    dropped = ("by_read", "samples_ms")
    return {v: {k: x for k, x in f.items() if k not in dropped} for v, f in mixed.items()}


def build(
    parameters: Mapping[str, Any],
    environment: Mapping[str, Any],
    scenarios: Iterable[Mapping[str, Any]],
    index_audit: Iterable[Mapping[str, Any]] = (),
    cache: Mapping[str, Any] | None = None,
    criteria: Iterable[Mapping[str, Any]] | None = None,
    *,
    mixed: Mapping[str, Mapping[str, Any]] | None = None,
    measured: MeasureResult | None = None,
    recommendations: Iterable[Mapping[str, Any]] | None = None,
    index_set: Mapping[str, list[str]] | None = None,
) -> Summary:
    """Assemble and validate a summary; ratios and criteria are computed when not given.

    ``mixed`` (variant -> the mixed workload's figures) is what the criteria are judged
    on; by default ``measured.mixed``, else the cache section's ``by_variant``.
    ``measured`` (the run's merged result) also supplies the contract's per-scenario
    fields (intervals, samples, hit and miss blocks). ``recommendations`` (ranked, from
    ``workbench.study.recommend``) and the advisor's ``index_set`` are carried when given.
    """
    scenario_list: list[Scenario] = [
        {"name": s["name"], "variants": with_ratios(s["variants"])} for s in scenarios
    ]
    scenario_list = _contract_figures(scenario_list, measured)
    cache_section = dict(cache or {"hit_rate": None})
    if mixed is None:
        mixed = measured.mixed if measured is not None else cache_section.get("by_variant") or {}
    mixed_figures = mixed_section(mixed)
    if criteria is None:
        verdicts = success.evaluate(
            [s["variants"] for s in scenario_list], cache_section, mixed=mixed_figures
        )
        criteria = success.rows(verdicts)
    summary: Summary = {
        "schema_version": SCHEMA_VERSION,
        "parameters": dict(parameters),
        "environment": dict(environment),
        "scenarios": scenario_list,
        "index_audit": [dict(row) for row in index_audit],  # type: ignore[misc]
        "cache": cache_section,
        "criteria": [dict(c) for c in criteria],  # type: ignore[misc]
        "mixed": mixed_figures,
    }
    if recommendations is not None:
        summary["recommendations"] = [dict(r) for r in recommendations]
    if index_set is not None:
        summary["index_set"] = {k: list(index_set.get(k, [])) for k in ("keep", "add", "drop")}
    errors = validate(summary)
    if errors:
        raise SummaryError("summary does not match the schema: " + "; ".join(errors[:5]))
    return summary
