"""pytest plugin: start the embedded servers before pytest-django reads the settings.

pytest-django configures Django while pytest loads its first conftest files; the
settings start nothing, so this hook (registered with ``-p workbench.env.pytest_plugin``
in ``pyproject.toml``) runs first and starts whatever is embedded and down.

The suite runs in parallel with pytest-xdist (``-n auto``, at most 4 workers). The
controller starts the servers before any worker exists; each worker gets names of
its own (``WORKBENCH_TEST_DB`` and ``WORKBENCH_CACHE_PREFIX`` suffixed with its id, so
the databases and cache keys its fixtures make never meet another worker's), and every
test goes to a worker with the rest of its folder (its conftest's fixtures are built
once), the notebooks all to one worker in file order (:func:`pytest_xdist_make_scheduler`).
"""

from __future__ import annotations

import os

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    from workbench.env import services

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:
        base = os.environ.get("WORKBENCH_TEST_DB") or f"test_wb_{os.getppid()}"
        os.environ["WORKBENCH_TEST_DB"] = f"{base}_{worker}"
        os.environ["WORKBENCH_CACHE_PREFIX"] = (
            f"{os.environ.get('WORKBENCH_CACHE_PREFIX', 'wb')}-{worker}"
        )
    services.ensure_running()  # cheap once the controller has started them


def pytest_xdist_make_scheduler(config, log):
    """Whole test folders to a worker, and every notebook to one worker, in file order.

    A folder's conftest holds session fixtures its files share (a report run, a committed
    database), built once per worker that runs any of them, and some of them run
    workbench commands on the workbench's own database, whose run lock admits one at a
    time: a folder on one worker builds them once and never races itself. The notebooks
    are one unit because 01_seed seeds what 02 to 06 read. (xdist's ``loadgroup`` cannot
    express this here: it marks a test by rewriting ``item._nodeid``, which pytest 9 no
    longer reads.)
    """
    from xdist.scheduler import LoadScopeScheduling

    class FoldersAndNotebooks(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)

    return FoldersAndNotebooks(config, log)


def scope_of(nodeid: str) -> str:
    """The unit a worker gets whole: the test's folder, or ``notebooks`` for a notebook cell."""
    path = nodeid.split("::", 1)[0]
    return "notebooks" if path.endswith(".ipynb") else path.rpartition("/")[0]
