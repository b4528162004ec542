"""A recorded workload, replayed by ``workbench measure --workload FILE``.

A workload file (``workbench import-silk`` writes one) lists distinct read requests:
method, path, query parameters and the caller's user id, with how often each came.
Each becomes a scenario named in the file (``applications#0``) that the measurement
runs under every variant like its own scenarios, interleaved in rounds, as its caller:
a bearer token is made afresh for that user (``marketplace.api.auth.token_for``), since
silk never stores credentials. A request must answer 200, or the measurement stops
with the request, the caller and the status. The users must exist in the database
measured (the same seed at the same scale gives the same ids); the mixed cache
workload is not run for a replay (its reads are the study's own scenarios).

    workload = load("workload.json")     # WorkloadError: one line saying what is wrong
    result = measure(workload, None, ["baseline", "all"], repeat=50)
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError

FORMAT = "workbench-workload"
VERSION = 1
METHODS = ("GET", "HEAD")


class WorkloadError(ValueError):
    """A workload file that cannot be replayed (the message is one line)."""


@dataclass(frozen=True)
class Entry:
    """One distinct request of the workload."""

    name: str
    method: str
    path: str
    params: dict[str, str]
    user: int | None
    count: int = 1
    view: str | None = None
    recorded_p50_ms: float | None = None
    recorded_queries: int | None = None


@dataclass
class Workload:
    entries: list[Entry]
    source: str = "file"
    skipped: dict[str, int] = field(default_factory=dict)
    recorded: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "version": VERSION,
            "source": self.source,
            "recorded": self.recorded,
            "skipped": self.skipped,
            "requests": [asdict(e) for e in self.entries],
        }

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_dict(), indent=1) + "\n")

    def users(self) -> set[int]:
        return {e.user for e in self.entries if e.user is not None}


def _entry(item: Any, index: int) -> Entry:
    where = f"request {index + 1}"
    if not isinstance(item, dict):
        raise WorkloadError(f"{where} is not an object")
    name, method, path = item.get("name"), item.get("method"), item.get("path")
    if not isinstance(name, str) or not name:
        raise WorkloadError(f"{where} has no name")
    if method not in METHODS:
        raise WorkloadError(f"{where} ({name}): method {method!r} is not replayed (GET or HEAD)")
    if not isinstance(path, str) or not path.startswith("/"):
        raise WorkloadError(f"{where} ({name}): path {path!r} does not start with /")
    params = item.get("params") or {}
    if not isinstance(params, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in params.items()
    ):
        raise WorkloadError(f"{where} ({name}): params must map names to strings")
    user = item.get("user")
    if user is not None and (isinstance(user, bool) or not isinstance(user, int)):
        raise WorkloadError(f"{where} ({name}): user must be a user id or null, got {user!r}")
    count = item.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise WorkloadError(f"{where} ({name}): count must be a whole number of 1 or more")
    return Entry(
        name=name,
        method=method,
        path=path,
        params=dict(params),
        user=user,
        count=count,
        view=item.get("view"),
        recorded_p50_ms=item.get("recorded_p50_ms"),
        recorded_queries=item.get("recorded_queries"),
    )


def parse(document: Any) -> Workload:
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise WorkloadError(f'not a workload file (no "format": "{FORMAT}")')
    if document.get("version") != VERSION:
        raise WorkloadError(f"workload version {document.get('version')!r}; this reads {VERSION}")
    items = document.get("requests")
    if not isinstance(items, list) or not items:
        raise WorkloadError("the workload has no requests")
    entries = [_entry(item, i) for i, item in enumerate(items)]
    names = [e.name for e in entries]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise WorkloadError(f"request names must be unique: {twice[0]!r} is used twice")
    return Workload(
        entries,
        source=str(document.get("source", "file")),
        skipped=dict(document.get("skipped") or {}),
        recorded=int(document.get("recorded") or 0),
    )


def load(path: str | Path) -> Workload:
    """Read and check a workload file; :class:`WorkloadError` says what is wrong."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise WorkloadError(f"cannot read the workload {path}: {exc.strerror or exc}") from None
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise WorkloadError(f"the workload {path} is not JSON: {exc}") from None
    return parse(document)


@dataclass
class Replay:
    """One workload request as a scenario: call it to make the request (raises unless 200)."""

    entry: Entry
    _client: Any = field(default=None, repr=False)
    _headers: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        from django.test import Client

        from marketplace.accounts.models import User
        from marketplace.api.auth import token_for

        self._client = self._client or Client()
        if self.entry.user is not None:
            token = token_for(User(pk=self.entry.user))
            self._headers = {"Authorization": f"Bearer {token}"}

    @property
    def name(self) -> str:
        return self.entry.name

    @property
    def url(self) -> str:
        from urllib.parse import urlencode

        e = self.entry
        return f"{e.path}?{urlencode(e.params)}" if e.params else e.path

    def __call__(self):
        from workbench.study.scenarios import ScenarioFailed

        call = self._client.head if self.entry.method == "HEAD" else self._client.get
        response = call(self.entry.path, self.entry.params, headers=self._headers)
        if response.status_code != 200:
            who = f"user {self.entry.user}" if self.entry.user is not None else "anonymous"
            raise ScenarioFailed(
                f"{self.entry.method} {self.url} as {who} answered {response.status_code}: "
                f"{response.content[:200]!r}"
            )
        return response

    def describe(self) -> dict[str, Any]:
        e = self.entry
        return {
            "path": self.url,
            "caller": e.user,
            "persona": "recorded",
            "description": f"{e.method} {self.url}, recorded {e.count} time(s)",
            "pattern": None,
            "page_size": int(e.params["page_size"])
            if e.params.get("page_size", "").isdigit()
            else None,
            "method": e.method,
            "count": e.count,
            "view": e.view,
            "recorded_p50_ms": e.recorded_p50_ms,
            "recorded_queries": e.recorded_queries,
        }


def scenarios(workload: Workload) -> list[Replay]:
    """The workload's requests as scenarios; its callers must exist in this database."""
    from django.test import Client

    from marketplace.accounts.models import User

    wanted = workload.users()
    found = set(User.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    missing = sorted(wanted - found)
    if missing:
        shown = ", ".join(str(u) for u in missing[:5]) + (" ..." if len(missing) > 5 else "")
        raise WorkbenchError(
            f"the workload calls as user(s) {shown}, not in this database "
            "(record and replay on data seeded alike)"
        )
    client = Client()
    return [Replay(entry, client) for entry in workload.entries]


def _redis_cpu_info():
    from marketplace.cache import store

    return store.run(lambda client: client.info("cpu"), None)


def measure(
    workload: Workload,
    names: Iterable[str] | None,
    variants: Iterable[str] | None,
    *,
    context: Mapping[str, Any] | None = None,
    progress: Callable[[str], None] | None = None,
    **options: Any,
):
    """The workload's requests under the variants: ``workbench.study.measure``'s run.

    Takes the same options as :func:`workbench.study.measure.measure` (so ``workbench
    measure`` calls either alike); ``names`` and the mixed workload's options are not
    used: the workload names its own requests, and has no mixed run.
    """
    from analysis.measure import measure as run_measure
    from workbench.study import variants as study_variants
    from workbench.study.measure import RULES, classify, factories, order
    from workbench.study.mixed import cache_probe

    chosen = study_variants.select(variants)
    runnable = scenarios(workload)
    kept = ("repeat", "rounds", "time_box", "min_effect", "warmup", "explain")
    with study_variants.restoring() as before:
        result = run_measure(
            runnable,
            factories(chosen),
            order=order(chosen),
            classify=classify,
            cache_probe=cache_probe,
            redis_info=_redis_cpu_info,
            baseline=study_variants.BASELINE if study_variants.BASELINE in chosen else None,
            parameters={"workload": workload.source, "requests": len(workload.entries)},
            progress=progress,
            **{k: v for k, v in options.items() if k in kept},
        )
    result.context.update(
        {
            "workload": {k: v for k, v in workload.as_dict().items() if k != "requests"},
            "index_state_before": before,
            "query_rules": [asdict(rule) for rule in RULES],
            **(context or {}),
        }
    )
    return result
