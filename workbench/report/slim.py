"""A run folder made light once the run is over: the same data in fewer bytes.

``workbench report`` calls both after the last notebook, before the front page is
written; every reader of the folder (``workbench.report.run_folder.collect``,
``analysis.measure.MeasureResult.read``) reads it the same afterwards.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from workbench.report.run_folder import BASELINE_STAGE, STAGES


def compact_measurements(results_dir: str | os.PathLike) -> int:
    """Rewrite the stages' measurement JSON without indentation; the bytes saved.

    The same data, read the same way (``MeasureResult.read``): a run folder is shared,
    and its hundreds of plan documents are machine data that indentation makes a third
    bigger. ``summary.json``, the file people open, keeps its indentation.
    """
    saved = 0
    for stage in STAGES:
        folder = Path(results_dir) / stage
        for path in [folder / "results.json", *sorted((folder / "plans").rglob("*.json"))]:
            try:
                text = path.read_text(encoding="utf-8")
                compact = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
            except (OSError, ValueError):
                continue
            if len(compact) < len(text):
                path.write_text(compact + "\n", encoding="utf-8")
                saved += len(text) - len(compact) - 1
    return saved


def dedupe_plans(results_dir: str | os.PathLike) -> int:
    """Remove the plan documents of 03 to 05 that 02_baseline's folder holds identically.

    A later stage takes its variants from 02's interleaved run, plans included, and
    stores them again; the copy says nothing new. Reading the stages together
    (:func:`collect`, :func:`merge`) finds each document in 02's folder instead. Only
    documents equal to 02's are removed; the files removed are counted.
    """
    root = Path(results_dir)
    reference = root / BASELINE_STAGE / "plans"
    removed = 0
    for stage in STAGES[1:]:
        plans = root / stage / "plans"
        for path in sorted(plans.rglob("*.json")):
            twin = reference / path.relative_to(plans)
            try:
                same = twin.exists() and json.loads(twin.read_text()) == json.loads(
                    path.read_text()
                )
            except (OSError, ValueError):
                same = False
            if same:
                path.unlink()
                removed += 1
        for folder in sorted([*plans.rglob("*"), plans], key=lambda p: -len(p.parts)):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
    return removed
