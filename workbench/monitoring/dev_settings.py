"""``workbench serve --dev``: the marketplace's settings plus Django Debug Toolbar.

The toolbar shows on every HTML page served to 127.0.0.1 (the browsable API, the API
docs), with the workbench's own panel (:mod:`workbench.monitoring.panel`) beside the
standard ones. ``DEBUG`` is on: this is a development server, never a measurement.
"""

from marketplace.settings import *  # noqa: F403
from marketplace.settings import INSTALLED_APPS, MIDDLEWARE

DEBUG = True
INTERNAL_IPS = ["127.0.0.1", "::1"]
INSTALLED_APPS = [*INSTALLED_APPS, "debug_toolbar", "workbench.monitoring"]
# First, as the toolbar asks: it must see the response every other middleware made.
MIDDLEWARE = ["debug_toolbar.middleware.DebugToolbarMiddleware", *MIDDLEWARE]
ROOT_URLCONF = "workbench.monitoring.urls"
DEBUG_TOOLBAR_PANELS = [
    "debug_toolbar.panels.history.HistoryPanel",
    "debug_toolbar.panels.versions.VersionsPanel",
    "debug_toolbar.panels.timer.TimerPanel",
    "debug_toolbar.panels.settings.SettingsPanel",
    "debug_toolbar.panels.headers.HeadersPanel",
    "debug_toolbar.panels.request.RequestPanel",
    "debug_toolbar.panels.sql.SQLPanel",
    "workbench.monitoring.panel.WorkbenchPanel",
    "debug_toolbar.panels.staticfiles.StaticFilesPanel",
    "debug_toolbar.panels.templates.TemplatesPanel",
    "debug_toolbar.panels.alerts.AlertsPanel",
    "debug_toolbar.panels.cache.CachePanel",
    "debug_toolbar.panels.signals.SignalsPanel",
    "debug_toolbar.panels.profiling.ProfilingPanel",
]
DEBUG_TOOLBAR_CONFIG = {
    # A server a test suite starts inherits PYTEST_VERSION; it is still a dev server.
    "IS_RUNNING_TESTS": False,
    "DISABLE_PANELS": {"debug_toolbar.panels.profiling.ProfilingPanel"},
}
