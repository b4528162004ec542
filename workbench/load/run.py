"""One load run: each variant behind gunicorn, each concurrency level under Locust.

For each variant, in the canonical order (baseline first):

1. copy the seeded database (``workbench.load.database``) and set the variant's indexes
   in the copy, so the source keeps its data and its index state;
2. start gunicorn on the copy with the variant's switches in its environment
   (``WORKBENCH_EAGER`` / ``WORKBENCH_CACHE``) and the per-process counters on, from a
   cold cache (the copy's cache namespace is new);
3. for each level: write the plan with the current write state, run an uncounted warm-up
   (``warmup`` seconds), then the counted run, reading the server's counters,
   ``pg_stat_database`` and the whole PostgreSQL server's CPU when no request is in flight
   before and after it (the counted window);
4. stop the server, clear the copy's cache keys and drop the copy.

Levels run one after another on the same copy and server, as traffic rising on one
deployment would. With ``host`` there is no server and no copy: the plan comes from the
database the workbench points at, its writes land wherever ``host`` writes, and the
server-side figures are not measured.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from analysis.servercpu import ServerCpu
from workbench.load import counters, database, figures, locust_run, plan, server

SETTLE_S = 1.1  # backends report pg_stat counters when idle, at most once a second


@dataclass
class LoadOptions:
    variants: Sequence[str]
    users: Sequence[int]
    duration: float
    out: Path
    warmup: float = 5.0
    host: str | None = None
    port: int | None = None
    workers: int = field(default_factory=server.default_workers)
    threads: int = server.DEFAULT_THREADS
    locust_workers: int = 0
    expect_workers: int | None = None
    master_bind_host: str = "127.0.0.1"
    master_port: int | None = None
    depth: int = 20
    write_share: float = 0.05
    zipf_s: float = 1.1
    seed: int = 42
    page_size: int = 20


Progress = Callable[[str], None]


@dataclass
class Measured:
    """What the harness reads around a counted run of a server it started."""

    counters_dir: Path
    url: str  # the copy's
    server_cpu: ServerCpu


def locate_server_cpu(url: str) -> ServerCpu:
    """The whole-server CPU reader for the server ``url`` is on (found through a backend)."""
    import psycopg2

    from marketplace import dsn

    host = dsn.parse(url).get("host")
    try:
        conn = dsn.connect(url, autocommit=True, connect_timeout=5)
    except psycopg2.Error as error:
        return ServerCpu(None, f"cannot connect: {type(error).__name__}")
    try:
        return ServerCpu.locate(host, conn.get_backend_pid())
    finally:
        conn.close()


def _window_before(measured: Measured) -> dict[str, Any]:
    """The counted window's start: counters, pg_stat_database, then the server's CPU last
    (so the harness's own connection for pg_stat_database is outside the window)."""
    return {
        "counters": counters.read(measured.counters_dir),
        "pg": database.stat_snapshot(measured.url),
        "server_cpu_ms": measured.server_cpu.read(),
    }


def _window_after(measured: Measured, before: dict[str, Any]) -> tuple[dict, dict | None, dict]:
    """The window's end, mirrored: the server's CPU first, after the last answers settled."""
    time.sleep(SETTLE_S)
    cpu_after = measured.server_cpu.read()
    pg_after = database.stat_snapshot(measured.url)
    counted = counters.delta(before["counters"], counters.read(measured.counters_dir))
    cpu_ms = None
    if before["server_cpu_ms"] is not None and cpu_after is not None:
        cpu_ms = max(0.0, cpu_after - before["server_cpu_ms"])
    server_cpu = {**measured.server_cpu.as_dict(), "ms": cpu_ms}
    if cpu_ms is None and "reason" not in server_cpu:
        server_cpu["reason"] = "the server's processes could not be read at both ends"
    return counted, database.stat_delta(before["pg"], pg_after), server_cpu


def _server_env(copy_url: str, variant, counters_dir: Path) -> dict[str, str]:
    import os

    return {
        **os.environ,
        "DATABASE_URL": copy_url,
        "WORKBENCH_EAGER": "1" if variant.eager else "0",
        "WORKBENCH_CACHE": "1" if variant.cache else "0",
        counters.ENV: str(counters_dir),
    }


def _levels(
    options: LoadOptions,
    variant: str,
    url: str,
    base: dict[str, Any],
    refresh: Callable[[], dict[str, Any]],
    measured: Measured | None,
    folder: Path,
    progress: Progress,
) -> list[dict[str, Any]]:
    results = []
    locust_options = {
        "workers": options.locust_workers,
        "expect_workers": options.expect_workers,
        "bind_host": options.master_bind_host,
        "master_port": options.master_port,
    }
    for users in options.users:
        here = folder / f"{variant}-u{users}"
        plan_path = here / "plan.json"
        if options.warmup > 0:
            plan.save({**base, **refresh()}, plan_path)
            locust_run.run(url, users, options.warmup, plan_path, here / "warmup", **locust_options)
        plan.save({**base, **refresh()}, plan_path)
        before = _window_before(measured) if measured else None
        run = locust_run.run(url, users, options.duration, plan_path, here, **locust_options)
        counted = pg = server_cpu = None
        if measured and before:
            counted, pg, server_cpu = _window_after(measured, before)
        plan_path.unlink(missing_ok=True)  # it holds bearer tokens
        result = figures.level(variant, run, counted, pg, server_cpu)
        result["_times"] = [sample[3] for sample in run.samples]
        results.append(result)
        progress(
            f"{variant:<9} {users:>3} users: {result['requests']} requests, "
            f"{result['rps']} rps, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
            f"p99 {result['p99_ms']} ms, {result['errors']} errors, "
            f"{result['queries_per_request']} queries/request, "
            f"server CPU {result['server_cpu_ms_per_request']} ms/request, "
            f"hit rate {result['hit_rate']}"
        )
    return results


def _one_variant(
    options: LoadOptions, name: str, source_url: str, base: dict[str, Any], progress: Progress
) -> list[dict[str, Any]]:
    import marketplace.cache
    from workbench.study import variants

    variant = variants.VARIANTS[name]
    copy = database.copy_name(base["source"], name)
    database.close_connections()
    copy_url = database.create_copy(source_url, copy)
    try:
        with database.using_database(copy):
            variants.set_indexes(variant.indexes)
            marketplace.cache.clear()
        with tempfile.TemporaryDirectory(prefix="wb-load-") as tmp:
            port = options.port or server.free_port()
            srv = server.start(
                server.gunicorn_command(port, options.workers, options.threads),
                port,
                _server_env(copy_url, variant, Path(tmp)),
                options.out / f"server-{name}.log",
            )
            progress(
                f"{name:<9} serving a copy of {base['source']!r} at {srv.url} "
                f"({options.workers} workers x {options.threads} threads)"
            )

            def refresh() -> dict[str, Any]:
                with database.using_database(copy):
                    return plan.write_state(base)

            try:
                return _levels(
                    options,
                    name,
                    srv.url,
                    base,
                    refresh,
                    Measured(Path(tmp), copy_url, locate_server_cpu(copy_url)),
                    options.out,
                    progress,
                )
            finally:
                server.stop(srv)
    finally:
        with database.using_database(copy):
            marketplace.cache.clear()
        database.close_connections()
        database.drop_copy(copy_url)


def run_load(options: LoadOptions, progress: Progress = lambda line: None) -> dict[str, Any]:
    """Every variant at every level; the results (also written to ``out/load.json``)."""
    import json

    from django.db import connection

    from workbench.env import services

    source_url = services.database_url()
    base = plan.build(
        depth=options.depth,
        write_share=options.write_share,
        zipf_s=options.zipf_s,
        seed=options.seed,
        page_size=options.page_size,
    )
    base["source"] = connection.settings_dict["NAME"]
    options.out.mkdir(parents=True, exist_ok=True)
    levels: list[dict[str, Any]] = []
    if options.host:
        levels = _levels(
            options,
            options.variants[0] if len(options.variants) == 1 else "host",
            options.host,
            base,
            lambda: plan.write_state(base),
            None,
            options.out,
            progress,
        )
    else:
        for name in options.variants:
            levels += _one_variant(options, name, source_url, base, progress)
    figures.compare(levels)
    parameters = {k: v for k, v in asdict(options).items() if k != "out"}
    result = {
        "parameters": {**parameters, "out": str(options.out)},
        "database": base["source"],
        "plan": plan.describe(base),
        "writes": (
            "into a copy of the database per variant (CREATE DATABASE ... TEMPLATE), dropped "
            "afterwards; the source is only read"
            if not options.host
            else f"into whatever {options.host} writes to"
        ),
        "levels": levels,
    }
    (options.out / "load.json").write_text(json.dumps(result, indent=2, default=str))
    return result
