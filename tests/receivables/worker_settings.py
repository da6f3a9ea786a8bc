"""Settings of the Celery worker process in test_celery_worker.py: the test settings, but mail
written to files the test can read (locmem mail stays inside the worker process)."""

import os

from config.settings_test import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
EMAIL_FILE_PATH = os.environ["RECEIVABLES_TEST_MAIL_DIR"]
