"""pytest plugin: start the embedded servers before pytest-django reads the settings.

pytest-django configures Django while pytest loads its first conftest files; the
settings start nothing, so this hook (registered with ``-p workbench.env.pytest_plugin``
in ``pyproject.toml``) runs first and starts whatever is embedded and down.
"""

from __future__ import annotations

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    from workbench.env import services

    services.ensure_running()
