"""Writes whose invalidation was lost during a Redis outage never surface afterwards.

Another process's write during an outage is played here by raw SQL: a committed change
whose bump never reaches Redis (that process may have exited, or its breaker still
skips Redis). The private redis-server saves on stop and reloads on start, so the old
entries and generations really come back.
"""

from __future__ import annotations

import time

from django.db import connection
from django_redis import get_redis_connection

from marketplace.api import switches
from marketplace.cache import epoch, store
from marketplace.cache.store import breaker
from marketplace.jobs.models import Job
from tests.optim.conftest import fetch


def other_process_renames(job_id: int, title: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE jobs_job SET title = %s WHERE id = %s", [title, job_id])


def board(api) -> bytes:
    status, body = fetch(api, "/api/jobs/", None, "cache")
    assert status == 200
    return body


def test_a_restart_hides_nothing_even_from_a_process_that_never_saw_it(api, data, private_redis):
    """This process makes no Redis call during the outage, so its breaker never opens."""
    board(api)
    assert board(api) == fetch(api, "/api/jobs/", None, "baseline")[1]  # a hit
    before = epoch.current(get_redis_connection("default"))
    private_redis.stop()
    other_process_renames(data.jobs[0].pk, "written while Redis was down")
    private_redis.start()
    assert b"written while Redis was down" in board(api)
    assert not breaker.down
    assert epoch.current(get_redis_connection("default")) != before


def test_after_an_outage_without_restart_entries_from_before_are_not_trusted(
    api, data, private_redis, settings
):
    """A frozen server (a partition): same run_id, so the recovery bumps ``all``."""
    settings.WORKBENCH_CACHE_RETRY_SECONDS = 0.2
    board(api)
    private_redis.pause()
    board(api)  # times out: the breaker opens
    assert breaker.down
    other_process_renames(data.jobs[0].pk, "written during the partition")
    private_redis.resume()
    time.sleep(0.25)
    assert b"written during the partition" in board(api)
    assert not breaker.down


def test_an_invalidation_is_sent_even_while_the_breaker_is_open(api, data, private_redis, settings):
    """Redis is back but this process's breaker still skips it: a write must not wait."""
    settings.WORKBENCH_CACHE_RETRY_SECONDS = 60
    job = data.jobs[0]
    board(api)
    private_redis.stop()
    board(api)  # the breaker opens for a minute
    private_redis.start()
    assert breaker.down
    gen = store.key(f"gen:job:{job.pk}")
    start = int(get_redis_connection("default").get(gen))
    with switches.named("cache"):
        Job.objects.filter(pk=job.pk).update(title="written after the restart")
        row = Job.objects.get(pk=job.pk)
        row.description = "saved after the restart"
        row.save()
    # Another process reading now sees both bumps (and the recovery's bump of "all").
    assert int(get_redis_connection("default").get(gen)) >= start + 2
    assert not breaker.down


def test_stamps_carry_the_run_id_which_costs_one_command_per_connection(api, data, private_redis):
    board(api)
    client = get_redis_connection("default")
    first = epoch.current(client)
    assert len(first) == 40
    assert client.get(store.key("resp:jobs:-:/api/jobs/?")).startswith(first + b".")
    started = time.perf_counter()
    for _ in range(200):
        assert epoch.current(client) == first  # no round trip: learnt on connect
    assert time.perf_counter() - started < 0.05
