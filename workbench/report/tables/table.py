"""A table as the report shows it: text cells formatted once, long ones folded, never empty.

Notebooks display a :class:`Table` (its ``_repr_html_``); code and tests read its
``frame`` (a DataFrame of the same text) or ``rows``. Rendering it here rather than
through pandas keeps every number in the one format of ``workbench.report.formats`` (no
``2.64e+01``), lets a long cell (a suggested fix, a plan change, a finding, a statement)
fold into an HTML ``<details>`` instead of being cut with "...", and turns a table with
no rows into the sentence saying why there is nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbench.report.formats import cell

if TYPE_CHECKING:
    import pandas as pd

FOLD_AT = 90  # characters; a longer cell shows its start and opens to the whole text
_NUMERIC = re.compile(r"^[-+<>]?\s?[\d.,]+\s?(x|%|ms|s|kB|MB)?(\s.*)?$")
_LEFT = "text-align:left;vertical-align:top"
_RIGHT = "text-align:right;vertical-align:top;font-variant-numeric:tabular-nums;white-space:nowrap"


class Code(str):
    """A cell shown in a fixed-width font (SQL, a call site, a fix)."""


@dataclass
class Table:
    """Rows of text under a header; the first ``index`` columns name the row."""

    header: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = "Nothing to show."
    index: int = 1
    fold_at: int = FOLD_AT

    def __post_init__(self) -> None:
        self.rows = [[_text(v) for v in row] for row in self.rows]

    def __len__(self) -> int:
        return len(self.rows)

    @property
    def is_empty(self) -> bool:
        return not self.rows

    def column(self, name: str) -> list[str]:
        position = self.header.index(name)
        return [row[position] for row in self.rows]

    @property
    def frame(self) -> pd.DataFrame:
        """The same text as a DataFrame, indexed by the naming columns."""
        import pandas as pd

        frame = pd.DataFrame([[str(c) for c in row] for row in self.rows], columns=self.header)
        names = self.header[: self.index]
        return frame.set_index(names if len(names) > 1 else names[0]) if names else frame

    def _repr_html_(self) -> str:
        if not self.rows:
            return f'<p class="wb-empty"><em>{html.escape(self.empty)}</em></p>'
        head = "".join(f'<th style="{_LEFT}">{html.escape(h)}</th>' for h in self.header)
        body = "".join(
            "<tr>"
            + "".join(self._cell(value, i < self.index) for i, value in enumerate(row))
            + "</tr>"
            for row in self.rows
        )
        return (
            '<div style="overflow-x:auto"><table class="wb-table">'
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>"
        )

    def _cell(self, value: str, names_row: bool) -> str:
        tag = "th" if names_row else "td"
        text = str(value)
        numeric = not isinstance(value, Code) and bool(_NUMERIC.match(text))
        style = _RIGHT if numeric else _LEFT
        return f'<{tag} style="{style}">{self._content(value)}</{tag}>'

    def _content(self, value: str) -> str:
        text = str(value)
        shown = html.escape(text)
        if isinstance(value, Code):
            shown = f"<code>{shown}</code>"
        if len(text) <= self.fold_at:
            return shown
        start = html.escape(text[: self.fold_at - 30].rstrip()) + " ..."
        return (
            f'<details style="max-width:42em;white-space:normal"><summary>{start}</summary>'
            f"{shown}</details>"
        )

    def __repr__(self) -> str:
        if not self.rows:
            return self.empty
        cells = [self.header, *[[str(c) for c in row] for row in self.rows]]
        widths = [min(max(len(r[i]) for r in cells), 60) for i in range(len(self.header))]
        lines = [
            "  ".join(_cut(c, w).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in cells
        ]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def _text(value: Any) -> str:
    return value if isinstance(value, str) else cell(value)


def table(
    header: Sequence[str], rows: Sequence[Sequence[Any]], empty: str, index: int = 1
) -> Table:
    return Table(list(header), [list(r) for r in rows], empty=empty, index=index)
