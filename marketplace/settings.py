"""Settings for the marketplace; the database and cache come from the workbench's services.

With no ``DATABASE_URL`` / ``REDIS_URL`` the embedded PostgreSQL and Redis are started
on first use, so ``manage.py runserver``, the tests and the notebooks need no set-up.
"""

import os
from pathlib import Path

from workbench.env import services
from workbench.env.urls import database_settings

BASE_DIR = Path(__file__).resolve().parent.parent

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "workbench-local-only-not-secret")
DEBUG = os.environ.get("DJANGO_DEBUG", "") == "1"
ALLOWED_HOSTS = ["localhost", "127.0.0.1", "testserver", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
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
WSGI_APPLICATION = "marketplace.wsgi.application"
AUTH_USER_MODEL = "accounts.User"
# Seeding hashes one password for thousands of users; a slow hasher would dominate it.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]

DATABASES = {"default": database_settings(services.database_url())}
# Several suites can share one server; each may name its own throw-away test database.
if os.environ.get("WORKBENCH_TEST_DB"):
    DATABASES["default"]["TEST"] = {"NAME": os.environ["WORKBENCH_TEST_DB"]}

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": services.redis_url(),
        "KEY_PREFIX": os.environ.get("WORKBENCH_CACHE_PREFIX", "wb"),
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
WORKBENCH_EAGER = os.environ.get("WORKBENCH_EAGER", "").strip().lower() in {"1", "true", "yes"}
WORKBENCH_CACHE = os.environ.get("WORKBENCH_CACHE", "").strip().lower() in {"1", "true", "yes"}
# Seconds each cached kind lives. Versioned keys keep entries correct, so a TTL only bounds
# memory and how long a write the cache could not see (QuerySet.update, raw SQL) stays hidden.
WORKBENCH_CACHE_TTL = {"ratings": 3600, "job_stats": 1800, "responses": 600}
# After a Redis failure, requests skip Redis for this long instead of each waiting for it.
WORKBENCH_CACHE_RETRY_SECONDS = 5.0

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
