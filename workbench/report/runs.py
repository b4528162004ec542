"""The folder holding the run folders: an index across runs with trends, and pruning.

Every run folder ``workbench report`` makes carries a ``run.json`` that says so
(``made_by``); only those are counted, charted or pruned, never anything else in the
folder. After every run:

* :func:`write_index` writes ``index.html`` in the folder of runs (``reports/``): one
  line per run (when, scale, commit, criteria passed, a link to its front page), and a
  trend chart per scenario (p50 and queries of each variant, run after run), built from
  each run's ``summary.json``; runs at different scales are charted apart. It is written
  only where the folder holds nothing but run folders and the index's own files, so a
  run made with ``--out ~/somewhere`` never writes into the home folder.
* :func:`prune` (``workbench report --keep N``) removes all but the newest N run folders.
"""

from __future__ import annotations

import html
import json
import shutil
from pathlib import Path
from typing import Any

from workbench.report import formats
from workbench.report.html import html_table, page
from workbench.report.plotting import PLOTLYJS_FILE, write_plotlyjs

MADE_BY = "django-db-workbench report"
RUN_FILE = "run.json"
OWN_FILES = {"index.html", PLOTLYJS_FILE, "latest"}


def run_info(folder: Path) -> dict[str, Any] | None:
    """The run.json of a run folder the workbench made, or None for anything else."""
    path = Path(folder) / RUN_FILE
    if not Path(folder).is_dir() or Path(folder).is_symlink() or not path.is_file():
        return None
    try:
        info = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) and info.get("made_by") == MADE_BY else None


def run_folders(parent: Path) -> list[Path]:
    """The workbench's run folders in ``parent``, oldest first (by start time, then name)."""
    found = []
    for child in Path(parent).iterdir() if Path(parent).is_dir() else []:
        info = run_info(child)
        if info is not None:
            found.append((str(info.get("started_at") or ""), child.name, child))
    return [path for _, _, path in sorted(found)]


def is_runs_folder(parent: Path) -> bool:
    """True when ``parent`` holds only run folders and the index's own files."""
    for child in Path(parent).iterdir():
        if child.name.startswith(".") or child.name in OWN_FILES:
            continue
        if run_info(child) is None:
            return False
    return True


def prune(parent: Path, keep: int, current: Path | None = None) -> list[Path]:
    """Remove all but the newest ``keep`` run folders (never ``current``); the removed."""
    folders = run_folders(parent)
    doomed = folders[: max(len(folders) - keep, 0)]
    removed = []
    for folder in doomed:
        if current is not None and folder.resolve() == Path(current).resolve():
            continue
        shutil.rmtree(folder)
        removed.append(folder)
    return removed


def _summary(folder: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((folder / "summary.json").read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _line(folder: Path, summary: dict[str, Any] | None) -> list[str]:
    info = run_info(folder) or {}
    link = f'<a href="{html.escape(folder.name)}/index.html">{html.escape(folder.name)}</a>'
    if summary is None:
        return [link, "", "", "", "no summary.json (the run failed or is running)"]
    params, env = summary.get("parameters", {}), summary.get("environment", {})
    found = summary.get("criteria", [])
    passed = sum(1 for c in found if c.get("passed"))
    verdict = (
        f'<span class="{"pass" if passed == len(found) else "fail"}">'
        f"{passed} of {len(found)} passed</span>"
        if found
        else "not judged"
    )
    commit = str(env.get("git_commit") or "")[:10] + (" (dirty)" if env.get("git_dirty") else "")
    when = str(info.get("started_at") or env.get("started_at") or "")  # the order's own key
    scale = f"{params.get('scale', '?')} (seed {params.get('seed', '?')})"
    return [link, html.escape(when), html.escape(scale), html.escape(commit), verdict]


def index_html(parent: Path) -> str:
    """The page: the runs, newest first, then each scale's trend charts."""
    from workbench.report.summary_figures import to_div, trend

    folders = run_folders(parent)
    summaries = {f: _summary(f) for f in folders}
    header = ["run", "started", "scale", "commit", "success criteria"]
    rows = [_line(f, summaries[f]) for f in reversed(folders)]
    parts = [
        "<h1>Report runs</h1>",
        f'<p class="meta">{len(folders)} run(s) in this folder, newest first; each links to '
        "its front page. <code>workbench report --keep N</code> keeps the newest N.</p>",
        html_table(header, rows, raw=True) if rows else "<p>No run folder here yet.</p>",
    ]
    by_scale: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    for folder in folders:
        summary = summaries[folder]
        if summary and summary.get("scenarios"):
            scale = str(summary.get("parameters", {}).get("scale", "?"))
            by_scale.setdefault(scale, []).append((folder.name, summary))
    charts = False
    for scale, runs in sorted(by_scale.items(), key=lambda item: item[1][-1][0], reverse=True):
        names = list(dict.fromkeys(s["name"] for _, summary in runs for s in summary["scenarios"]))
        parts.append(
            f'<h2>Trends at scale {html.escape(scale)}</h2><p class="note">'
            f"{len(runs)} run(s); p50 on a log scale, queries per request below it; a "
            "cached variant's figures are over its isolated calls, hits and misses.</p>"
        )
        parts.extend(to_div(trend(name, runs)) for name in names)
        charts = True
    if not by_scale:
        parts.append("<p>No run has a summary.json yet, so there is no trend to draw.</p>")
    note = f"{formats.count(len(folders))} runs"
    return page(f"Report runs ({note})", "".join(parts), PLOTLYJS_FILE if charts else None)


def write_index(parent: Path) -> Path | None:
    """Write ``parent/index.html`` (and its plotly.js) when ``parent`` is a folder of runs."""
    parent = Path(parent)
    if not parent.is_dir() or not is_runs_folder(parent) or not run_folders(parent):
        return None
    write_plotlyjs(parent)
    path = parent / "index.html"
    path.write_text(index_html(parent), encoding="utf-8")
    return path
