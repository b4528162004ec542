"""timings.json: papermill's per-cell durations read back, per notebook, slowest first."""

import json
from dataclasses import dataclass
from pathlib import Path

import nbformat

from workbench.report import timings


def _cell(source: str, duration: float | None, tags=()):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["tags"] = list(tags)
    if duration is not None:
        cell.metadata["papermill"] = {"duration": duration, "status": "completed"}
    return cell


@dataclass
class _Result:
    name: str
    status: str
    seconds: float
    output: Path | None


def _notebook(path: Path, cells) -> Path:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# title"), *cells])
    nbformat.write(nb, path)
    return path


def test_cells_are_numbered_as_in_the_notebook_and_unreached_ones_left_out(tmp_path):
    path = _notebook(
        tmp_path / "02_baseline.ipynb",
        [
            _cell("scale = 'tiny'", 0.01, ["parameters"]),
            _cell("# Parameters\nscale = 'medium'", 0.02, ["injected-parameters"]),
            _cell("from workbench import x\nbootstrap()", 1.5),
            _cell("\n\nresult = measure_stage(scale, repeat)  " + "x" * 80, 80.25),
            _cell("show(result)", None),  # the run stopped before it
            _cell("import os\n# only imports", 0.1),
        ],
    )
    cells = timings.cell_seconds(path)
    assert [c["cell"] for c in cells] == [1, 2, 3, 5]
    assert cells[3]["first_line"] == "import os"
    assert cells[1]["first_line"] == "bootstrap()"  # what the cell does, not its imports
    assert (
        cells[2]["first_line"].startswith("result = measure_stage(")
        and len(cells[2]["first_line"]) == 80
    )


def test_the_document_puts_the_slowest_cell_first_and_the_rest_on_the_kernel(tmp_path):
    path = _notebook(
        tmp_path / "03_indexes.ipynb",
        [_cell("a = 1", 0.5, ["parameters"]), _cell("advise()", 40.0), _cell("show()", 2.0)],
    )
    results = [
        _Result("03_indexes", "ok", 45.0, path),
        _Result("04_eager_loading", "skipped", 0.0, None),
    ]
    document = timings.record(results, total_seconds=50.0, render_seconds=4.25)
    written = json.loads(timings.write(tmp_path, document).read_text())
    assert written["total_seconds"] == 50.0 and written["render_seconds"] == 4.25
    first, skipped = written["notebooks"]
    assert [c["first_line"] for c in first["cells"]] == ["advise()", "show()", "a = 1"]
    assert first["kernel_seconds"] == 2.5  # 45 s in all, 42.5 s in its cells
    assert skipped == {
        "name": "04_eager_loading",
        "status": "skipped",
        "seconds": 0.0,
        "kernel_seconds": 0.0,
        "cells": [],
    }


def test_an_unreadable_notebook_gives_no_cells(tmp_path):
    broken = tmp_path / "05_caching.ipynb"
    broken.write_text("{ not json")
    assert timings.cell_seconds(broken) == []
