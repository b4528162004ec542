"""The shared `seeded_tiny` fixture (fixtures.pytest_plugin) other suites build on."""

from types import SimpleNamespace

import pytest

from fixtures.pytest_plugin import move_seeded_last
from marketplace.accounts.models import User
from marketplace.jobs.models import Job


def test_tests_using_seeded_data_run_last_in_their_original_order():
    items = [
        SimpleNamespace(name="a", fixturenames=["db", "seeded_tiny"]),
        SimpleNamespace(name="b", fixturenames=["db"]),
        SimpleNamespace(name="c", fixturenames=["seeded_tiny"]),
        SimpleNamespace(name="d", fixturenames=[]),
    ]
    assert [i.name for i in move_seeded_last(items)] == ["b", "d", "a", "c"]


@pytest.mark.django_db
def test_seeded_tiny_is_committed_and_writes_roll_back(seeded_tiny):
    assert User.objects.count() == 200 == seeded_tiny.rows["accounts_user"]
    assert Job.objects.count() == 1000
    Job.objects.all().delete()  # rolled back with this test


@pytest.mark.django_db
def test_seeded_tiny_survives_the_previous_tests_writes(seeded_tiny):
    assert Job.objects.count() == 1000
