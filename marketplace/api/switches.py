"""The eager-loading and caching switches, read on every call rather than once at import.

Reading ``settings`` each time is what lets one process (a scenario runner, a notebook,
a test) measure the baseline and the optimised variants side by side: ``variant()`` flips
them with ``override_settings`` and the very next request sees the change.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.test.utils import override_settings

# name -> (eager, cache). "indexes" is a database-level variant handled by the index tools.
VARIANTS: dict[str, tuple[bool, bool]] = {
    "baseline": (False, False),
    "eager": (True, False),
    "cache": (False, True),
    "all": (True, True),
}


def eager_loading() -> bool:
    """select_related and annotations instead of per-row queries."""
    return bool(getattr(settings, "WORKBENCH_EAGER", False))


def caching() -> bool:
    """Cached responses, ratings and job statistics in Redis."""
    return bool(getattr(settings, "WORKBENCH_CACHE", False))


@contextmanager
def variant(eager: bool, cache: bool) -> Iterator[None]:
    """Run the block with the switches set as given, restoring them afterwards."""
    with override_settings(WORKBENCH_EAGER=bool(eager), WORKBENCH_CACHE=bool(cache)):
        yield


@contextmanager
def named(name: str) -> Iterator[None]:
    """``variant`` by name: baseline, eager, cache or all."""
    try:
        eager, cache = VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown variant {name!r}: use one of {', '.join(VARIANTS)}") from None
    with variant(eager, cache):
        yield
