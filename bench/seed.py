"""Benchmark: `fixtures.seed` against a raw COPY of the same rows and against Django's bulk_create.

Usage: ``python bench/seed.py --scale medium [--seed 42] [--rounds 3] [--bulk-scale S] [--keep]``

It creates a fresh database next to the workbench's (``DATABASE_URL`` or the embedded
server), migrates it, seeds it, and then, in the same run and on the same data:

* **raw COPY**: the very same rows, written to files beforehand (COPY text format), loaded with the
  same transaction recipe as the seeder (truncate, drop keys and indexes, ``COPY
  FREEZE``, rebuild, ANALYZE), so the database ends in the same state. Only the
  generation is missing, so ``vs_copy`` is the share of the physical limit the
  generator keeps. ``copy_load_only_rows_per_s`` is the bare ingest rate (COPY into
  index-free tables, nothing rebuilt), to compare with our own load phase
  (``load_rows_per_s``, generation included).
* **bulk_create**: the same data seeded with Django instead: the same generator, model
  instances, ``bulk_create(batch_size=2000)`` in load order into the emptied tables
  with their keys and indexes, foreign keys checked per statement, ANALYZE; rolled
  back. It runs once (at ``--bulk-scale``, default the same scale), as it is slow.

The seeder and the COPY baselines run once per round (after a CHECKPOINT), so a load
spike from elsewhere on the machine hits all of them; rates are medians over rounds,
and ``vs_copy*`` are medians of the per-round ratios.
Prints one JSON line, then drops the database (unless ``--keep``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import scratch  # noqa: E402  (bench/, this script's own folder)

from marketplace.dsn import redact  # noqa: E402
from workbench.env import services  # noqa: E402


def _checkpoint(raw) -> None:
    """Flush dirty buffers now, so a checkpoint does not land inside one measurement only."""
    import psycopg2

    try:
        with raw.cursor() as cur:
            cur.execute("CHECKPOINT")
        raw.commit()
    except psycopg2.Error:  # not a superuser (or pg_checkpoint member): measure anyway
        raw.rollback()


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _write_files(generator, folder: Path) -> list[tuple[str, list[str], Path, int]]:
    from fixtures import load

    files = []
    for i, batch in enumerate(generator.batches()):
        path = folder / f"{i:05d}_{batch.table}.tsv"
        with open(path, "wb") as fh:
            fh.write(load.encode(batch.data))
        files.append((batch.table, batch.data.column_names, path, batch.data.num_rows))
    return files


def _raw_copy_same_recipe(raw, files) -> float:
    """Seconds to load the files with the seeder's recipe, committed."""
    from fixtures import load

    t0 = time.perf_counter()
    with raw.cursor() as cur:
        cur.execute("SET LOCAL maintenance_work_mem = '256MB'")
        cur.execute("SET LOCAL work_mem = '64MB'")
        cur.execute("SET LOCAL TIME ZONE 'UTC'")
        cur.execute("SET LOCAL synchronous_commit = off")
        load.truncate(cur)
        saved = load.drop_keys_and_indexes(cur)
        for table, columns, path, _ in files:
            with open(path, "rb") as fh:
                cur.copy_expert(load.copy_statement(table, columns), fh, size=1 << 20)
        load.restore_keys_and_indexes(cur, saved)
        load.reset_sequences(cur)
        load.analyze(cur)
    raw.commit()
    return time.perf_counter() - t0


def _raw_copy_load_only(raw, files) -> float:
    """Seconds for the bare COPY into index-free copies of the tables (rolled back)."""
    from fixtures import load

    with raw.cursor() as cur:
        cur.execute("SET LOCAL TIME ZONE 'UTC'")
        cur.execute("CREATE SCHEMA bench_raw_copy")
        for table in load.MARKETPLACE_TABLES:
            cur.execute(
                f'CREATE TABLE bench_raw_copy."{table}" (LIKE public."{table}" INCLUDING DEFAULTS)'
            )
        cur.execute("SET LOCAL search_path = bench_raw_copy")
        t0 = time.perf_counter()
        for table, columns, path, _ in files:
            with open(path, "rb") as fh:
                cur.copy_expert(load.copy_statement(table, columns), fh, size=1 << 20)
        seconds = time.perf_counter() - t0
    raw.rollback()
    return seconds


def _bulk_create_all(scale, seed: int) -> tuple[int, float]:
    """Rows and seconds to seed the same data with Django's bulk_create instead.

    The fair alternative to the seeder, end to end: the same generator (so generation
    costs the same), each batch turned into model instances and ``bulk_create``-d in
    load order into the emptied tables with their keys and indexes, foreign keys checked
    per statement (as a commit would), then ANALYZE. Rolled back, the TRUNCATE included.
    """
    import pyarrow as pa
    from django.apps import apps
    from django.db import connection, transaction

    import fixtures
    from fixtures import load
    from fixtures.generate import TS, Generator

    models = {m._meta.db_table: m for m in apps.get_models()}
    total = 0
    with transaction.atomic():
        with connection.cursor() as cur:
            load.truncate(cur)
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
        t0 = time.perf_counter()
        for batch in Generator(scale, seed, fixtures.password_hash(seed)).batches():
            data = batch.data.cast(  # the generator's timestamps are naive UTC; Django's aware
                pa.schema(
                    pa.field(f.name, pa.timestamp("us", tz="UTC")) if f.type == TS else f
                    for f in batch.data.schema
                )
            )
            model = models[batch.table]
            # column names are the fields' attnames (client_id, ...)
            objects = [model(**r) for r in data.to_pylist()]
            model.objects.bulk_create(objects, batch_size=2000)
            total += len(objects)
        with connection.cursor() as cur:
            load.analyze(cur)
        seconds = time.perf_counter() - t0
        transaction.set_rollback(True)
    return total, seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium")
    parser.add_argument("--seed", default="42")
    parser.add_argument(
        "--bulk-scale",
        default=None,
        help="scale of the bulk_create comparison (default: --scale; ~10x slower than ours)",
    )
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = parser.parse_args(argv)

    import fixtures
    from fixtures.generate import Generator
    from fixtures.seeding import _connect

    scale = fixtures.parse_scale(args.scale)
    seed = fixtures.parse_seed(args.seed)
    url = scratch.create("seed")
    tmp = Path(tempfile.mkdtemp(prefix="wb-bench-seed-"))
    try:
        from django.core.management import call_command

        from workbench.env import django_env

        django_env.setup()
        call_command("migrate", verbosity=0)

        raw = _connect()
        with raw.cursor() as cur:
            cur.execute("SHOW server_version")
            server_version = cur.fetchone()[0]
        raw.commit()
        # The first seed runs before anything else is generated, so the process's peak RSS
        # is the seeder's own (plus Django and the imports).
        _checkpoint(raw)
        runs: dict[str, list] = {"ours": [], "copy": [], "copy_load_only": [], "bulk": []}
        runs["ours"].append(fixtures.seed(scale, seed=seed, progress=False))
        peak_rss_mb = _peak_rss_mb()

        generator = Generator(scale, seed, fixtures.password_hash(seed))
        files = _write_files(generator, tmp)
        del generator
        bulk_scale = fixtures.parse_scale(args.bulk_scale or args.scale)
        file_mb = sum(f[2].stat().st_size for f in files) / 1e6
        # Rounds interleave every alternative, so a neighbour's load spike hits them all;
        # the medians are reported.
        for i in range(args.rounds):
            if i > 0:
                _checkpoint(raw)
                runs["ours"].append(fixtures.seed(scale, seed=seed, reset=True, progress=False))
            _checkpoint(raw)
            runs["copy"].append(_raw_copy_same_recipe(raw, files))
            _checkpoint(raw)
            runs["copy_load_only"].append(_raw_copy_load_only(raw, files))
            if i == 0:  # once: it takes about ten times as long as the others together
                _checkpoint(raw)
                runs["bulk"].append(_bulk_create_all(bulk_scale, seed))
        raw.close()
        shutil.rmtree(tmp, ignore_errors=True)
        from django.db import connection

        connection.close()

        ours = sorted(runs["ours"], key=lambda r: r.seconds)[len(runs["ours"]) // 2]
        assert sum(f[3] for f in files) == ours.total_rows
        copy_s = statistics.median(runs["copy"])
        copy_load_only_s = statistics.median(runs["copy_load_only"])
        bulk_rows = runs["bulk"][0][0]
        bulk_s = statistics.median(s for _, s in runs["bulk"])
        rows = ours.total_rows
        copy_rps = rows / copy_s
        bulk_rps = bulk_rows / bulk_s
        # Ratios pair the runs of one round (same neighbours, same moment), then take the median.
        rounds = list(zip(runs["ours"], runs["copy"], runs["copy_load_only"], strict=True))
        vs_copy = statistics.median(c / o.seconds for o, c, _ in rounds)
        vs_copy_load_only = statistics.median(c / o.load_s for o, _, c in rounds)
        vs_bulk = ours.rows_per_s / bulk_rps
        result = {
            "scale": scale.name,
            "users": scale.users,
            "seed": seed,
            "rows": rows,
            "rows_per_table": ours.rows,
            "seconds": round(ours.seconds, 3),
            "generate_s": round(ours.generate_s, 3),
            "load_s": round(ours.load_s, 3),
            "index_s": round(ours.index_s, 3),
            "analyze_s": round(ours.analyze_s, 3),
            "rows_per_s": round(ours.rows_per_s),
            "copy_seconds": round(copy_s, 3),
            "copy_rows_per_s": round(copy_rps),
            "load_rows_per_s": round(rows / ours.load_s),
            "copy_load_only_rows_per_s": round(rows / copy_load_only_s),
            "copy_file_mb": round(file_mb, 1),
            "bulk_create_rows": bulk_rows,
            "bulk_create_seconds": round(bulk_s, 3),
            "bulk_create_rows_per_s": round(bulk_rps),
            "vs_copy": round(vs_copy, 3),
            "vs_copy_load_only": round(vs_copy_load_only, 3),
            "vs_bulk_create": round(vs_bulk, 1),
            "rounds": args.rounds,
            "seconds_each": [round(r.seconds, 2) for r in runs["ours"]],
            "copy_seconds_each": [round(x, 2) for x in runs["copy"]],
            "peak_rss_mb": round(peak_rss_mb, 1),
            "machine": {
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "postgresql": server_version,
                "database": redact(services.database_url()),
            },
        }
        print(json.dumps(result))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        scratch.drop(url, keep=args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
