"""One line of EXPLAIN's TEXT format as the fields its JSON format would hold.

A node line (``Hash Left Join  (cost=1.00..2.00 rows=10 width=8) (actual time=...)``)
becomes ``Node Type``, ``Join Type``, costs and actuals; a detail line (``Buffers:
shared hit=12 read=3``, ``Sort Method: external merge  Disk: 4096kB``) becomes the
JSON keys PostgreSQL would have sent, so the plan model does not know which format
it read. ``None`` means "not this kind of line"; the caller reports where it stopped.
"""

from __future__ import annotations

import re
from typing import Any

_NUM = r"-?\d+(?:\.\d+)?"
HEADER = re.compile(
    rf"^(?P<name>.+?)"
    rf"(?:\s+\(cost=(?P<sc>{_NUM})\.\.(?P<tc>{_NUM}) rows=(?P<pr>{_NUM}) width=(?P<w>\d+)\))?"
    rf"(?:\s+\((?:actual (?:time=(?P<as>{_NUM})\.\.(?P<at>{_NUM}) )?rows=(?P<ar>{_NUM}) "
    rf"loops=(?P<al>\d+)|(?P<never>never executed))\))?\s*$"
)
SUBPLAN = re.compile(
    r"^(InitPlan \d+(?: \(returns [^)]*\))?|SubPlan \d+(?: \(returns [^)]*\))?|CTE \S.*)$"
)
_JOIN = re.compile(
    r"^(Hash|Merge)(?: (Left|Right|Full|Semi|Anti|Right Anti|Right Semi))? Join$"
    r"|^Nested Loop(?: (Left|Right|Full|Semi|Anti|Right Anti|Right Semi) Join)?$"
)
_AGGREGATES = {"HashAggregate": "Hashed", "GroupAggregate": "Sorted",
               "MixedAggregate": "Mixed", "Aggregate": "Plain"}  # fmt: skip
_TYPES = sorted(
    """Bitmap Heap Scan|Bitmap Index Scan|Index Only Scan|Index Scan|Seq Scan|Sample Scan|
    Tid Range Scan|Tid Scan|Subquery Scan|Function Scan|Table Function Scan|Values Scan|
    CTE Scan|Named Tuplestore Scan|WorkTable Scan|Foreign Scan|Custom Scan|Result|ProjectSet|
    Limit|LockRows|Unique|Group|WindowAgg|Materialize|Memoize|Incremental Sort|Sort|
    Gather Merge|Gather|Hash|Append|Merge Append|Recursive Union|BitmapAnd|BitmapOr""".replace(
        "\n", ""
    )
    .replace("    ", "")
    .split("|"),
    key=len,
    reverse=True,
)
_WORD = re.compile(r'"(?:[^"]|"")*"|\S+')
_LISTS = {"Sort Key", "Group Key", "Presorted Key", "Output", "Cache Key", "Hash Key"}


def number(text: str) -> int | float:
    value = float(text)
    return int(value) if re.fullmatch(r"-?\d+", text) else value


def _unquote(word: str) -> str:
    return word[1:-1].replace('""', '"') if word.startswith('"') else word


def _target(node_type: str, rest: str, raw: dict[str, Any]) -> bool:
    """``[Backward] [using IDX] on NAME [ALIAS]`` after the node type."""
    if rest.startswith("Backward"):
        raw["Scan Direction"] = "Backward"
        rest = rest[len("Backward") :].strip()
    words = _WORD.findall(rest)
    if words[:1] == ["using"] and len(words) >= 2:
        raw["Index Name"] = _unquote(words[1])
        words = words[2:]
    if not words:
        return "Index Name" not in raw or node_type == "Bitmap Index Scan"
    if words[0] != "on" or len(words) not in (2, 3):
        return False
    name = words[1]
    schema, _, table = name.rpartition(".") if not name.startswith('"') else ("", "", name)
    name = _unquote(table)
    alias = _unquote(words[2]) if len(words) == 3 else name
    if node_type == "Bitmap Index Scan":
        raw["Index Name"] = name
        return True
    key = {"CTE Scan": "CTE Name", "WorkTable Scan": "CTE Name", "Function Scan": "Function Name",
           "Subquery Scan": None, "Values Scan": None}.get(node_type, "Relation Name")  # fmt: skip
    if key:
        raw[key] = name
    if schema:
        raw["Schema"] = _unquote(schema)
    raw["Alias"] = alias
    return True


def node_name(name: str) -> dict[str, Any] | None:
    """``Parallel Index Scan Backward using i on t x`` as JSON fields, or None."""
    raw: dict[str, Any] = {}
    if name.startswith("Parallel "):
        raw["Parallel Aware"], name = True, name[len("Parallel ") :]
    for mode in ("Partial", "Finalize"):
        if name.startswith(mode + " "):
            raw["Partial Mode"], name = mode, name[len(mode) + 1 :]
    join = _JOIN.match(name)
    if join:
        kind = join.group(1) or "Nested Loop"
        raw["Node Type"] = "Nested Loop" if kind == "Nested Loop" else f"{kind} Join"
        raw["Join Type"] = join.group(2) or join.group(3) or "Inner"
        return raw
    if name in _AGGREGATES:
        return {**raw, "Node Type": "Aggregate", "Strategy": _AGGREGATES[name]}
    setop = re.match(r"^(HashSetOp|SetOp) (Intersect|Intersect All|Except|Except All)$", name)
    if setop:
        strategy = "Hashed" if setop.group(1) == "HashSetOp" else "Sorted"
        return {**raw, "Node Type": "SetOp", "Strategy": strategy, "Command": setop.group(2)}
    modify = re.match(r"^(Insert|Update|Delete|Merge) (on .+)$", name)
    if modify:
        raw.update({"Node Type": "ModifyTable", "Operation": modify.group(1)})
        return raw if _target("ModifyTable", modify.group(2), raw) else None
    custom = re.match(r"^Custom Scan \(([^)]+)\)\s*(.*)$", name)
    if custom:
        raw.update({"Node Type": "Custom Scan", "Custom Plan Provider": custom.group(1)})
        return raw if _target("Custom Scan", custom.group(2), raw) else None
    for node_type in _TYPES:
        if name == node_type or name.startswith(node_type + " "):
            raw["Node Type"] = node_type
            rest = name[len(node_type) :].strip()
            return raw if not rest or _target(node_type, rest, raw) else None
    return None


def node_line(text: str) -> dict[str, Any] | None:
    match = HEADER.match(text)
    if not match:
        return None
    raw = node_name(match.group("name").strip())
    if raw is None:
        return None
    g = match.groupdict()
    if g["sc"] is not None:
        raw.update({"Startup Cost": float(g["sc"]), "Total Cost": float(g["tc"]),
                    "Plan Rows": number(g["pr"]), "Plan Width": int(g["w"])})  # fmt: skip
    if g["as"] is not None:
        raw.update({"Actual Startup Time": float(g["as"]), "Actual Total Time": float(g["at"])})
    if g["ar"] is not None:
        raw.update({"Actual Rows": number(g["ar"]), "Actual Loops": int(g["al"])})
    if g["never"]:
        raw.update({"Actual Rows": 0, "Actual Loops": 0, "never executed": True})
    return raw


def buffers(text: str, prefix: str = "") -> dict[str, int] | None:
    """``shared hit=1 read=2, local hit=3, temp read=4 written=5`` as JSON's keys."""
    out: dict[str, int] = {}
    for part in text.split(","):
        words = part.split()
        if not words or words[0] not in ("shared", "local", "temp"):
            return None
        for item in words[1:]:
            key, _, value = item.partition("=")
            if not value.isdigit():
                return None
            out[f"{prefix}{words[0].title()} {key.title()} Blocks"] = int(value)
    return out


def _kb(text: str) -> int | None:
    match = re.fullmatch(r"(\d+)kB", text.strip())
    return int(match.group(1)) if match else None


def _originally(text: str) -> tuple[int, int | None]:
    match = re.fullmatch(r"(\d+)(?: \(originally (\d+)\))?", text.strip())
    if not match:
        raise ValueError(text)
    return int(match.group(1)), int(match.group(2)) if match.group(2) else None


def _segments(text: str) -> list[tuple[str, str]]:
    return [
        (k.strip(), v.strip()) for k, _, v in (s.partition(":") for s in re.split(r"\s{2,}", text))
    ]


def _multi(first: str, text: str) -> dict[str, Any]:
    """Lines of several ``Key: value`` parts separated by two spaces."""
    out: dict[str, Any] = {}
    for key, value in _segments(text):
        if key == "Sort Method":
            out["Sort Method"] = value
        elif key in ("Memory", "Disk") and first == "Sort Method":
            out.update({"Sort Space Used": _kb(value), "Sort Space Type": key})
        elif key == "Buckets":
            out["Hash Buckets"], out["Original Hash Buckets"] = _originally(value)
        elif key == "Batches" and first == "Buckets":
            out["Hash Batches"], out["Original Hash Batches"] = _originally(value)
        elif key == "Batches":
            out["HashAgg Batches"] = int(value)
        elif key in ("Memory Usage", "Disk Usage"):
            out["Peak Memory Usage" if key == "Memory Usage" else "Disk Usage"] = _kb(value)
        elif key in ("Hits", "Misses", "Evictions", "Overflows"):
            out[f"Cache {key}"] = int(value)
        else:
            out[key] = number(value) if re.fullmatch(_NUM, value) else value
    return out


_MULTI = ("Sort Method", "Buckets", "Batches", "Planned Partitions", "Hits")


def detail(text: str) -> dict[str, Any] | None:
    """A ``Key: value`` line under a node as JSON fields, or None."""
    key, sep, value = text.partition(":")
    key, value = key.strip(), value.strip()
    if not sep or not key or len(key) > 40:
        return None
    if key == "Buffers":
        return buffers(value)
    if key in _MULTI:
        try:
            return _multi(key, text)
        except ValueError:
            return None
    if key in ("Full-sort Groups", "Pre-sorted Groups"):
        return {key: dict(_segments(text)[1:]) | {"Group Count": number(value.split()[0])}}
    if key == "Heap Blocks":
        parts = dict(p.partition("=")[::2] for p in value.split())
        return {f"{k.title()} Heap Blocks": int(v) for k, v in parts.items() if v.isdigit()}
    if key in _LISTS:
        return {key: split_list(value)}
    if re.fullmatch(_NUM, value):
        return {key: number(value)}
    return {key: value}


def split_list(value: str) -> list[str]:
    """``a, lower((b)::text), c`` at top-level commas only."""
    items, depth, current, quoted = [], 0, "", False
    for char in value:
        quoted = not quoted if char == "'" else quoted
        depth += (char == "(") - (char == ")") if not quoted else 0
        if char == "," and depth == 0 and not quoted:
            items.append(current.strip())
            current = ""
        else:
            current += char
    return [*items, current.strip()] if current.strip() else items
