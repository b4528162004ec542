"""`workbench indexes list | apply | revert | audit`: the performance plan's indexes.

``apply`` and ``revert`` are Django migrations (each app's 0002 forward or back to 0001),
so the schema is always one the migrations define. ``audit`` builds each index in a
transaction it rolls back and says which ones earn their keep on the current data.
"""

from __future__ import annotations

import argparse
import json

from workbench.commands import argtypes
from workbench.env import maintenance, ownership
from workbench.errors import WorkbenchError


def _setup() -> None:
    from workbench.env import django_env

    django_env.setup()


def cmd_list(args: argparse.Namespace) -> int:
    _setup()
    from workbench.study import plan_indexes as perf_indexes

    there = perf_indexes.present()
    for spec in perf_indexes.index_specs():
        state = "present" if spec.name in there else "absent"
        print(f"{spec.name:<30} {spec.table:<18} {','.join(spec.columns):<30} {state}")
    print(f"{len(there)} of {len(perf_indexes.NAMES)} present")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    ownership.ensure_owned("add indexes to", args.allow_external)
    _setup()
    from workbench.study import plan_indexes as perf_indexes

    before = perf_indexes.present()
    created = perf_indexes.apply()  # also builds any the applied migrations should have made
    total = len(perf_indexes.NAMES)
    if not created:
        print(f"already applied: {total} of {total} present, nothing to do")
    elif before:
        print(
            f"{len(before)} of {total} were present; built the missing {len(created)}: "
            + ", ".join(created)
        )
    else:
        print(f"applied {len(created)} indexes: {', '.join(created)}")
    return 0


def cmd_revert(args: argparse.Namespace) -> int:
    ownership.ensure_owned("drop indexes from", args.allow_external)
    _setup()
    from workbench.study import plan_indexes as perf_indexes

    dropped = perf_indexes.revert()
    if dropped:
        print(f"reverted {len(dropped)} indexes: {', '.join(dropped)}")
    else:
        print("already reverted: nothing to do")
    return 0


def _fmt_size(n: int) -> str:
    return f"{n / 1024:.0f} kB" if n < 10 * 1024 * 1024 else f"{n / 1024 / 1024:.1f} MB"


def render_table(records: list[dict]) -> str:
    """The audit as a fixed-width text table (the notebook shows the DataFrame instead)."""
    header = ["index", "verdict", "duplicates", "size", "build ms", "write x", "used by", "gain ms"]
    rows = [
        [
            r["index"],
            r["verdict"],
            (f"{r['duplicates']} ({r['redundancy']})" if r["duplicates"] else "-"),
            _fmt_size(r["size_bytes"]),
            f"{r['build_ms']:.1f}",
            "-" if r["write_cost_ratio"] is None else f"{r['write_cost_ratio']:.2f}",
            ",".join(r["used_by"]) or "-",
            f"{r['gain_ms'] + 0.0:.2f}".replace("-0.00", "0.00"),
        ]
        for r in records
    ]
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows, strict=False)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    return "\n".join(lines)


def cmd_audit(args: argparse.Namespace) -> int:
    ownership.ensure_owned("audit indexes in", args.allow_external)
    _setup()

    from analysis.indexes import audit
    from analysis.indexes.audit import VERDICTS
    from marketplace.jobs.models import Job
    from workbench.study import plan_indexes as perf_indexes
    from workbench.study import writes as workload

    specs = perf_indexes.index_specs(args.only)
    perf_indexes.applied_apps()  # refuses an unmigrated database with one line
    if not Job.objects.exists():
        raise WorkbenchError("the database has no jobs to measure: run `workbench seed` first")
    if not args.no_vacuum:
        # Fresh statistics, and no broken HOT chains that would hide a new index from
        # the transaction that builds it.
        maintenance.vacuum({s.table for s in specs}, analyze=True)
    tables = sorted({s.table for s in specs})
    try:
        result = audit(
            specs,
            workload.default_workload(),
            repeat=args.repeat,
            write_rows=args.write_rows,
            write_repeat=args.write_repeat,
            rounds=args.rounds,
        )
    finally:
        # The write-cost rounds are rolled back but leave dead rows that would slow every
        # later scan; plain VACUUM (no ANALYZE) removes them without touching statistics.
        maintenance.vacuum(tables)
    records = result.records()
    if args.json:
        print(json.dumps(records))
        return 0
    print(render_table(records))
    notes = [f"  {r['index']}: {r['note']}" for r in records if r["note"]]
    if notes:
        print("\nnotes:\n" + "\n".join(notes))
    counts = {v: sum(r["verdict"] == v for r in records) for v in VERDICTS}
    print(
        f"\n{counts['useful']} useful, {counts['redundant']} redundant, {counts['unused']} unused, "
        f"{counts['no gain']} no gain, decided as one set: an index is kept only when a "
        "statement is measurably slower without it, and redundant only against one that stays "
        f"({result.statements} distinct statements from {len(result.workload)} workload entries; "
        "write x = batch write time with / without the index; gain = server time saved by the "
        "statements that use it alone; `workbench advise` also proposes new indexes)"
    )
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser("indexes", help="apply, revert or audit the plan's indexes")
    sub = p.add_subparsers(dest="indexes_command", metavar="ACTION", parser_class=type(p))
    sub.required = True

    s = sub.add_parser("list", help="the plan's indexes and whether each exists")
    s.set_defaults(func=cmd_list)
    for name, func, text in (
        ("apply", cmd_apply, "migrate accounts, jobs, payment, rating to 0002 (idempotent)"),
        ("revert", cmd_revert, "migrate them back to 0001, dropping the plan's indexes"),
    ):
        s = sub.add_parser(name, help=text)
        s.add_argument(
            "--allow-external", action="store_true", help="run DDL in a database not ours"
        )
        s.set_defaults(func=func, run_lock=f"indexes {name}")

    s = sub.add_parser(
        "audit", help="verdict per plan index, decided as a set: useful, redundant, unused, no gain"
    )
    s.add_argument("--json", action="store_true", help="print the records as JSON")
    s.add_argument("--only", nargs="+", metavar="NAME", help="audit only these indexes")
    s.add_argument(
        "--repeat", type=argtypes.positive, default=3, help="EXPLAIN ANALYZE runs (median)"
    )
    s.add_argument("--write-rows", type=argtypes.positive, default=500, help="rows per write batch")
    s.add_argument(
        "--write-repeat", type=argtypes.positive, default=7, help="write rounds (median)"
    )
    s.add_argument(
        "--rounds", type=argtypes.positive, default=7, help="paired rounds per set decision (7)"
    )
    s.add_argument("--no-vacuum", action="store_true", help="skip VACUUM ANALYZE beforehand")
    s.add_argument("--allow-external", action="store_true", help="audit in a database not ours")
    s.set_defaults(func=cmd_audit, run_lock="indexes audit")
