"""Wall time of the whole report pipeline, per notebook, at one or more scales.

    python bench/report.py --scale tiny --scale medium
    python bench/report.py --scale large --repeat 200   # the report's own settings

Prints one JSON line per scale: ``{"scale", "seconds", "per_notebook": {name: seconds},
"render_seconds", "slowest_cells", "ok"}``. ``seconds`` is the whole run (kernels,
notebooks, HTML); ``per_notebook`` is each notebook's execution including its kernel's
start; ``slowest_cells`` the five slowest cells of the run (``timings.json``).
``--repeat`` defaults to 5 (a quick look); pass the report's default to time what
``workbench report`` does. The run
re-seeds the configured database, so point ``DATABASE_URL`` at a scratch database
made with ``workbench createdb`` when the workbench's own one holds data you want.
The target is ``make report`` (medium) within 5 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench(scale: str, out: Path, allow_external: bool, repeat: int) -> dict:
    from workbench.env import ownership
    from workbench.report import run_plan, timings
    from workbench.report import runner as report
    from workbench.report.progress import Progress

    plan = run_plan.plan(options={"scale": scale, "seed": 42, "repeat": repeat}, out=out)
    ownership.ensure_owned("run the report in", allow_external)
    result = report.run(plan, Progress(io.StringIO(), tty=False))
    per_notebook = {n.name: round(n.seconds, 2) for n in result.notebooks}
    spent = json.loads((out / timings.TIMINGS_FILE).read_text())
    cells = [{"notebook": n["name"], **c} for n in spent["notebooks"] for c in n["cells"]]
    return {
        "scale": scale,
        "seconds": round(result.seconds, 2),
        "per_notebook": per_notebook,
        "render_seconds": spent["render_seconds"],
        "slowest_cells": sorted(cells, key=lambda c: -c["seconds"])[:5],
        "ok": result.ok,
        **({"problem": result.problem} if result.problem else {}),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", action="append", help="a preset or users (repeatable; tiny)")
    parser.add_argument("--keep", type=Path, help="keep each run under this folder")
    parser.add_argument("--allow-external", action="store_true")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls per cell (5)")
    args = parser.parse_args()
    failed = False
    for scale in args.scale or ["tiny"]:
        tmp = Path(tempfile.mkdtemp(prefix="wb-bench-report-"))
        out = (args.keep / scale) if args.keep else tmp / "run"
        try:
            line = bench(scale, out, args.allow_external, args.repeat)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        failed |= not line["ok"]
        print(json.dumps(line), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    from workbench.errors import WorkbenchError

    try:
        sys.exit(main())
    except WorkbenchError as exc:
        sys.exit(f"bench/report.py: error: {exc}")
