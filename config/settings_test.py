"""Test settings: the real settings plus a test-only app, fast hashing and locmem mail."""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key")
os.environ.setdefault("STATIC_PLAIN", "1")

from .settings import *  # noqa: E402,F403
from .settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = [*INSTALLED_APPS, "tests.scoping"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
LANGUAGE_CODE = "en"
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
# Tests run tasks in-process; the real-worker test (tests/core/test_celery_worker.py)
# turns this off for itself and talks to the real Redis.
CELERY_TASK_ALWAYS_EAGER = True
# Figures fresh on every request; tests/core/test_dashboard.py turns the keeping on for its test.
FIGURES_CACHE_SECONDS = 0

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory, so a real Celery worker process can share the test database
    # (pytest-django suffixes it per xdist worker).
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-backdesk.sqlite3")}  # noqa: F405
