"""``workbench advise``: the index advisor alone, on the data as it is.

Judges the plan's 24 indexes together with the indexes the workload's own SQL asks
for (screened with HypoPG where the server has it, then built and timed for real, in a
transaction that is rolled back), decides one index set, and prints the actions ranked
by what they save: a table, or JSON with ``--json``. ``--migration DIR`` writes the set
as Django migrations, one per app. The report (``workbench report``) adds the code
actions (N+1 fixes, caching), which need its measured traffic.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from workbench.commands import argtypes
from workbench.env import ownership


def _refuse(message: str) -> int:
    print(f"workbench advise: error: {message}", file=sys.stderr)
    return 2


def _check_folder(folder: Path) -> str | None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        return f"--migration {folder} exists and is not an empty folder; pick a new one"
    return None


def _fmt(value, digits: int = 2) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}"


def render(recommendations: list[dict], advice: dict) -> str:
    """The actions as a fixed-width table, the ones not worth it apart, and how it was done."""
    header = ["#", "kind", "action", "saving", "95% interval", "unit", "write x"]

    def rows(items):
        return [
            [
                str(r["rank"]),
                r["kind"],
                r["action"],
                _fmt(r["saving_ms"]),
                "-"
                if not r["saving_ci"]
                else f"{r['saving_ci'][0]:.2f} to {r['saving_ci'][1]:.2f}",
                r["unit"],
                _fmt(r["write_cost_ratio"]),
            ]
            for r in items
        ]

    def table(body):
        widths = [max(len(x) for x in col) for col in zip(header, *body, strict=False)]
        lines = ["  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True))]
        lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in body]
        return "\n".join(lines)

    worth = [r for r in recommendations if r["worth_it"]]
    not_worth = [r for r in recommendations if not r["worth_it"]]
    parts = [table(rows(worth)) if worth else "nothing to do: no action clears the noise band"]
    if not_worth:
        parts.append("not worth it (saving within the noise band):\n" + table(rows(not_worth)))
    s = advice["index_set"]
    screen = advice["screen"].get("skipped") or (
        f"HypoPG screened the candidates, rejected {len(advice['screen'].get('rejected', {}))}"
    )
    built = sum(1 for r in advice["records"] if r["origin"] == "candidate")
    parts.append(
        f"index set: keep {len(s['keep'])}, add {len(s['add'])}, drop {len(s['drop'])} "
        f"({len(advice['candidates'])} candidates from the workload's SQL, {built} built and "
        f"timed; {screen}).\nmeasured on: {advice['measured_on']}; "
        f"{advice['rounds']} paired rounds; write x = write time with / without the index."
    )
    return "\n\n".join(parts)


def cmd_advise(args: argparse.Namespace) -> int:
    folder = Path(args.migration) if args.migration else None
    if folder is not None and (problem := _check_folder(folder)):
        return _refuse(problem)
    names = argtypes.names(args.scenarios)
    if not names:
        return _refuse("--scenarios: name at least one scenario (or all)")
    ownership.ensure_owned("audit indexes in", args.allow_external)
    from workbench.env import django_env

    django_env.setup()
    from workbench.study import advisor, recommend, scenarios

    try:
        names = scenarios.check_names(names)
    except ValueError as exc:
        return _refuse(str(exc))
    advice = advisor.advise(
        names,
        page_size=args.page_size,
        candidates=not args.no_candidates,
        use_hypopg=not args.no_hypopg,
        rounds=args.rounds,
        write_rows=args.write_rows,
        write_repeat=args.write_repeat,
        allow_external=args.allow_external,
    )
    written = []
    if folder is not None:
        written = advisor.write_migration(advice, folder, concurrently=args.concurrently)
    by_table = advisor.migration_by_table(advice, written)
    actions = recommend.recommendations(advice, None, by_table)
    if args.json:
        print(
            json.dumps(
                {
                    "recommendations": actions,
                    "index_set": advice["index_set"],
                    "screen": advice["screen"],
                    "measured_on": advice["measured_on"],
                    "migration": [str(p) for p in written],
                }
            )
        )
        return 0
    print(render(actions, advice))
    if written:
        print("migrations: " + ", ".join(str(p) for p in written))
    elif folder is not None:
        print("migrations: none (the set changes nothing)")
    return 0


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "advise",
        help="recommend the index set (keep, add, drop) measured on the current data",
        description=__doc__.splitlines()[0],
    )
    p.add_argument("--scenarios", default="all", help="comma-separated scenario names, or all")
    p.add_argument("--page-size", type=argtypes.positive, default=20, help="list page size (20)")
    p.add_argument("--json", action="store_true", help="print the recommendations as JSON")
    p.add_argument("--migration", metavar="DIR", help="write the set as Django migrations here")
    p.add_argument(
        "--concurrently",
        action="store_true",
        help="the migrations build and drop with CONCURRENTLY (non-atomic)",
    )
    p.add_argument("--no-candidates", action="store_true", help="judge only the plan's 24 indexes")
    p.add_argument("--no-hypopg", action="store_true", help="build every candidate, no screen")
    p.add_argument(
        "--rounds", type=argtypes.positive, default=7, help="paired timing rounds per decision (7)"
    )
    p.add_argument("--write-rows", type=argtypes.positive, default=500, help="rows per write batch")
    p.add_argument("--write-repeat", type=argtypes.positive, default=5, help="write rounds (5)")
    p.add_argument("--allow-external", action="store_true", help="run in a database not ours")
    p.set_defaults(func=cmd_advise, run_lock="advise")
