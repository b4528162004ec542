"""The load page (07_load): one load run into the run folder, then its tables and charts.

:func:`run` checks the page's parameters, refuses a database the workbench may not copy
from (``workbench.env.ownership``, unless ``allow_external``), and calls the load
harness (``workbench.load.run.run_load``, what ``workbench load --out`` runs) with the
run folder as its output: ``load.json`` (every level's figures) and, per level,
``<variant>-u<users>/`` with Locust's raw samples. Each variant is served by gunicorn on
a copy of the database (``CREATE DATABASE ... TEMPLATE``), which PostgreSQL refuses
while another session is connected to the source; the harness closes this process's
Django connections first, and no other kernel of a report run is alive meanwhile.

Everything shown is read back from those files: :func:`levels_frame` (one row per
variant and level), :func:`concurrency_figure` (throughput and p95 against users),
:func:`level_samples` with :func:`latency_figure` and :func:`distribution_frame` (every
counted request's latency, from the raw samples, not Locust's rounded histogram) and
:func:`errors_frame`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.report import formats
from workbench.report.tables.table import Code, Table, table

LOAD_FILE = "load.json"
CURVE_POINTS = 200  # points per distribution line: the chart stays small at any request count


def run(
    results_dir: str | os.PathLike,
    variants: Sequence[str],
    users: Sequence[int],
    *,
    duration: float,
    warmup: float,
    write_share: float,
    seed: int,
    allow_external: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Every variant at every level, written to ``results_dir``; the run's ``load.json``."""
    from workbench.study import steps
    from workbench.study import variants as study_variants

    unknown = [v for v in variants if v not in study_variants.NAMES]
    if not variants or unknown:
        shown = repr(unknown[0]) if unknown else "none"
        known = ", ".join(study_variants.NAMES)
        raise WorkbenchError(f"-p variants: unknown variant {shown} (known: {known})")
    if not users or min(users) < 1:
        raise WorkbenchError(f"-p users: levels must be 1 user or more (got {list(users)})")
    if duration <= 0 or warmup < 0:
        raise WorkbenchError("-p duration must be more than 0 and -p warmup 0 or more")
    if not 0 <= write_share < 1:
        raise WorkbenchError(f"-p write_share must be from 0 to below 1 (got {write_share})")
    steps.ready("copy for the load run", allow_external)  # ours, migrated, with data
    _refuse_other_sessions()

    from workbench.load.run import LoadOptions, run_load

    options = LoadOptions(
        variants=list(study_variants.select(variants)),  # baseline first
        users=list(dict.fromkeys(users)),
        duration=duration,
        warmup=warmup,
        out=Path(results_dir),
        write_share=write_share,
        seed=seed,
    )
    return run_load(options, progress=progress or (lambda line: None))


def _refuse_other_sessions() -> None:
    """Name the sessions that would make PostgreSQL refuse the copy, before anything starts.

    ``CREATE DATABASE ... TEMPLATE`` fails while any other session is connected to the
    source; this process's own Django connections are closed first (the harness would
    close them too), so whatever is left belongs to someone else.
    """
    from django.db import connections

    from marketplace import dsn
    from workbench.env import services

    connections.close_all()
    url = services.database_url()
    name = dsn.database_settings(url)["NAME"]
    conn = dsn.connect(url, dbname="postgres", autocommit=True, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute(
                # Clients only: PostgreSQL itself stops an autovacuum worker for the copy.
                "SELECT pid, coalesce(nullif(application_name, ''), 'no application name') "
                "FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend' "
                "ORDER BY pid",
                [name],
            )
            others = cur.fetchall()
    finally:
        conn.close()
    if others:
        shown = ", ".join(f"{app!r} (server pid {pid})" for pid, app in others)
        raise WorkbenchError(
            f"cannot copy database {name!r} for the load run: PostgreSQL copies a database "
            f"only when no other session is connected to it, and {len(others)} is: {shown}"
        )


def read(results_dir: str | os.PathLike) -> dict[str, Any] | None:
    """The run folder's ``load.json``, or None when the load page did not run."""
    path = Path(results_dir) / LOAD_FILE
    return json.loads(path.read_text()) if path.exists() else None


def describe(load: Mapping[str, Any]) -> str:
    """One sentence: what ran, for how long, against what."""
    p = load.get("parameters", {})
    levels = load.get("levels", [])
    plan = load.get("plan", {})
    variants = list(dict.fromkeys(lv["variant"] for lv in levels))
    users = sorted({lv["users"] for lv in levels})
    share = plan.get("write_share", p.get("write_share"))
    return (
        f"{len(variants)} variant(s) ({', '.join(variants)}) at {len(users)} level(s) "
        f"({', '.join(str(u) for u in users)} users), {formats.seconds(p.get('duration'))} "
        f"counted per level after {formats.seconds(p.get('warmup'))} of warm-up; "
        f"{formats.count(plan.get('reads'))} reads drawn with Zipf s = {plan.get('zipf_s')}, "
        f"{formats.percent(share, fraction=True)} writes, written {load.get('writes', '')}."
    )


def levels_frame(load: Mapping[str, Any] | None) -> Table:
    """One row per variant and level: what the clients saw, then what the server did."""
    rows = [
        [
            lv["variant"],
            lv["users"],
            formats.count(lv.get("requests")),
            formats.decimal(lv.get("rps")),
            formats.ms(lv.get("p50_ms")),
            formats.ms(lv.get("p95_ms")),
            formats.ms(lv.get("p99_ms")),
            formats.count(lv.get("errors")),
            formats.decimal(lv.get("queries_per_request")),
            formats.ms(lv.get("db_cpu_ms_per_request")),
            formats.percent(lv.get("hit_rate"), fraction=True),
            formats.speedup(lv.get("vs_baseline")) if lv.get("vs_baseline") else formats.NOTHING,
        ]
        for lv in (load or {}).get("levels", [])
    ]
    header = ["variant", "users", "requests", "requests/s", "p50", "p95", "p99", "errors"]
    server = ["queries/request", "db CPU/request", "hit rate", "p95 vs baseline"]
    return table([*header, *server], rows, empty="The load page did not run.", index=2)


def _series(load: Mapping[str, Any] | None, key: str) -> dict[str, tuple[list, list]]:
    series: dict[str, tuple[list, list]] = {}
    for lv in sorted((load or {}).get("levels", []), key=lambda lv: lv["users"]):
        xs, ys = series.setdefault(lv["variant"], ([], []))
        xs.append(lv["users"])
        ys.append(lv.get(key))
    return series


def concurrency_figure(load: Mapping[str, Any] | None):
    """Throughput and p95 against users, one line per variant (p95 on a log axis)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from workbench.study.variants import COLOURS

    figure = make_subplots(
        rows=1, cols=2, subplot_titles=["throughput (requests/s)", "p95 (ms, log scale)"]
    )
    users = sorted({lv["users"] for lv in (load or {}).get("levels", [])})
    for col, key, unit in ((1, "rps", "requests/s"), (2, "p95_ms", "ms")):
        for variant, (xs, ys) in _series(load, key).items():
            figure.add_trace(
                go.Scatter(
                    x=xs,
                    y=ys,
                    name=variant,
                    mode="lines+markers",
                    legendgroup=variant,
                    showlegend=col == 1,
                    line={"color": COLOURS.get(variant, "#555555")},
                    hovertemplate=f"{variant}, %{{x}} users: %{{y:,.2f}} {unit}<extra></extra>",
                ),
                row=1,
                col=col,
            )
    figure.update_xaxes(title_text="users", tickvals=users, type="log")
    figure.update_yaxes(rangemode="tozero", row=1, col=1)
    figure.update_yaxes(type="log", row=1, col=2)
    figure.update_layout(
        title="Throughput and p95 as users are added", height=380, margin={"t": 80, "b": 10}
    )
    return figure


@dataclass(frozen=True)
class LevelSamples:
    """Every counted request of one level, from the raw samples its Locust processes wrote."""

    variant: str
    users: int
    times_ms: list[float]
    failed: int


def level_samples(results_dir: str | os.PathLike, load: Mapping[str, Any] | None) -> list:
    """The raw samples of each level in ``load.json`` (``<variant>-u<users>/samples/``)."""
    from workbench.load.locust_run import read_samples

    found = []
    for lv in (load or {}).get("levels", []):
        folder = Path(results_dir) / f"{lv['variant']}-u{lv['users']}" / "samples"
        samples, _ = read_samples(folder)
        times = sorted(float(s[3]) for s in samples)
        failed = sum(1 for s in samples if s[4] is not None)
        found.append(LevelSamples(lv["variant"], lv["users"], times, failed))
    return found


def distribution_frame(levels: Sequence[LevelSamples]) -> Table:
    """Each level's latency distribution in numbers: from the fastest to the slowest request."""
    from analysis.stats import percentile

    qs = (50, 90, 99)
    rows = [
        [
            lv.variant,
            lv.users,
            formats.count(len(lv.times_ms)),
            formats.ms(lv.times_ms[0]),
            *[formats.ms(percentile(lv.times_ms, q)) for q in qs],
            formats.ms(lv.times_ms[-1]),
        ]
        for lv in levels
        if lv.times_ms
    ]
    header = ["variant", "users", "requests", "fastest", "p50", "p90", "p99", "slowest"]
    return table(header, rows, empty="No raw samples in the run folder.", index=2)


def curve(ordered: Sequence[float], points: int = CURVE_POINTS) -> tuple[list, list]:
    """An empirical distribution in at most ``points`` points: (ms, % of requests at most)."""
    n = len(ordered)
    if not n:
        return [], []
    k = min(points, n)
    ranks = sorted({round(i * (n - 1) / max(k - 1, 1)) for i in range(k)})
    return [ordered[r] for r in ranks], [round(100 * (r + 1) / n, 2) for r in ranks]


def latency_figure(levels: Sequence[LevelSamples]):
    """One panel per level: the share of requests answered within x ms, per variant."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    from workbench.study.variants import COLOURS

    users = sorted({lv.users for lv in levels if lv.times_ms})
    figure = make_subplots(
        rows=1,
        cols=max(len(users), 1),
        shared_yaxes=True,
        subplot_titles=[f"{u} user{'s' if u != 1 else ''}" for u in users],
    )
    seen: set[str] = set()
    for lv in levels:
        if not lv.times_ms:
            continue
        xs, ys = curve(lv.times_ms)
        figure.add_trace(
            go.Scatter(
                x=xs,
                y=ys,
                name=lv.variant,
                mode="lines",
                legendgroup=lv.variant,
                showlegend=lv.variant not in seen,
                line={"color": COLOURS.get(lv.variant, "#555555"), "shape": "hv"},
                hovertemplate=f"{lv.variant}: %{{y}}% within %{{x:,.2f}} ms<extra></extra>",
            ),
            row=1,
            col=users.index(lv.users) + 1,
        )
        seen.add(lv.variant)
    figure.update_xaxes(type="log", title_text="latency (ms, log scale)")
    figure.update_yaxes(title_text="% of requests within", range=[0, 101], row=1, col=1)
    figure.update_layout(
        title="Latency distribution per level (every counted request)",
        height=380,
        margin={"t": 80, "b": 10},
    )
    return figure


def errors_frame(load: Mapping[str, Any] | None) -> Table:
    """Each failing message per level, most frequent first, with the server's own 5xx count."""
    rows = []
    for lv in (load or {}).get("levels", []):
        server_5xx = (lv.get("server") or {}).get("errors_5xx")
        for message, n in (lv.get("top_errors") or {}).items():
            rows.append([lv["variant"], lv["users"], formats.count(n), server_5xx, Code(message)])
        if lv.get("errors") and not lv.get("top_errors"):
            rows.append([lv["variant"], lv["users"], lv["errors"], server_5xx, "(not recorded)"])
    header = ["variant", "users", "requests", "server 5xx (level)", "error"]
    levels = len((load or {}).get("levels", []))
    empty = (
        f"No request failed at any of the {levels} levels (every answer below 400)."
        if levels
        else "The load page did not run."
    )
    return table(header, rows, empty=empty, index=2)
