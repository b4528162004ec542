"""EXPLAIN's TEXT format, as pasted from production, read into the JSON format's shape.

Accepts the plan as psql prints it, with or without the ``QUERY PLAN`` header, its
dashes and the ``(N rows)`` footer, with the ``+`` marks psql puts at the end of a
multi-line cell, psql's wrapped format (``.`` at the end of a wrapped line and the
start of its continuation), and lines hard-wrapped by a terminal or a web form inside
an unclosed parenthesis. The result is the dictionary ``EXPLAIN (FORMAT JSON)`` would
return (``Plan`` with nested ``Plans``, ``Planning Time``, ``Execution Time``,
``Settings``), so ``analysis.plans.Plan`` treats both formats alike. Input it cannot
read raises :class:`PlanParseError` naming the line where parsing stopped.
"""

from __future__ import annotations

import re
from typing import Any

from analysis.errors import AnalysisError
from analysis.plantextlines import SUBPLAN, buffers, detail, node_line, number

_DASHES = re.compile(r"^\s*-{3,}\s*$")
_ROWS = re.compile(r"^\s*\(\d+ rows?\)\s*$")
_MEMBERS = {"Append": "Member", "Merge Append": "Member", "BitmapAnd": "Member",
            "BitmapOr": "Member", "Subquery Scan": "Subquery"}  # fmt: skip


class PlanParseError(AnalysisError, ValueError):
    """The TEXT plan could not be read; the message names the line where parsing stopped."""


def _lines(text: str) -> list[tuple[int, str]]:
    """Numbered lines without psql's decoration; wrapped lines joined back."""
    raw = text.replace("\r\n", "\n").split("\n")
    plus = any(re.search(r"\s\+\s*$", line) for line in raw)
    out: list[tuple[int, str]] = []
    for number_, line in enumerate(raw, start=1):
        if (
            line.strip() in ("QUERY PLAN", '"QUERY PLAN"')
            or _DASHES.match(line)
            or _ROWS.match(line)
        ):
            continue
        if plus:
            line = re.sub(r"\s*\+\s*$", "", line)
        line = line.rstrip()
        if out and out[-1][1].endswith(".") and line.startswith("."):  # psql's wrapped format
            out[-1] = (out[-1][0], out[-1][1][:-1] + line[1:])
            continue
        out.append((number_, line))
    return _join_wrapped([(n, line) for n, line in out if line.strip()])


def _unbalanced(line: str) -> bool:
    bare = re.sub(r"'(?:[^']|'')*'", "", line)
    return bare.count("(") > bare.count(")")


def _tail(line: str) -> bool:
    """The second half of a node line wrapped between its two parenthesised parts."""
    return line.lstrip().startswith(("(actual ", "(never executed)", "(cost="))


def _join_wrapped(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    out: list[tuple[int, str]] = []
    i = 0
    while i < len(lines):
        number_, line = lines[i]
        pieces = [line]
        i += 1
        while i < len(lines) and (_unbalanced("".join(pieces)) or _tail(lines[i][1])):
            if lines[i][1].lstrip().startswith("->"):
                break
            pieces.append(lines[i][1])
            i += 1
        # a terminal wraps at a column (nothing lost), a web form at a space (lost)
        tight = "".join(pieces)
        spaced = " ".join([pieces[0], *(p.strip() for p in pieces[1:])])
        out.append((number_, spaced if _is_node(spaced) and not _is_node(tight) else tight))
    return out


def _is_node(line: str) -> bool:
    text = line.strip()
    return node_line(text[2:].strip() if text.startswith("->") else text) is not None


def strip_psql(text: str) -> str:
    """The text without psql's header, footer, ``+`` marks and wrapping."""
    return "\n".join(line for _, line in _lines(text))


def _fail(number_: int, line: str, why: str) -> PlanParseError:
    return PlanParseError(f"cannot read the plan at line {number_}: {why}: {line.strip()!r}")


class _Reader:
    def __init__(self) -> None:
        self.document: dict[str, Any] = {}
        self.root_col = 0
        self.stack: list[tuple[int, dict[str, Any], str]] = []  # (col, target, kind)
        self.footer: dict[str, Any] | None = None

    def root(self, number_: int, line: str) -> None:
        text = line.strip()
        if text.startswith("->"):
            text = text[2:].strip()
        raw = node_line(text)
        if raw is None:
            raise _fail(number_, line, "not a plan node")
        self.document["Plan"] = raw
        self.root_col = len(line) - len(line.lstrip())
        self.stack = [(self.root_col, raw, "node")]

    def _pop(self, col: int) -> None:
        while len(self.stack) > 1 and self.stack[-1][0] >= col:
            self.stack.pop()

    def line(self, number_: int, line: str) -> None:
        col, text = len(line) - len(line.lstrip()), line.strip()
        if self.footer is not None or (col <= self.root_col and not text.startswith("->")):
            return self.footer_line(number_, line, col, text)
        self._pop(col)
        top_col, target, kind = self.stack[-1]
        if text.startswith("->"):
            body = text[2:].lstrip()
            raw = node_line(body)
            if raw is None or kind == "worker":
                raise _fail(number_, line, "not a plan node")
            if kind == "subplan":
                raw["Parent Relationship"] = (
                    "SubPlan" if target["name"].startswith("SubPlan") else "InitPlan"
                )
                raw["Subplan Name"] = target["name"]
                target = target["node"]
            target.setdefault("Plans", []).append(raw)
            self.stack.append((col + len(text) - len(body), raw, "node"))
        elif kind == "node" and SUBPLAN.match(text) and ": " not in text:
            self.stack.append((col, {"name": text, "node": target}, "subplan"))
        elif kind == "node" and re.match(r"^Worker \d+:", text):
            key, _, rest = text.partition(":")
            worker: dict[str, Any] = {"Worker Number": int(key.split()[1])}
            target.setdefault("Workers", []).append(worker)
            self.stack.append((col, worker, "worker"))
            if rest.strip():
                self.worker_detail(number_, line, worker, rest.strip())
        elif kind == "worker":
            self.worker_detail(number_, line, target, text)
        else:
            fields = detail(text) if kind == "node" else None
            if fields is None:
                raise _fail(number_, line, "not a node, a subplan or a 'Key: value' detail")
            target.update(fields)

    def worker_detail(self, number_: int, line: str, worker: dict[str, Any], text: str) -> None:
        actual = re.match(
            r"^actual (?:time=([\d.]+)\.\.([\d.]+) )?rows=([\d.]+) loops=(\d+)$", text
        )
        if actual:
            if actual.group(1):
                worker["Actual Startup Time"] = float(actual.group(1))
                worker["Actual Total Time"] = float(actual.group(2))
            worker.update(
                {"Actual Rows": number(actual.group(3)), "Actual Loops": int(actual.group(4))}
            )
            return
        fields = detail(text)
        if fields is None:
            raise _fail(number_, line, "not a worker's detail")
        worker.update(fields)

    def footer_line(self, number_: int, line: str, col: int, text: str) -> None:
        if col > self.root_col and self.footer is not None:  # under Planning:, JIT:, ...
            section = self.footer.setdefault("section", {})
            if text.startswith("Buffers:"):
                section.update(buffers(text.partition(":")[2].strip()) or {})
            return
        key, sep, value = text.partition(":")
        if not sep:
            raise _fail(number_, line, "not a plan node or a 'Key: value' line")
        self.footer = {"key": key}
        value = value.strip()
        if key in ("Planning Time", "Execution Time") and value.endswith(" ms"):
            self.document[key] = float(value[:-3])
        elif key == "Settings":
            pairs = re.findall(r"([\w.]+) = '((?:[^']|'')*)'", value)
            self.document["Settings"] = {k: v.replace("''", "'") for k, v in pairs}
        elif key == "Planning":
            self.footer["section"] = self.document.setdefault("Planning", {})
        elif value:
            self.document.setdefault("Footer", {})[key] = value


def parse_text(text: str) -> dict[str, Any]:
    """EXPLAIN's TEXT output (as psql prints it) as the JSON format's top-level object."""
    lines = _lines(text)
    reader = _Reader()
    for number_, line in lines:
        if "Plan" not in reader.document:
            if line.strip().startswith("Query Text:"):
                reader.document["Query Text"] = line.partition(":")[2].strip()
                continue
            reader.root(number_, line)
        else:
            reader.line(number_, line)
    if "Plan" not in reader.document:
        raise PlanParseError("cannot read the plan: no plan node in the input")
    _finish(reader.document["Plan"], timed=_timed(reader.document["Plan"]))
    return reader.document


def _timed(raw: dict[str, Any]) -> bool:
    return "Actual Total Time" in raw or any(_timed(c) for c in raw.get("Plans", []))


def _finish(raw: dict[str, Any], timed: bool) -> None:
    """What JSON states and TEXT leaves implicit: never-executed times, parent relationships."""
    if raw.pop("never executed", False) and timed:
        raw.update({"Actual Startup Time": 0.0, "Actual Total Time": 0.0})
    outer = 0
    for child in raw.get("Plans", []):
        if "Parent Relationship" not in child:
            member = _MEMBERS.get(raw["Node Type"])
            child["Parent Relationship"] = member or ("Outer" if outer == 0 else "Inner")
            outer += 1
        _finish(child, timed)
