"""A report run's parameter values: converted to the declared types and checked.

papermill only warns on an unknown parameter, turns ``-p run 007`` into ``7``, and
finds a bad value when the cell using it fails, minutes into a run. Here each value
is converted to the type its notebook declares (``workbench.report.discovery`` reads
the declarations) and the well-known parameters are checked against what the
workbench can do. Any problem is one line and exit 2, before a kernel starts.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from fixtures.errors import FixtureError
from workbench.errors import WorkbenchError

# Set by the runner itself: results_dir from --out (a user value would split the run
# across folders), allow_external from --allow-external.
RUNNER_PARAMETERS = {"results_dir": "--out", "allow_external": "--allow-external"}
FALLBACK_SCALES = ("tiny", "small", "medium", "large")
MAX_SCALE = 10_000_000  # users; beyond this a 2-core machine would not finish
MAX_REPEAT = 1000
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
_TRUE, _FALSE = {"true", "yes", "1", "on"}, {"false", "no", "0", "off"}


class ParameterError(WorkbenchError):
    """Bad input to ``workbench report``: refused before anything runs (exit 2)."""


@dataclass(frozen=True)
class Parameter:
    name: str
    type_name: str  # int, float, str, bool, list[str], list[int], or "any"
    default: Any
    help: str = ""


def coerce(name: str, raw: str, type_name: str) -> Any:
    """Turn the command line's text into the declared type; ``"007"`` stays a string for str."""
    raw = raw.strip() if type_name != "str" else raw

    def bad(expected: str) -> ParameterError:
        return ParameterError(f"parameter {name}: expected {expected}, got {raw!r}")

    if type_name == "int":
        if not re.fullmatch(r"[+-]?\d+", raw):
            raise bad("a whole number")
        return int(raw)
    if type_name == "float":
        try:
            value = float(raw)
        except ValueError:
            raise bad("a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise bad("a finite number")
        return value
    if type_name == "bool":
        if raw.lower() in _TRUE:
            return True
        if raw.lower() in _FALSE:
            return False
        raise bad("true or false")
    if type_name in ("list[str]", "list[int]"):
        items = [item.strip() for item in raw.split(",") if item.strip()]
        if type_name == "list[int]":
            return [coerce(name, item, "int") for item in items]
        return items
    return raw


def scale_presets() -> tuple[str, ...]:
    """The data generator's presets when it is installed, else the documented four."""
    try:
        from fixtures import PRESETS
    except ImportError:
        return FALLBACK_SCALES
    return tuple(PRESETS)


def known_scenarios() -> tuple[str, ...] | None:
    """Scenario names from the marketplace's registry, or None while there is none."""
    try:
        module = importlib.import_module("workbench.study.scenarios")
    except ImportError:
        return None
    registry = getattr(module, "SCENARIOS", None)
    return tuple(registry) if registry else None


def check_scale(value: Any) -> str:
    """A preset or a number of users, judged by the data generator itself when it is there."""
    text = str(value).strip()
    try:
        from fixtures import parse_scale
    except ImportError:
        parse_scale = None
    if parse_scale is not None:
        try:
            parse_scale(text)
        except FixtureError as exc:
            raise ParameterError(str(exc)) from None
        return text
    if text in FALLBACK_SCALES:
        return text
    if re.fullmatch(r"\d+", text):
        if not 1 <= int(text) <= MAX_SCALE:
            raise ParameterError(f"scale {text} is out of range (1 to {MAX_SCALE:,} users)")
        return text
    raise ParameterError(
        f"unknown scale {text!r} (a preset: {', '.join(FALLBACK_SCALES)}; or a number of users)"
    )


# The measuring notebooks' own parameters, checked here so a bad value fails in one line
# before any kernel starts, not minutes later in the cell that uses it.
RANGES: dict[str, tuple[Any, str]] = {
    "page_size": (lambda v: isinstance(v, int) and v >= 1, "a whole number of 1 or more"),
    "page_sizes": (lambda v: isinstance(v, int) and v >= 1, "whole numbers of 1 or more"),
    "mixed_requests": (lambda v: isinstance(v, int) and v >= 0, "a whole number of 0 or more"),
    "time_box": (
        lambda v: isinstance(v, int | float) and not isinstance(v, bool) and v >= 0,
        "seconds, 0 or more (0: no limit)",
    ),
    "write_share": (lambda v: isinstance(v, int | float) and 0 <= v < 1, "from 0 to below 1"),
    "audit_write_rows": (lambda v: isinstance(v, int) and v >= 1, "a whole number of 1 or more"),
}


def check_values(values: dict[str, Any]) -> dict[str, Any]:
    """Checks for the parameters every workbench notebook shares."""
    out = dict(values)
    if "scale" in out:
        out["scale"] = check_scale(out["scale"])
    if "seed" in out and not (isinstance(out["seed"], int) and 0 <= out["seed"] < 2**63):
        raise ParameterError(f"seed must be a whole number >= 0, got {out['seed']!r}")
    if "repeat" in out and not (
        isinstance(out["repeat"], int) and 1 <= out["repeat"] <= MAX_REPEAT
    ):
        raise ParameterError(f"repeat must be from 1 to {MAX_REPEAT}, got {out['repeat']!r}")
    if "scenarios" in out:
        scenarios = out["scenarios"]
        if isinstance(scenarios, str):
            scenarios = [s.strip() for s in scenarios.split(",") if s.strip()]
        if not scenarios:
            raise ParameterError("scenarios: name at least one (or 'all')")
        known = known_scenarios()
        for name in scenarios:
            if name == "all":
                continue
            if not _NAME.match(name) or (known is not None and name not in known):
                hint = f" (known: {', '.join(known)}, or all)" if known else ""
                raise ParameterError(f"unknown scenario {name!r}{hint}")
        out["scenarios"] = list(scenarios)
    for name, (ok, expected) in RANGES.items():
        if name not in out:
            continue
        for value in out[name] if isinstance(out[name], list) else [out[name]]:
            if not ok(value):
                raise ParameterError(f"{name} must be {expected}, got {value!r}")
    return out


def parse_assignments(pairs: Sequence[str]) -> dict[str, str]:
    """``-p key=value`` pairs as text; the types come from the notebooks."""
    parsed: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ParameterError(f"-p expects key=value, got {pair!r}")
        parsed[key] = value
    return parsed


def typed_values(
    declared: Mapping[str, Parameter], options: Mapping[str, Any], raw: Mapping[str, str]
) -> dict[str, Any]:
    """Merge typed options (--scale...) and ``-p`` text, converted to the declared types."""
    for key in raw:
        if key in RUNNER_PARAMETERS:
            flag = RUNNER_PARAMETERS[key]
            raise ParameterError(f"parameter {key} is set by the runner (use {flag})")
        if key not in declared:
            known = ", ".join(sorted(set(declared) - set(RUNNER_PARAMETERS))) or "none"
            raise ParameterError(
                f"unknown parameter {key!r}: no selected notebook declares it (known: {known})"
            )
    values = {k: v for k, v in options.items() if v is not None}
    values.update({key: coerce(key, text, declared[key].type_name) for key, text in raw.items()})
    return check_values(values)
