"""Requests django-silk recorded, as a workload ``workbench measure --workload`` replays.

Silk keeps each request's method, path, query parameters, view and, on its response,
the status and headers (``X-Workbench-Caller`` says who called: see
:mod:`workbench.monitoring.caller`). A workload is the distinct reads among them:

* only ``GET`` and ``HEAD`` answered 200: a replay runs each request hundreds of times
  and must not change the data, and one that did not answer 200 is not a scenario;
* not the tools' own pages (``/silk/``, ``/__debug__/``, ``/static/``, ``/metrics``);
* ``?profile=1`` (silk's cProfile switch) dropped from the parameters;
* identical requests (method, path, parameters, caller) merged, with how many times
  they came and silk's median time and statement count for them; most frequent first.

Silk stores the query string as one value per name, so a parameter given twice
(``?status=open&status=filled``) comes back with its last value only.

    workload = from_silk(limit=50)
    workload.write(Path("workload.json"))      # read back with replay.load()
"""

from __future__ import annotations

import json
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from workbench.monitoring.caller import CALLER_HEADER, PROFILE_PARAMETER, parse_caller
from workbench.monitoring.replay import FORMAT, VERSION, Entry, Workload

READ_METHODS = ("GET", "HEAD")
TOOL_PATHS = ("/silk/", "/__debug__/", "/static/", "/metrics")


@dataclass
class Skipped:
    writes: int = 0
    not_ok: int = 0
    tools: int = 0
    unanswered: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "writes": self.writes,
            "not_200": self.not_ok,
            "tools": self.tools,
            "unanswered": self.unanswered,
        }


@dataclass
class _Group:
    method: str
    path: str
    params: dict[str, str]
    user: int | None
    view: str | None
    times_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)


def _params(raw: str) -> dict[str, str]:
    try:
        decoded = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(decoded, dict):
        return {}
    return {str(k): str(v) for k, v in decoded.items() if k != PROFILE_PARAMETER}


def _caller(encoded_headers: str) -> int | None:
    try:
        headers = json.loads(encoded_headers) if encoded_headers else {}
    except ValueError:
        return None
    for name, value in headers.items():
        if name.lower() == CALLER_HEADER.lower():
            return parse_caller(value)
    return None


def _name(view: str | None, path: str) -> str:
    base = (view or path).split(":")[-1].strip("/").replace("/", "_") or "root"
    return base


def group(rows: list[dict[str, Any]]) -> tuple[list[_Group], Skipped]:
    """Silk's rows (request fields plus ``status`` and ``response_headers``) grouped."""
    skipped = Skipped()
    groups: dict[tuple, _Group] = {}
    for row in rows:
        if row["method"] not in READ_METHODS:
            skipped.writes += 1
            continue
        if row["path"].startswith(TOOL_PATHS):
            skipped.tools += 1
            continue
        if row["status"] is None:
            skipped.unanswered += 1
            continue
        if row["status"] != 200:
            skipped.not_ok += 1
            continue
        params = _params(row["query_params"])
        user = _caller(row["response_headers"])
        key = (row["method"], row["path"], tuple(sorted(params.items())), user)
        found = groups.get(key)
        if found is None:
            found = groups[key] = _Group(row["method"], row["path"], params, user, row["view"])
        if row["time_ms"] is not None:
            found.times_ms.append(float(row["time_ms"]))
        found.queries.append(int(row["queries"] or 0))
    return list(groups.values()), skipped


def to_workload(groups: list[_Group], skipped: Skipped, limit: int | None = None) -> Workload:
    ordered = sorted(groups, key=lambda g: (-len(g.queries), g.path, sorted(g.params.items())))
    if limit is not None:
        ordered = ordered[:limit]
    seen: dict[str, int] = defaultdict(int)
    entries = []
    for g in ordered:
        base = _name(g.view, g.path)
        entries.append(
            Entry(
                name=f"{base}#{seen[base]}",
                method=g.method,
                path=g.path,
                params=g.params,
                user=g.user,
                count=len(g.queries),
                view=g.view,
                recorded_p50_ms=round(statistics.median(g.times_ms), 3) if g.times_ms else None,
                recorded_queries=int(statistics.median(g.queries)) if g.queries else None,
            )
        )
        seen[base] += 1
    return Workload(
        entries,
        source="django-silk",
        skipped=skipped.as_dict(),
        recorded=sum(len(g.queries) for g in groups),
    )


def silk_rows() -> list[dict[str, Any]]:
    """Every request silk recorded, oldest first (Django set up with silk installed)."""
    from silk.models import Request

    rows = []
    for request in Request.objects.select_related("response").order_by("start_time"):
        response = getattr(request, "response", None)
        rows.append(
            {
                "method": request.method.upper(),
                "path": request.path,
                "query_params": request.query_params,
                "view": request.view_name or None,
                "status": response.status_code if response is not None else None,
                "response_headers": response.encoded_headers if response is not None else "",
                "time_ms": request.time_taken,
                "queries": request.num_sql_queries,
            }
        )
    return rows


def from_silk(limit: int | None = None) -> Workload:
    groups, skipped = group(silk_rows())
    return to_workload(groups, skipped, limit)


__all__ = ["FORMAT", "VERSION", "Skipped", "from_silk", "group", "silk_rows", "to_workload"]
