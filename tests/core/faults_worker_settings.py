"""Settings of the Celery worker processes that tests/core/test_faults.py kills: the test settings,
mail written one file per message into FAULTS_MAIL_DIR (so the test can count what really went
out), a worker that can be made to hang at a chosen email (FAULTS_BLOCK), and a short stale-claim
interval (STALE_CLAIM_SECONDS, read by config.settings) so a restart takes over at once."""

import os

from config.settings_test import *  # noqa: F403

EMAIL_BACKEND = "tests.core.faults_mail.HangingFileBackend"
EMAIL_FILE_PATH = os.environ["FAULTS_MAIL_DIR"]
