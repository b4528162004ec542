"""One place that boots Django for the command line, notebooks and benchmarks."""

from __future__ import annotations

import os


def setup() -> None:
    """Configure Django once; safe to call repeatedly and from a Jupyter kernel.

    Jupyter runs an event loop in the kernel's thread, and Django refuses ORM calls
    from a thread with a running loop (SynchronousOnlyOperation); notebooks only make
    synchronous calls, so they are allowed here rather than in every notebook.

    Importing the settings starts nothing, so the embedded PostgreSQL and Redis (when
    no ``DATABASE_URL`` / ``REDIS_URL`` replaces them) are started here first.
    """
    from workbench.env import services

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "marketplace.settings")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django
    from django.apps import apps

    if not apps.ready:
        services.ensure_running()
        django.setup()
