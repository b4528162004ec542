"""Redis down or stopping mid-run: answers stay right, the outage is logged once.

These tests point the cache at a private redis-server (never the shared embedded one)
and stop, freeze and restart it while requests are being served.
"""

from __future__ import annotations

import logging
import time

import pytest
from django_redis import get_redis_connection

import marketplace.cache
from marketplace.api.switches import named
from marketplace.cache import store
from tests.optim import dataset
from tests.optim.conftest import fetch

LOGGER = "marketplace.cache"


def outage_logs(caplog) -> tuple[int, int]:
    messages = [r.getMessage() for r in caplog.records if r.name == LOGGER]
    return (
        sum("unavailable" in m for m in messages),
        sum("reachable again" in m for m in messages),
    )


def check_all(api, requests, variants=("cache", "all")) -> None:
    """Every endpoint, under the cache variants, answers what the database says."""
    for path, user in requests:
        truth = fetch(api, path, user, "baseline")
        for variant in variants:
            assert fetch(api, path, user, variant) == truth, (variant, path)


def test_redis_stopping_mid_run(api, data, private_redis, caplog, settings):
    settings.WORKBENCH_CACHE_RETRY_SECONDS = 0.2
    caplog.set_level(logging.WARNING, logger=LOGGER)
    requests = dataset.requests(data)
    check_all(api, requests)
    check_all(api, requests)  # served from the private Redis now
    assert marketplace.cache.stats()["process"]["kinds"]["response"]["hits"] > 0
    job, client = data.jobs[0], data.clients[0]

    private_redis.stop()  # saved to disk: the entries come back with the server
    check_all(api, requests)
    with named("all"):
        changed = api.patch(f"/api/jobs/{job.pk}/", {"title": "changed during outage"}, user=client)
        assert changed.status_code == 200
        saved = api.post("/api/saved-jobs/", {"job": data.jobs[7].pk}, user=client)
        assert saved.status_code == 201
    check_all(api, requests)
    assert outage_logs(caplog) == (1, 0)
    stats = marketplace.cache.stats()
    assert stats["redis"] is None
    assert stats["process"]["skipped"] > stats["process"]["errors"] >= 1
    assert stats["process"]["missed_invalidations"] >= 1

    private_redis.start()
    # The old answers really are back in Redis, stamped with generations that did not see
    # the writes: serving them would be stale.
    raw = get_redis_connection("default").get(store.key("resp:jobs:-:/api/jobs/?"))
    assert raw is not None and b"changed during outage" not in raw
    time.sleep(0.25)  # past the breaker's retry period
    check_all(api, requests)
    assert b"changed during outage" in fetch(api, "/api/jobs/", None, "cache")[1]
    assert outage_logs(caplog) == (1, 1)
    check_all(api, requests)  # and caching works again
    assert marketplace.cache.stats()["redis"]["keyspace_hits"] > 0


def test_a_frozen_redis_costs_one_timeout_not_one_per_request(api, data, private_redis, settings):
    """A hung server: the first call waits for the socket timeout, the rest skip Redis."""
    settings.WORKBENCH_CACHE_RETRY_SECONDS = 60
    requests = dataset.requests(data)
    check_all(api, requests, variants=("cache",))
    private_redis.pause()
    marketplace.cache.reset_stats()
    check_all(api, requests)
    stats = marketplace.cache.stats()["process"]
    assert stats["errors"] == 1
    assert stats["skipped"] >= len(requests)
    assert stats["hits"] == 0


def test_no_redis_at_all(api, data, settings, caplog):
    """A cache pointing at nothing: every endpoint still answers, one log line."""
    caplog.set_level(logging.WARNING, logger=LOGGER)
    settings.CACHES = {
        "default": {**settings.CACHES["default"], "LOCATION": "unix:///nonexistent/redis.sock"}
    }
    settings.WORKBENCH_CACHE_RETRY_SECONDS = 60
    check_all(api, dataset.requests(data))
    assert outage_logs(caplog) == (1, 0)
    assert marketplace.cache.clear() is None
    assert marketplace.cache.stats()["redis"] is None


@pytest.mark.parametrize("password", ["s3cret"])
def test_the_outage_log_never_shows_a_password(api, data, settings, caplog, password):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    settings.CACHES = {
        "default": {
            **settings.CACHES["default"],
            "LOCATION": f"redis://user:{password}@127.0.0.1:1/0",
        }
    }
    fetch(api, "/api/jobs/", None, "cache")
    text = "\n".join(r.getMessage() for r in caplog.records if r.name == LOGGER)
    assert "unavailable" in text and password not in text


def test_a_cache_backend_that_is_not_redis_is_treated_as_no_redis(api, data, settings, caplog):
    caplog.set_level(logging.WARNING, logger=LOGGER)
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    check_all(api, dataset.requests(data)[:6])
    assert outage_logs(caplog) == (1, 0)
