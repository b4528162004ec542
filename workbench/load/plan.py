"""The mixed workload as plain data for Locust: URLs, tokens, Zipf weights, write state.

Locust runs in processes without Django (it monkey-patches the standard library with
gevent at import), so the harness, with Django set up, turns the measurement's mixed
workload (``workbench.study.mixed``) into a JSON plan once, and the Locust user class
(``workbench.load.users``) replays it over HTTP:

* ``reads``: ``mixed.read_pool`` (every scenario for ``depth`` subjects, most popular
  first), each as its URL and its caller's bearer token; a read picks rank ``r`` with the
  same Zipf weights as ``analysis.workload.run_mixed``;
* writes, with probability ``write_share``: one of ``mixed.Writes(depth).ops()`` drawn
  uniformly (so save/unsave, apply and edit in its proportions), by the same freelancers
  on the same open jobs, through the same API calls;
* ``applied`` / ``saved``: which (freelancer, job) pairs already have an application or a
  bookmark, read from the database the server uses just before each Locust run, so an
  application is never sent twice (409) and a bookmark is only deleted when it exists.
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from pathlib import Path
from typing import Any

from workbench.study.scenarios import DEFAULT_PAGE_SIZE

PLAN_VERSION = 1


def _token(user_id: int) -> str:
    from marketplace.accounts.models import User
    from marketplace.api.auth import token_for

    return token_for(User(pk=user_id))


def build(
    *,
    depth: int,
    write_share: float,
    zipf_s: float,
    seed: int,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> dict[str, Any]:
    """The plan from the database Django is connected to (its reads, writers and jobs)."""
    from analysis.workload import zipf_weights
    from workbench.study.mixed import Writes, read_pool

    pool = read_pool(depth, page_size=page_size)
    reads = [
        {"name": name.split("#", 1)[0], "url": scenario.url, "token": _token(scenario.caller_id)}
        for name, scenario in pool
    ]
    plan: dict[str, Any] = {
        "version": PLAN_VERSION,
        "reads": reads,
        "read_weights": list(itertools.accumulate(zipf_weights(len(reads), zipf_s))),
        "zipf_s": zipf_s,
        "write_share": write_share,
        "seed": seed,
        "depth": depth,
        "page_size": page_size,
        "write_ops": [],
        "freelancers": [],
        "open_jobs": [],
        "tokens": {},
    }
    if write_share > 0:
        writes = Writes(depth)
        plan["write_ops"] = [name for name, _ in writes.ops()]
        plan["freelancers"] = list(writes.freelancers)
        plan["open_jobs"] = [list(pair) for pair in writes.open_jobs]
        users = set(writes.freelancers) | {client for _, client in writes.open_jobs}
        plan["tokens"] = {str(user): _token(user) for user in sorted(users)}
    return {**plan, **write_state(plan)}


def write_state(plan: dict[str, Any]) -> dict[str, list[list[int]]]:
    """The plan's (freelancer, job) pairs that have an application / a bookmark right now."""
    from marketplace.jobs.models import Application, SavedJob

    freelancers = plan["freelancers"]
    jobs = [job for job, _ in plan["open_jobs"]]
    if not freelancers or not jobs:
        return {"applied": [], "saved": []}
    applied = Application.objects.filter(applicant_id__in=freelancers, job_id__in=jobs)
    saved = SavedJob.objects.filter(user_id__in=freelancers, job_id__in=jobs)
    return {
        "applied": sorted([list(p) for p in set(applied.values_list("applicant_id", "job_id"))]),
        "saved": sorted([list(p) for p in set(saved.values_list("user_id", "job_id"))]),
    }


def describe(plan: dict[str, Any]) -> dict[str, Any]:
    """What the plan holds, without tokens (for the results file)."""
    return {
        "reads": len(plan["reads"]),
        "read_names": dict(Counter(r["name"] for r in plan["reads"])),
        "zipf_s": plan["zipf_s"],
        "write_share": plan["write_share"],
        "write_ops": dict(Counter(plan["write_ops"])),
        "writers": len(plan["freelancers"]),
        "open_jobs": len(plan["open_jobs"]),
        "depth": plan["depth"],
        "page_size": plan["page_size"],
        "seed": plan["seed"],
    }


def save(plan: dict[str, Any], path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(plan))
    path.chmod(0o600)  # it holds bearer tokens
    return path
