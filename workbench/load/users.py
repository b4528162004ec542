"""The Locust user: the mixed workload's reads and writes, replayed over HTTP from a plan.

No Django here: Locust patches the standard library with gevent when it is imported, and
the plan (``workbench.load.plan``) already holds every URL and token. Each user sends its
next request as soon as the previous one is answered (no think time), so ``--users N``
is N requests in flight: a closed workload whose throughput is what the server sustains.

A request is a read with probability ``1 - write_share``: the read pool's rank ``r`` drawn
with the plan's Zipf weights. Otherwise it is one of the plan's write operations drawn
uniformly (``save_job`` toggles a bookmark: ``save_job`` POST or ``unsave_job`` DELETE;
``apply``; ``edit_job``). The users of one process share the write state (gevent runs one
at a time, so picking a pair and marking it taken cannot interleave); with several
processes (a master and its workers) each process gets a disjoint slice of the
(freelancer, job) pairs, so no application is ever sent twice. Any answer of 400 or more,
or a connection error, is a failure, named by the request's kind (``job_list``, ``apply``).
"""

from __future__ import annotations

from typing import Any

from locust import FastHttpUser, constant, task

from workbench.load.workload import Workload

# Set once per process: by the locustfile from the plan file, or by the master's message.
STATE: dict[str, Any] = {"workload": None}


class MarketplaceUser(FastHttpUser):
    """The marketplace's mixed traffic (``workbench.study.mixed``), one request at a time."""

    wait_time = constant(0)
    host = "http://127.0.0.1:8000"

    def on_start(self) -> None:
        workload = STATE["workload"]
        if workload is None:
            raise RuntimeError("no workload plan: run through `workbench load`")
        self.workload: Workload = workload
        self.rng = workload.rng()

    @task
    def step(self) -> None:
        workload = self.workload
        if workload.write_share and self.rng.random() < workload.write_share:
            getattr(self, workload.write_ops[self.rng.randrange(len(workload.write_ops))])()
            return
        read = workload.read(self.rng)
        self.client.get(
            read["url"], headers={"Authorization": f"Bearer {read['token']}"}, name=read["name"]
        )

    def save_job(self) -> None:
        pair = self.workload.next_bookmark()
        if pair is None:
            return self.edit_job()
        freelancer, job = pair
        headers = self.workload.headers(freelancer)
        try:
            if pair in self.workload.saved:
                response = self.client.delete(
                    f"/api/saved-jobs/?job={job}", headers=headers, name="unsave_job"
                )
                if response.status_code < 300:
                    self.workload.saved.discard(pair)
            else:
                response = self.client.post(
                    "/api/saved-jobs/", json={"job": job}, headers=headers, name="save_job"
                )
                if response.status_code < 300:
                    self.workload.saved.add(pair)
        finally:
            self.workload.busy.discard(pair)

    def apply(self) -> None:
        pair = self.workload.next_application()
        if pair is None:  # every pair of this process has applied: edit instead
            return self.edit_job()
        freelancer, job = pair
        self.client.post(
            f"/api/jobs/{job}/applications/",
            json={"bid_amount": "100.00", "cover_letter": "load"},
            headers=self.workload.headers(freelancer),
            name="apply",
        )

    def edit_job(self) -> None:
        job, client = self.workload.next_edit()
        self.client.request(
            "PATCH",
            f"/api/jobs/{job}/",
            json={"description": f"edited under load {self.rng.randrange(10**9)}"},
            headers=self.workload.headers(client),
            name="edit_job",
        )
