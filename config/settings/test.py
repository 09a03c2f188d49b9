"""Tests: SQLite unless DATABASE_URL is set; fast hashing; in-memory e-mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-not-secret-0123456789abcdefghijklmnopqrstuvwxyz")
os.environ.setdefault("PRENAFIT_REQUIRE_STAFF_MFA", "false")

from .base import *  # noqa: E402,F403
from .base import BASE_DIR, DATABASES  # noqa: E402

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# One test database per test run (by process id), so two runs on one machine never share it.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not :memory:, so a Celery worker thread can share it (see STACK.md).
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
    # Longer than development's 20 s (a worker thread shares the file); base.py's
    # transaction_mode="IMMEDIATE" is kept.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 30
else:
    DATABASES["default"]["TEST"] = {"NAME": f"test_prenafit_{os.getpid()}"}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
STATIC_ROOT = None  # nothing is collected in tests; whitenoise serves from the finders
WHITENOISE_USE_FINDERS = True
PRENAFIT_PUSH_ALLOW_LOCAL_HTTP = True  # the tests stand in for the push service on 127.0.0.1
