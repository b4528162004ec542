"""Settings for the marketplace; the database and cache come from the workbench's services.

With no ``DATABASE_URL`` / ``REDIS_URL`` the embedded PostgreSQL and Redis are started
on first use, so ``manage.py runserver``, the tests and the notebooks need no set-up.
"""

import os
from pathlib import Path

from analysis import services
from analysis.urls import database_settings

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
