"""Where a report run is: a live line on a terminal, plain lines in a log (cron, CI, a pipe).

Drawn with the project's one progress display (``fixtures.progress.Display``, tqdm on a
terminal), so a report run looks like seeding: ``[2/6] 02_baseline  75%|...| 3/4 cells``.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

from fixtures.progress import Display
from workbench.report.result import NotebookResult


class Progress:
    """Told by the runner when each notebook and code cell starts and ends."""

    TICK = 0.5  # seconds between redraws of the elapsed time on a terminal

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None
        self._display = Display("off", self.stream)
        self.label, self.cell, self.done, self.total, self.started = "", 0, 0, 0, 0.0

    def _tick(self) -> None:
        while not self._stop.wait(self.TICK):
            with self._lock:
                self._display.refresh()

    def notebook_start(self, position: int, count: int, name: str, cells: int) -> None:
        with self._lock:
            self.label, self.cell, self.done = f"[{position}/{count}] {name}", 0, 0
            self.total = cells
            self.started = time.monotonic()
            mode = "bar" if self.tty else "lines"
            self._display = Display(mode, self.stream, self.label, total=cells, unit="cells")
            if not self.tty:
                self._display.line(f"{self.label}: running ({cells} cells)")
        if self.tty and self._ticker is None:
            self._stop.clear()
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def cell_start(self, ordinal: int, total: int) -> None:
        with self._lock:
            self.cell, self.total = ordinal, total
            self._display.update(total=total, postfix=f"cell {ordinal} running")
            self._display.refresh()

    def cell_done(self, ordinal: int, total: int, failed: bool = False) -> None:
        with self._lock:
            if not failed:
                self.done = ordinal
            if self.tty:
                state = f"cell {ordinal} failed" if failed else ""
                self._display.update(n=self.done, total=total, postfix=state)
            else:
                elapsed = time.monotonic() - self.started
                state = "failed" if failed else "done"
                self._display.line(f"{self.label}: cell {ordinal}/{total} {state} ({elapsed:.1f}s)")

    def notebook_done(self, result: NotebookResult) -> None:
        self._stop_ticker()
        with self._lock:
            self._display.close()
            verdict = "ok" if result.status == "ok" else "FAILED"
            self.stream.write(f"{self.label}: {verdict} in {result.seconds:.1f}s\n")
            self.stream.flush()

    def _stop_ticker(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
            self._ticker = None
