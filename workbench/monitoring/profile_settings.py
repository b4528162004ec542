"""``workbench serve --profile``: the marketplace's settings plus django-silk.

Every request is recorded in silk's tables (``workbench migrate --profile`` creates
them) with its SQL; ``?profile=1`` on a request also records its cProfile. The UI is at
``/silk/``, open to anyone who can reach the server: bind it to 127.0.0.1 (``serve``
does) or turn on ``SILKY_AUTHENTICATION`` and ``SILKY_AUTHORISATION`` on a shared
staging server. Authorization headers and cookies are masked by silk; who called is
kept as a user id (:class:`workbench.monitoring.caller.CallerHeaderMiddleware`) so
``workbench import-silk`` can replay each request as its caller.
"""

from marketplace.settings import *  # noqa: F403
from marketplace.settings import INSTALLED_APPS, MIDDLEWARE
from workbench.monitoring.caller import wants_profile

INSTALLED_APPS = [*INSTALLED_APPS, "silk"]
MIDDLEWARE = [
    "silk.middleware.SilkyMiddleware",
    # Inside silk's, so the caller header is on the response silk records.
    "workbench.monitoring.caller.CallerHeaderMiddleware",
    *MIDDLEWARE,
]
ROOT_URLCONF = "workbench.monitoring.urls"
SILKY_PYTHON_PROFILER = False
SILKY_PYTHON_PROFILER_FUNC = wants_profile  # ?profile=1
SILKY_ANALYZE_QUERIES = False  # it would run every statement again
SILKY_MAX_RECORDED_REQUESTS = 10_000
SILKY_MAX_REQUEST_BODY_SIZE = SILKY_MAX_RESPONSE_BODY_SIZE = 64 * 1024  # bytes kept per body
SILKY_IGNORE_PATHS = ["/metrics"]
SILKY_AUTHENTICATION = False
SILKY_AUTHORISATION = False
