"""The switches: read per request from settings, set from the environment at start-up."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from marketplace.api import switches
from tests.conftest import PROJECT_ROOT


def test_named_variants(settings):
    assert switches.VARIANTS == {
        "baseline": (False, False),
        "eager": (True, False),
        "cache": (False, True),
        "all": (True, True),
    }
    before = (switches.eager_loading(), switches.caching())
    with switches.variant(eager=True, cache=True):
        assert (switches.eager_loading(), switches.caching()) == (True, True)
        with switches.named("eager"):
            assert (switches.eager_loading(), switches.caching()) == (True, False)
    assert (switches.eager_loading(), switches.caching()) == before
    with pytest.raises(ValueError, match="unknown variant 'indexes'"), switches.named("indexes"):
        pass


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "False False"),
        ({"WORKBENCH_EAGER": "1"}, "True False"),
        ({"WORKBENCH_CACHE": "1"}, "False True"),
    ],
)
def test_the_environment_sets_the_defaults(env, expected):
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'marketplace.settings';"
        "from django.conf import settings; print(settings.WORKBENCH_EAGER, settings.WORKBENCH_CACHE)"
    )
    base = {k: v for k, v in os.environ.items() if k not in ("WORKBENCH_EAGER", "WORKBENCH_CACHE")}
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**base, **env},
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == expected
