"""Where a report run's time went: ``timings.json`` in the run folder.

A scheduled run that grows slow (a bigger scale, a slower server) should say which step
grew without anyone re-running it under a profiler. papermill records every executed
cell's start, end and duration in the output notebook's metadata; this module reads them
back, names each code cell by its first line that is no import or comment (``stage =
report_steps.measure_stage(``), and writes, per notebook, the seconds of
its kernel and of each cell, plus the rendering to HTML, slowest first within each
notebook::

    {"total_seconds": 261.4, "render_seconds": 6.2,
     "notebooks": [{"name": "02_baseline", "seconds": 88.1, "status": "ok",
                    "kernel_seconds": 3.0,
                    "cells": [{"cell": 3, "seconds": 80.2, "first_line": "result = ..."}]}]}

``cell`` counts the source notebook's code cells from 1 (papermill's injected cell left
out), as ``describe_failure`` does; ``kernel_seconds`` is the notebook's time outside its
cells (starting and stopping the kernel, papermill's own work).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import nbformat

TIMINGS_FILE = "timings.json"


def first_line(source: str) -> str:
    """A cell named by its first non-blank line, cut to 80 characters."""
    line = next((ln.strip() for ln in source.splitlines() if ln.strip()), "")
    return line if len(line) <= 80 else line[:77] + "..."


def step_line(source: str) -> str:
    """A cell named by what it does: its first line that is no import or comment."""
    for line in source.splitlines():
        text = line.strip()
        if text and not text.startswith(("import ", "from ", "#")):
            return first_line(text)
    return first_line(source)


def cell_seconds(path: Path) -> list[dict[str, Any]]:
    """Each executed code cell's seconds, from papermill's metadata, in notebook order."""
    try:
        nb = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return []
    out, number = [], 0
    for cell in nb.cells:
        if cell.cell_type != "code" or "injected-parameters" in cell.metadata.get("tags", []):
            continue
        number += 1
        duration = cell.metadata.get("papermill", {}).get("duration")
        if duration is None:  # not reached (an earlier cell failed, or an interrupt)
            continue
        out.append(
            {"cell": number, "seconds": round(duration, 3), "first_line": step_line(cell.source)}
        )
    return out


def record(notebooks: Iterable[Any], total_seconds: float, render_seconds: float) -> dict:
    """The timings document of a run's notebook results (``NotebookResult``-like objects)."""
    entries = []
    for result in notebooks:
        cells = cell_seconds(result.output) if result.output and result.output.exists() else []
        in_cells = sum(c["seconds"] for c in cells)
        entries.append(
            {
                "name": result.name,
                "status": result.status,
                "seconds": round(result.seconds, 3),
                "kernel_seconds": round(max(result.seconds - in_cells, 0.0), 3),
                "cells": sorted(cells, key=lambda c: -c["seconds"]),
            }
        )
    return {
        "total_seconds": round(total_seconds, 3),
        "render_seconds": round(render_seconds, 3),
        "notebooks": entries,
    }


def write(folder: Path, document: dict) -> Path:
    path = folder / TIMINGS_FILE
    path.write_text(json.dumps(document, indent=2) + "\n")
    return path
