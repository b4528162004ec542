"""Locust's entry point for the marketplace's mixed workload (``locust -f`` this file).

``workbench load`` runs it; by hand, on any machine with the workbench installed:

    locust -f workbench/load/locustfile.py --master --headless -u 32 -r 32 -t 60s \
        --expect-workers 4 --host https://marketplace.example   # with WORKBENCH_LOAD_PLAN
    locust -f workbench/load/locustfile.py --worker --master-host MASTER   # on each worker

Where the plan comes from: a single process (or a master) reads the JSON file named by
``WORKBENCH_LOAD_PLAN`` (``workbench.load.plan``); a master sends it to each worker as a
message when the test starts, with that worker's slice of the write pairs, so workers
need no file, no database and no Django. Raw samples: every process that runs users writes
each request it made (kind, start, milliseconds, failure) to
``WORKBENCH_LOAD_SAMPLES/samples-<pid>.json`` when its test stops, for exact percentiles
(Locust's own histogram rounds above 100 ms) and for checking a master's totals against
the sum of its workers'.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from locust import events
from locust.runners import MasterRunner, WorkerRunner

from workbench.load.users import STATE, MarketplaceUser
from workbench.load.workload import Workload

PLAN_ENV = "WORKBENCH_LOAD_PLAN"
SAMPLES_ENV = "WORKBENCH_LOAD_SAMPLES"
PLAN_MESSAGE = "workbench_plan"

__all__ = ["MarketplaceUser"]

_samples: list[list] = []


def _read_plan() -> dict:
    path = os.environ.get(PLAN_ENV)
    if not path:
        raise SystemExit(f"{PLAN_ENV} must name the plan file `workbench load` writes")
    return json.loads(Path(path).read_text())


def _receive_plan(environment, msg, **_kwargs) -> None:
    plan, part = msg.data["plan"], tuple(msg.data["part"])
    STATE["workload"] = Workload(plan, part)


@events.init.add_listener
def _on_init(environment, **_kwargs) -> None:
    runner = environment.runner
    if isinstance(runner, WorkerRunner):
        runner.register_message(PLAN_MESSAGE, _receive_plan)
        return
    plan = _read_plan()
    if isinstance(runner, MasterRunner):
        STATE["plan"] = plan
    else:
        STATE["workload"] = Workload(plan)


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs) -> None:
    runner = environment.runner
    _samples.clear()
    if isinstance(runner, MasterRunner):  # before the spawn messages, on the same channel
        nodes = runner.clients.ready + runner.clients.running + runner.clients.spawning
        ids = sorted(node.id for node in nodes)
        for index, client_id in enumerate(ids):
            data = {"plan": STATE["plan"], "part": [index, len(ids)]}
            runner.send_message(PLAN_MESSAGE, data, client_id=client_id)


@events.request.add_listener
def _on_request(request_type, name, response_time, exception, start_time=None, **_kwargs) -> None:
    error = None if exception is None else f"{type(exception).__name__}: {exception}"[:200]
    _samples.append([name, request_type, start_time, response_time, error])


def _write_samples(environment) -> None:
    folder = os.environ.get(SAMPLES_ENV)
    if not folder or isinstance(environment.runner, MasterRunner):
        return
    path = Path(folder) / f"samples-{os.getpid()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    role = "worker" if isinstance(environment.runner, WorkerRunner) else "local"
    path.write_text(json.dumps({"role": role, "pid": os.getpid(), "samples": _samples}))


@events.test_stop.add_listener
def _on_test_stop(environment, **_kwargs) -> None:
    _write_samples(environment)


@events.quitting.add_listener
def _on_quitting(environment, **_kwargs) -> None:
    _write_samples(environment)
