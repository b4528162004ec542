"""Scale curves: every scenario measured at several scales, and how its cost grows.

Each scale is seeded into a database of its own on the workbench's server,
``<database>_scale_<name>``, created with the workbench's marker
(``workbench.env.ownership``) so the variants' index DDL may run there. What was seeded
(scale, users, seed, rows) is written as the database's comment, so a later run reuses a
database already seeded at that scale and seed instead of seeding it again. Django's
default connection is pointed at each database in turn
(:func:`workbench.load.database.using_database`, as Django's test runner does) and put
back afterwards; the cache is cleared around each scale (the variants clear it too).

Every scenario is then measured under the variants (``baseline`` and ``all`` by default)
with :func:`workbench.study.measure.measure`, few calls and no mixed workload, and for
each scenario and variant the points ``(rows, p50_ms, queries)`` are fitted with
``analysis.growth`` (p50 and queries separately), with the plan node whose exclusive
time grew most from the smallest to the largest scale.

    from workbench.study.scale import scale_curves
    curves = scale_curves(["tiny", "small"])
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from psycopg2 import sql

from analysis.growth import fit, growing_node
from marketplace import dsn
from workbench.env import ownership, services

DEFAULT_VARIANTS = ("baseline", "all")
REPEAT, TIME_BOX = 10, 0.5
_TAG = "workbench_scale"


def database_name(base: str, scale: str) -> str:
    suffix = f"_scale_{scale}"
    return f"{base[: 63 - len(suffix)]}{suffix}"


def seeded_as(url: str) -> dict[str, Any] | None:
    """What the workbench seeded into the URL's database (its comment), or None."""
    name = dsn.database_settings(url)["NAME"]
    conn = dsn.connect(url, dbname="postgres", autocommit=True, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                [name],
            )
            row = cur.fetchone()
    finally:
        conn.close()
    try:
        record = json.loads(row[0]) if row and row[0] else None
    except ValueError:
        return None
    return record if isinstance(record, dict) and record.get(_TAG) else None


def _record(url: str, record: dict[str, Any]) -> None:
    name = dsn.database_settings(url)["NAME"]
    conn = dsn.connect(url, autocommit=True, connect_timeout=5)
    try:
        with conn.cursor() as cur:
            cur.execute(
                sql.SQL("COMMENT ON DATABASE {} IS {}").format(
                    sql.Identifier(name), sql.Literal(json.dumps({_TAG: True, **record}))
                )
            )
    finally:
        conn.close()


def prepare(scale: str, seed: int, say: Callable[[str], None]) -> tuple[str, dict[str, Any]]:
    """The scale's database (created, migrated and seeded unless it already was): URL, record."""
    from django.core.management import call_command

    import fixtures
    from workbench.load.database import using_database

    parsed = fixtures.parse_scale(scale)
    base = services.database_url()
    name = database_name(dsn.database_settings(base)["NAME"], parsed.name)
    url = dsn.with_database(base, name)
    ownership.create_database(url)  # refuses a same-named database that is not ours
    record = seeded_as(url)
    with using_database(name):
        call_command("migrate", verbosity=0, interactive=False)
        if record and record.get("scale") == parsed.name and record.get("seed") == seed:
            say(f"{parsed.name}: reusing {name} ({record['rows']:,} rows, seed {seed})")
            return url, record
        say(f"{parsed.name}: seeding {name}")
        seeded = fixtures.seed(parsed, seed=seed, reset=True, progress=False)
    record = {"scale": parsed.name, "users": parsed.users, "seed": seed, "rows": seeded.total_rows}
    _record(url, record)
    return url, record


def _clear_cache() -> None:
    import marketplace.cache

    marketplace.cache.clear()


def curves(
    measured: Sequence[tuple[dict[str, Any], Any]], min_change: float | None = None
) -> list[dict[str, Any]]:
    """Per scenario and variant: points, the growth of p50 and of queries, the growing node.

    ``measured``: ``(record, MeasureResult)`` per scale, smallest first.
    """
    extra = {} if min_change is None else {"min_change": min_change}
    first, last = measured[0][1], measured[-1][1]
    out = []
    for scenario, entry in first.scenarios.items():
        for variant in entry["variants"]:
            points = []
            for record, result in measured:
                figures = result.scenarios.get(scenario, {}).get("variants", {}).get(variant)
                if figures:
                    # A cached variant's hits cost the same at any size: its growth is
                    # its misses' (the queries and latency a miss pays).
                    miss = figures.get("miss") or {}
                    on_miss = bool(miss.get("samples")) and "queries" in miss
                    points.append(
                        {
                            "scale": record["scale"],
                            "rows": record["rows"],
                            "on": "miss" if on_miss else "every call",
                            "p50_ms": miss["p50_ms"] if on_miss else figures.get("p50_ms"),
                            "queries": miss["queries"] if on_miss else figures.get("queries"),
                        }
                    )
            line: dict[str, Any] = {"scenario": scenario, "variant": variant, "points": points}
            for key, figure in (("growth", "p50_ms"), ("queries_growth", "queries")):
                try:
                    line[key] = fit([(p["rows"], p[figure]) for p in points], **extra).kind
                except ValueError:
                    line[key] = None
            node = growing_node(_plans(first, scenario, variant), _plans(last, scenario, variant))
            if node and len(points) >= 2 and node["small_ms"] > 0:
                ends = [
                    (points[0]["rows"], node["small_ms"]),
                    (points[-1]["rows"], node["large_ms"]),
                ]
                node["growth"] = fit(ends, **extra).kind
            line["growing_node"] = node
            out.append(line)
    return out


def _plans(result, scenario: str, variant: str) -> list[dict[str, Any]]:
    return [
        doc["plan"]
        for (s, v, _), doc in result.plan_documents.items()
        if s == scenario and v == variant
    ]


def scale_curves(
    scales: Iterable[str],
    variants: Iterable[str] = DEFAULT_VARIANTS,
    *,
    scenarios: Iterable[str] | None = None,
    seed: int = 42,
    repeat: int = REPEAT,
    time_box: float | None = TIME_BOX,
    progress: Callable[[str], None] | None = None,
) -> list[dict[str, Any]]:
    """Seed (or reuse) each scale, measure, and fit the curves (see the module doc)."""
    from workbench.load.database import using_database
    from workbench.study.measure import measure

    say = progress or (lambda line: None)
    variants = list(variants)
    measured = []
    for scale in scales:
        url, record = prepare(scale, seed, say)
        ownership.ensure_owned("change the indexes of", url=url)
        name = dsn.database_settings(url)["NAME"]
        _clear_cache()
        try:
            with using_database(name):
                say(f"{record['scale']}: measuring {', '.join(variants)}")
                result = measure(
                    scenarios,
                    variants,
                    repeat=repeat,
                    time_box=time_box,
                    mixed_requests=0,
                    seed=seed,
                    context={"scale": record["scale"], "rows": record["rows"]},
                )
        finally:
            _clear_cache()
        measured.append((record, result))
    measured.sort(key=lambda pair: pair[0]["rows"])
    return curves(measured)
