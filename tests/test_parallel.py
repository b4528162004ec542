"""The suite's parallel run (pytest-xdist): each worker's names apart, a file's tests together."""

import os

import pytest

from workbench.env.pytest_plugin import scope_of


def test_a_worker_has_database_and_cache_names_of_its_own():
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None:
        pytest.skip("run serially (-n 0): one process, nothing to keep apart")
    assert os.environ["WORKBENCH_TEST_DB"].endswith(f"_{worker}")
    assert os.environ["WORKBENCH_CACHE_PREFIX"].endswith(f"-{worker}")
    from django.db import connection

    assert worker in connection.creation._get_test_db_name()


def test_a_folder_is_one_scope_and_the_notebooks_are_one():
    scope = scope_of
    assert scope("tests/test_cli.py::test_a[x::y]") == scope("tests/test_dsn.py::test_b")
    assert scope("tests/report/test_gate.py::t") == scope("tests/report/test_pipeline.py::t")
    assert scope("tests/report/optional/test_a.py::t") != scope("tests/report/test_gate.py::t")
    assert scope("tests/report/test_gate.py::t") != scope("tests/load/test_serve.py::t")
    assert scope("notebooks/01_seed.ipynb::Cell 0") == scope("notebooks/06_report.ipynb::Cell 9")
    assert scope("notebooks/01_seed.ipynb::Cell 0") != scope("tests/test_cli.py::test_a")
