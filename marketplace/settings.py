"""Settings for the marketplace, from one configuration object (``marketplace.conf``).

Importing them starts nothing and connects to nothing. With no ``DATABASE_URL`` /
``REDIS_URL`` they point at the embedded PostgreSQL and Redis in the state folder;
``python manage.py``, the ``workbench`` command, the notebooks and the test suite start
those servers before Django connects.
"""

from pathlib import Path

from marketplace import conf
from marketplace.dsn import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent
CONFIG = conf.read()

SECRET_KEY = CONFIG.secret_key
DEBUG = CONFIG.debug
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "marketplace.accounts",
    "marketplace.jobs",
    "marketplace.payment",
    "marketplace.rating",
    "marketplace.api",
]

MIDDLEWARE = [
    "django.middleware.common.CommonMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]

ROOT_URLCONF = "marketplace.urls"
# The browsable API and the offline Swagger UI / ReDoc pages need templates and static files.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
STATIC_URL = "static/"
WSGI_APPLICATION = "marketplace.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# Seeding hashes one password for thousands of users; a slow hasher would dominate it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

DATABASES = {"default": database_settings(CONFIG.database_url)}
# Several suites can share one server; each may name its own throw-away test database.
if CONFIG.test_database:
    DATABASES["default"]["TEST"] = {"NAME": CONFIG.test_database}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": CONFIG.redis_url,
        "KEY_PREFIX": CONFIG.cache_prefix,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "SOCKET_CONNECT_TIMEOUT": 0.5,
            "SOCKET_TIMEOUT": 0.5,
        },
    }
}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# The API's optimisation switches (marketplace/api/switches.py reads them per request, so
# one process can measure every variant with override_settings).
WORKBENCH_EAGER = CONFIG.eager
WORKBENCH_CACHE = CONFIG.cache
# Seconds each cached kind lives. Versioned keys keep entries correct, so a TTL only bounds
# memory and how long a write the cache could not see (QuerySet.update, raw SQL) stays hidden.
WORKBENCH_CACHE_TTL = {"ratings": 3600, "job_stats": 1800, "responses": 600}
# After a Redis failure, requests skip Redis for this long instead of each waiting for it.
WORKBENCH_CACHE_RETRY_SECONDS = 5.0

# The API (marketplace/api, docs/api.md): JSON first, the browsable API for people.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "marketplace.api.auth.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": ["marketplace.api.hooks.JSONParser"],
    "EXCEPTION_HANDLER": "marketplace.api.hooks.exception_handler",
    "DEFAULT_PAGINATION_CLASS": "marketplace.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [],  # off by default: the workbench measures the app, not a limiter
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Marketplace API",
    "DESCRIPTION": "The job marketplace the workbench measures (docs/api.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "JobStatusEnum": "marketplace.jobs.models.Job.Status",
        "ApplicationStatusEnum": "marketplace.jobs.models.Application.Status",
        "PaymentStatusEnum": "marketplace.payment.models.Payment.Status",
        "RoleEnum": "marketplace.accounts.models.Profile.Role",
    },
}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {"marketplace": {"handlers": ["console"], "level": "WARNING"}},
}

# Monitoring (marketplace/telemetry, docs/monitoring.md), off unless the environment asks:
# Prometheus's /metrics with WORKBENCH_METRICS=1, OpenTelemetry traces with
# OTEL_EXPORTER_OTLP_ENDPOINT (or OTEL_TRACES_EXPORTER=console). Off, nothing is added.
if CONFIG.metrics or CONFIG.traces:
    INSTALLED_APPS.append("marketplace.telemetry")
if CONFIG.metrics:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "marketplace.telemetry.metrics.CacheMetricsMiddleware",
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]
    DATABASES["default"]["ENGINE"] = "django_prometheus.db.backends.postgresql"
    # Milliseconds matter here: most statements and many requests take under 10 ms.
    PROMETHEUS_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
                                  1.0, 2.5, 5.0, 10.0, float("inf"))  # fmt: skip
    PROMETHEUS_EXPORT_MIGRATIONS = False  # it would query the database at start-up
