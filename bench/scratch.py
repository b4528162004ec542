"""A throw-away database for one benchmark run, on the server the workbench uses.

Benchmarks seed, build indexes and write, so they never touch the workbench's own
database: each makes a database of its own (marked as the workbench's, so the safety
checks let it work there) and drops it at the end.
"""

from __future__ import annotations

import os

from marketplace.dsn import with_database
from workbench.env import ownership, services


def create(name: str) -> str:
    """Create ``wb_bench_<name>_<pid>``, point this process's ``DATABASE_URL`` at it, return it."""
    url = with_database(services.database_url(), f"wb_bench_{name}_{os.getpid()}")
    ownership.create_database(url)
    os.environ["DATABASE_URL"] = url
    return url


def drop(url: str, keep: bool = False) -> None:
    """Drop the benchmark's database (unless ``keep``), closing Django's connections first."""
    if keep:
        return
    from django.conf import settings

    if settings.configured:
        from django.db import connections

        connections.close_all()
    ownership.drop_database(url)
