"""What a report run leaves behind when it is interrupted (Ctrl-C, SIGINT from a scheduler).

papermill marks every cell that never ran as "completed" when a run ends early, so an
interrupted notebook would read as finished with empty outputs. The cells that ran keep
their outputs; the interrupted cell is marked failed, the ones after it "not run", and a
note at the top says where the run stopped.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

NOT_RUN = "not run"


def mark_interrupted(path: Path) -> int | None:
    """Make the partial notebook at ``path`` say honestly what ran; the interrupted cell's number."""
    if not path.exists():
        return None
    nb = nbformat.read(path, as_version=4)
    stopped = None
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        meta = cell.metadata.setdefault("papermill", {})
        if cell.get("execution_count") is None and not cell.get("outputs"):
            if stopped is None and meta.get("status") == "running":
                stopped = number
                meta["status"] = "failed"
            elif meta.get("status") in ("completed", "pending", "running"):
                meta["status"] = NOT_RUN
                if stopped is None:
                    stopped = number
        elif any(o.get("ename") == "KeyboardInterrupt" for o in cell.get("outputs", [])):
            meta["status"] = "failed"
            stopped = number
    note = nbformat.v4.new_markdown_cell(
        "**This run was interrupted**"
        + (f" in code cell {stopped + 1}" if stopped is not None else "")
        + ": the cells before it ran and kept their outputs; the cells after it did not run."
    )
    note.metadata["tags"] = ["workbench-interrupted"]
    nb.cells.insert(0, note)
    nbformat.write(nb, path)
    return stopped
