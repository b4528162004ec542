"""False alarms of `workbench compare` on identical runs, and whether it catches a planted one.

    python bench/compare_noise.py --scale tiny --pairs 3
    python bench/compare_noise.py --scale medium --pairs 3 --keep /tmp/noise

Runs ``pairs + 1`` real ``workbench report`` runs with the same commit, scale and seed
(each into its own folder) and compares consecutive ones: ``pairs`` A/A comparisons,
every ``REGRESSION`` line of which is a false alarm. Then one more run with a regression
planted in one scenario is compared with the last clean run; ``injected_detected`` is
whether ``workbench compare`` reported a regression in that scenario (other regressions
in that pair are counted apart, as ``injected_pair_other_alarms``).

The planted regression is a settings override the report run honours: the kernels
inherit ``DJANGO_SETTINGS_MODULE``, so the injected run uses a settings module (written
to a temporary folder put on ``PYTHONPATH``) that imports the marketplace's settings and
adds one middleware sleeping ``--inject-ms`` (5 ms) in every request to the scenario's
endpoint (``--inject-scenario``, job_detail): a slower code path in one endpoint, in
every variant, with the query counts and plans unchanged, so only the latency rule can
catch it.

`workbench compare` judges latency only on intervals from at least 20 calls (the
report's default is 200 timed calls per scenario and variant, within a time box); with
fewer, every latency line is a ``fallback`` change, never an alarm.

Prints one JSON line: ``{"pairs", "false_alarms", "injected_detected", "seconds", ...}``
with each comparison's exit code and regression lines. The runs re-seed the configured
database: point ``DATABASE_URL`` at a scratch database (``workbench createdb``).
Extra arguments after ``--`` go to every ``workbench report`` (``-- --repeat 200``);
``--keep DIR --reuse`` compares the runs kept there again (a changed rule, same runs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORKBENCH = Path(sys.executable).parent / "workbench"
sys.path.insert(0, str(ROOT))

MIDDLEWARE = '''"""A planted regression for bench/compare_noise.py: sleep in one endpoint."""
import os
import re
import time

PATTERN = re.compile(os.environ["WB_INJECT_PATH"])
DELAY = float(os.environ["WB_INJECT_MS"]) / 1000.0


class SlowEndpoint:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if PATTERN.match(request.path):
            time.sleep(DELAY)
        return self.get_response(request)
'''

SETTINGS = """from marketplace.settings import *  # noqa: F403

MIDDLEWARE = [*MIDDLEWARE, "wb_inject_middleware.SlowEndpoint"]  # noqa: F405
"""


def endpoint_pattern(scenario: str) -> str:
    """The regular expression of a scenario's path, its subjects as any path segment."""
    from workbench.study.scenarios import SPECS

    for spec in SPECS:
        if spec.name == scenario:
            parts = re.split(r"(\{[^}]+\})", spec.path)
            return (
                "^" + "".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
            )
    raise SystemExit(f"unknown scenario {scenario!r}")


def injection(folder: Path, scenario: str, delay_ms: float) -> dict[str, str]:
    """The environment of a run with the planted regression."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wb_inject_middleware.py").write_text(MIDDLEWARE)
    (folder / "wb_inject_settings.py").write_text(SETTINGS)
    path = os.pathsep.join(p for p in (str(folder), os.environ.get("PYTHONPATH", "")) if p)
    return {
        "DJANGO_SETTINGS_MODULE": "wb_inject_settings",
        "PYTHONPATH": path,
        "WB_INJECT_PATH": endpoint_pattern(scenario),
        "WB_INJECT_MS": str(delay_ms),
    }


def report(out: Path, args: argparse.Namespace, env: dict[str, str] | None = None) -> float:
    if args.reuse and (out / "summary.json").exists():
        return 0.0
    argv = [str(WORKBENCH), "report", "--scale", args.scale, "--out", str(out), *args.report]
    started = time.perf_counter()
    proc = subprocess.run(
        argv, env={**os.environ, **(env or {})}, capture_output=True, text=True, check=False
    )
    seconds = time.perf_counter() - started
    (out.parent / f"{out.name}.log").write_text(proc.stdout + proc.stderr)
    if not (out / "summary.json").exists():
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-3:]
        raise SystemExit(f"report into {out} wrote no summary.json: {' | '.join(tail)}")
    return seconds


def compare(a: Path, b: Path) -> dict:
    proc = subprocess.run(
        [str(WORKBENCH), "compare", str(a), str(b)], capture_output=True, text=True, check=False
    )
    lines = proc.stdout.splitlines()
    return {
        "a": a.name,
        "b": b.name,
        "exit": proc.returncode,
        "regressions": [line for line in lines if line.startswith("REGRESSION")],
        "fallback": any("fallback" in line for line in lines),
        "parameters_differ": [
            line.split(": ", 1)[1] for line in lines if "parameters differ" in line
        ],
        **({"stderr": proc.stderr.strip()} if proc.returncode == 2 else {}),
    }


def kinds(lines) -> dict[str, int]:
    """Regression lines by what regressed: latency, counts (queries, N+1) or a criterion."""
    out = {"latency": 0, "counts": 0, "criteria": 0}
    for line in lines:
        text = line.split(None, 1)[1]
        key = "criteria" if text.startswith("criterion") else "latency"
        if ": queries " in text or ": N+1 patterns " in text:
            key = "counts"
        out[key] += 1
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="tiny", help="a preset or users (tiny)")
    parser.add_argument("--pairs", type=int, default=3, help="identical pairs compared (3)")
    parser.add_argument("--inject-scenario", default="job_detail", help="slowed (job_detail)")
    parser.add_argument("--inject-ms", type=float, default=5.0, help="delay per request (5)")
    parser.add_argument("--keep", type=Path, help="keep the runs under this folder")
    parser.add_argument(
        "--reuse", action="store_true", help="with --keep: compare the runs already there again"
    )
    parser.add_argument("report", nargs="*", help="after --: extra `workbench report` arguments")
    args = parser.parse_args()
    if args.pairs < 1:
        parser.error("--pairs must be at least 1")
    if args.reuse and args.keep is None:
        parser.error("--reuse needs --keep")
    started = time.perf_counter()
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-compare-"))
    base = args.keep or tmp
    try:
        runs = [base / f"run{i}" for i in range(args.pairs + 1)]
        run_seconds = [report(run, args) for run in runs]
        planted = base / "injected"
        env = injection(tmp / "inject", args.inject_scenario, args.inject_ms)
        run_seconds.append(report(planted, args, env))
        same = [compare(a, b) for a, b in zip(runs, runs[1:], strict=False)]
        injected = compare(runs[-1], planted)
    finally:
        if args.keep is None:
            shutil.rmtree(tmp, ignore_errors=True)
    scope = f"{args.inject_scenario} /"
    hits = [line for line in injected["regressions"] if line.split(None, 1)[1].startswith(scope)]
    line = {
        "pairs": args.pairs,
        "false_alarms": sum(len(c["regressions"]) for c in same),
        "injected_detected": bool(hits),
        "seconds": round(time.perf_counter() - started, 1),
        "scale": args.scale,
        "pairs_alarmed": sum(c["exit"] == 1 for c in same),
        "false_alarms_by_kind": kinds(line for c in same for line in c["regressions"]),
        "injected": f"{args.inject_scenario} +{args.inject_ms:g} ms per request",
        "injected_lines": hits,
        "injected_pair_other_alarms": len(injected["regressions"]) - len(hits),
        "comparisons": same + [injected],
        "report_seconds": [round(s, 1) for s in run_seconds],
        "report_args": args.report,
    }
    print(json.dumps(line))
    return 0


if __name__ == "__main__":
    sys.exit(main())
