"""Benchmark: what each monitoring tool costs a request, against none, interleaved in rounds.

Usage: ``python bench/monitoring_overhead.py [--scale small] [--rounds 20] [--passes 2]
[--tools none,toolbar,silk,prometheus,otel] [--variant baseline] [--keep]``

Seeds a scratch database at ``--scale`` (with django-silk's tables), then starts one
worker process per tool, each with its tool wired exactly as the workbench wires it:

* ``none``: ``marketplace.settings`` as measurements run it;
* ``toolbar``: ``workbench.monitoring.dev_settings`` (``serve --dev``): Django Debug
  Toolbar with its default panels and the workbench panel (which captures every query,
  runs the N+1 analysis and one ``EXPLAIN ANALYZE`` of the slowest statement), ``DEBUG``
  on;
* ``silk``: ``workbench.monitoring.profile_settings`` (``serve --profile``): every
  request and statement written to silk's tables (no cProfile);
* ``prometheus``: ``WORKBENCH_METRICS=1``: django-prometheus's middlewares and database
  wrapper, and the cache counters;
* ``otel``: ``OTEL_EXPORTER_OTLP_ENDPOINT`` pointing at a sink in this process that
  accepts OTLP/HTTP: Django, psycopg2 and redis instrumented, spans batched and
  exported over HTTP by the SDK's background thread.

Each round asks every tool's worker in turn (the order rotated round by round) for
``--passes`` passes over the scenario set (after one untimed pass: a worker that sat
idle while the others ran starts cold), between a pass of none just before and one just
after: every scenario
of ``workbench.study.scenarios`` once, as the marketplace's variant ``--variant`` (its
switches; the indexes as seeded), through Django's test client in the worker, so the
server and the network (the same for every tool) are left out. A pass's wall time
divided by the scenarios in it is one sample of "ms per request". Each worker first
proves its tool is on (a toolbar stored, silk rows written, a database counter; the
OTLP exports are counted at the end), or the bench stops.

A tool is compared with ``none`` round by round: its mean ms per request over (and
minus) the mean of the two passes of none around it, seconds apart, so the load other
jobs put on the machine cancels; the figures are the medians over rounds, with 95%
bootstrap intervals (``analysis.stats.bootstrap_ci``). Prints one JSON line per tool;
``none``'s compares its pass after each tool with the one before: the noise floor::

    {"tool", "overhead_ms_per_request", "ratio_vs_none", "ci": the ratio's interval,
     "overhead_ci_ms", "verdict" (faster / slower / no change, analysis.stats),
     "p50_ms_per_request", "rounds", "samples", "queries_per_request" (statements a
     request ran, the tool's own included: silk writes its records), "scale", "variant"}
"""

from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TOOLS = ("none", "toolbar", "silk", "prometheus", "otel")
SETTINGS = {
    "toolbar": "workbench.monitoring.dev_settings",
    "silk": "workbench.monitoring.profile_settings",
}
# Settings a worker must not inherit from the shell: each tool is on in its worker only.
_CLEARED = ("DJANGO_SETTINGS_MODULE", "WORKBENCH_METRICS", "OTEL_TRACES_EXPORTER",
            "OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
            "PROMETHEUS_MULTIPROC_DIR")  # fmt: skip


# --------------------------------------------------------------------------- worker


def _active(tool: str) -> str:
    """Evidence that the worker's tool saw the warm-up requests, or an empty string."""
    if tool == "toolbar":
        from debug_toolbar.store import get_store

        stored = list(get_store().request_ids())
        return f"{len(stored)} toolbar records" if stored else ""
    if tool == "silk":
        from silk.models import Request

        return f"{Request.objects.count()} silk requests" if Request.objects.exists() else ""
    if tool == "prometheus":
        from prometheus_client import REGISTRY

        value = REGISTRY.get_sample_value(
            "django_db_execute_total", {"alias": "default", "vendor": "postgresql"}
        )
        return f"{value:.0f} statements counted" if value else ""
    if tool == "otel":
        from opentelemetry import trace

        provider = trace.get_tracer_provider()
        return type(provider).__name__ if hasattr(provider, "force_flush") else ""
    return "no tool"


def worker(tool: str, variant: str) -> int:
    from workbench.env import django_env

    django_env.setup()
    from marketplace.api import switches
    from workbench.study.scenarios import build

    with switches.named(variant):
        scenarios = build()
        for scenario in scenarios:  # warm-up: connections, caches of the ORM and the tool
            scenario()
        from analysis.capture import capture

        queries = 0
        for scenario in scenarios:
            with capture() as run:
                scenario()
            queries += len(run.queries)
        print(json.dumps({"ready": _active(tool), "queries": queries / len(scenarios)}), flush=True)
        for line in sys.stdin:
            command = json.loads(line)
            if command.get("quit"):
                break
            for scenario in scenarios:  # untimed: the process was idle while others ran
                scenario()
            samples = []
            for _ in range(command["passes"]):
                started = time.perf_counter()
                for scenario in scenarios:
                    scenario()
                samples.append((time.perf_counter() - started) * 1000 / len(scenarios))
            print(json.dumps({"samples": samples}), flush=True)
    if tool == "otel":
        from opentelemetry import trace

        trace.get_tracer_provider().force_flush()
    return 0


# --------------------------------------------------------------------------- coordinator


class _Sink(BaseHTTPRequestHandler):
    """Accepts OTLP/HTTP exports (and counts them), as a collector on the machine would."""

    received = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        type(self).received += 1
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


class Worker:
    def __init__(self, tool: str, variant: str, sink: str, timeout: float) -> None:
        env = {k: v for k, v in os.environ.items() if k not in _CLEARED}
        if tool in SETTINGS:
            env["DJANGO_SETTINGS_MODULE"] = SETTINGS[tool]
        if tool == "prometheus":
            env["WORKBENCH_METRICS"] = "1"
        if tool == "otel":
            env["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink
            env["OTEL_SERVICE_NAME"] = "marketplace-bench"
        self.tool, self.timeout = tool, timeout
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--worker", tool, "--variant", variant],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def read(self) -> dict:
        ready, _, _ = select.select([self.process.stdout], [], [], self.timeout)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            raise SystemExit(f"bench: the {self.tool} worker stopped answering")
        return json.loads(line)

    def run(self, passes: int) -> list[float]:
        self.process.stdin.write(json.dumps({"passes": passes}) + "\n")
        self.process.stdin.flush()
        return self.read()["samples"]

    def stop(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write(json.dumps({"quit": True}) + "\n")
                self.process.stdin.close()
                self.process.wait(30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()


def _seed(scale: str, seed: int) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS["silk"]  # silk's tables too
    from workbench.env import django_env

    django_env.setup()
    from django.core.management import call_command
    from django.db import connections

    from fixtures import seed as seed_data

    call_command("migrate", verbosity=0, interactive=False)
    print(seed_data(scale, seed=seed, progress=False).summary(), file=sys.stderr)
    connections.close_all()


def line(tool: str, pairs: list[tuple[list[float], list[float]]], queries: float, args) -> dict:
    """The tool against none from ``(tool samples, none samples)`` pairs, one per round."""
    from analysis.stats import bootstrap_ci, median, percentile, verdict

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    ratios = [mean(mine) / mean(none) for mine, none in pairs]
    extra = [mean(mine) - mean(none) for mine, none in pairs]
    ratio, ci = median(ratios), bootstrap_ci(ratios, 50)
    extra_ci = bootstrap_ci(extra, 50)
    flat = [s for mine, _ in pairs for s in mine]
    return {
        "tool": tool,
        "overhead_ms_per_request": round(median(extra), 3),
        "ratio_vs_none": round(ratio, 3),
        "ci": None if ci is None else [round(ci[0], 3), round(ci[1], 3)],
        "overhead_ci_ms": None if extra_ci is None else [round(c, 3) for c in extra_ci],
        # verdict() reads a speedup (before / after): "slower" means the tool costs time.
        "verdict": verdict(1 / ratio, None if ci is None else (1 / ci[1], 1 / ci[0])),
        "p50_ms_per_request": round(percentile(flat, 50), 3),
        "rounds": len(ratios),
        "samples": len(flat),
        "queries_per_request": round(queries, 1),
        "scale": args.scale,
        "variant": args.variant,
    }


def run_rounds(workers: dict[str, Worker], tools: list[str], args) -> dict[str, list]:
    """Each round, each tool (in rotated order) between two passes of none: none, the tool
    ``--passes`` times, none. The pair for that round is the tool's samples against the
    two of none around them, so a change of load during the round cancels (to first order).
    ``none``'s own pairs are its second pass against its first: the noise floor."""
    none = workers["none"]
    pairs: dict[str, list] = {t: [] for t in ["none", *tools]}
    for round_ in range(args.rounds):
        shift = round_ % len(tools) if tools else 0
        for tool in tools[shift:] + tools[:shift]:
            before = none.run(1)
            mine = workers[tool].run(args.passes)
            after = none.run(1)
            pairs[tool].append((mine, before + after))
            pairs["none"].append((after, before))
        print(f"round {round_ + 1}/{args.rounds} done", file=sys.stderr)
    return pairs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="small")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--passes", type=int, default=2, help="passes per tool and round (2)")
    parser.add_argument("--tools", default=",".join(TOOLS))
    parser.add_argument("--variant", default="baseline", help="the switches (baseline)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds a worker may take")
    parser.add_argument("--keep", action="store_true", help="keep the scratch database")
    parser.add_argument("--worker", choices=TOOLS, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args.worker, args.variant)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    if "none" not in tools or any(t not in TOOLS for t in tools):
        parser.error(f"--tools: some of {', '.join(TOOLS)}, none included")
    if args.rounds < 2 or args.passes < 1:
        parser.error("--rounds must be 2 or more and --passes 1 or more")
    if args.variant not in ("baseline", "eager", "cache", "all"):
        parser.error("--variant: baseline, eager, cache or all")

    import scratch  # bench/, this script's own folder

    url = scratch.create("monitoring")
    sink = ThreadingHTTPServer(("127.0.0.1", 0), _Sink)
    threading.Thread(target=sink.serve_forever, daemon=True).start()
    workers: dict[str, Worker] = {}
    try:
        _seed(args.scale, args.seed)
        endpoint = f"http://127.0.0.1:{sink.server_address[1]}"
        workers = {t: Worker(t, args.variant, endpoint, args.timeout) for t in tools}
        queries = {}
        for tool, w in workers.items():
            ready = w.read()
            if not ready["ready"]:
                raise SystemExit(f"bench: the {tool} worker's tool saw nothing: not wired")
            queries[tool] = ready["queries"]
            print(f"{tool:<10} ready: {ready['ready']}", file=sys.stderr)
        pairs = run_rounds(workers, [t for t in tools if t != "none"], args)
        for tool in tools:
            print(json.dumps(line(tool, pairs[tool], queries[tool], args)), flush=True)
    finally:
        for w in workers.values():
            w.stop()  # the otel worker flushes its last spans on its way out
        if "otel" in workers:
            print(f"otel: {_Sink.received} OTLP exports received", file=sys.stderr)
        sink.shutdown()
        scratch.drop(url, keep=args.keep)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
