"""Fixtures for the eager-loading and caching tests: real PostgreSQL, real Redis.

The cache keys of a test run live under WORKBENCH_CACHE_PREFIX and the test database's
name, and only those are flushed, so suites running side by side never see each other.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test.utils import override_settings

import marketplace.cache
from marketplace.api.switches import named
from tests.api.conftest import Api
from tests.optim import dataset
from tests.optim.redis_server import PrivateRedis

VARIANTS = ("baseline", "eager", "cache", "all")


@pytest.fixture(autouse=True)
def _every_test_starts_with_an_empty_cache(fresh_cache):
    yield


@pytest.fixture
def api(client, db) -> Api:
    return Api(client)


@pytest.fixture
def data(db) -> dataset.Dataset:
    return dataset.build()


def fetch(api: Api, path: str, user, variant: str) -> tuple[int, bytes]:
    """One GET under a named variant: (status, body)."""
    with named(variant):
        response = api.get(path, user=user)
    return response.status_code, response.content


@pytest.fixture
def private_redis():
    """A private redis-server the default cache points at for the duration of the test."""
    server = PrivateRedis()
    server.start()
    caches = {"default": {**settings.CACHES["default"], "LOCATION": server.url}}
    try:
        with override_settings(CACHES=caches):
            marketplace.cache.reset()
            yield server
    finally:
        server.close()
        marketplace.cache.reset()
