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
