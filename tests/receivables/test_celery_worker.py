"""The dunning task executed by a real Celery worker process through the real Redis; the emails appear."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest

from config.celery import app
from core.models import JobRun
from receivables.models import Reminder, ReminderEmail
from receivables.tasks import run_dunning_task
from tests.conftest import require
from tests.core.test_celery_worker import database_url

from .factories import make_invoice

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def dunning_worker(transactional_db, tmp_path):
    redis_url = os.environ.get("REDIS_URL", "")
    require(bool(redis_url), "REDIS_URL is not set: no real Redis to run a worker against")
    queue = f"test-dunning-{uuid.uuid4().hex[:8]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.receivables.worker_settings",
        "DATABASE_URL": database_url(),
        "RECEIVABLES_TEST_MAIL_DIR": str(mail_dir),
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1", "-Q", queue,
         "--without-gossip", "--without-mingle", "--loglevel=INFO"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield queue, mail_dir
    finally:
        app.conf.task_always_eager = eager
        process.terminate()
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        print(output[-3000:])


@pytest.mark.services
def test_dunning_runs_on_a_real_worker_and_the_emails_appear(cast, dunning_worker):
    queue, mail_dir = dunning_worker
    invoice = make_invoice(cast, due_on=date(2026, 7, 1))
    result = run_dunning_task.apply_async(args=["2026-07-15"], queue=queue)
    summary = result.get(timeout=90)
    assert summary["sent"] == 2  # sales1 and assistant1
    assert result.backend.__class__.__name__ == "RedisBackend"
    run = JobRun.objects.get(job="run_dunning")
    assert (run.via, run.status) == ("task", JobRun.Status.OK)
    assert Reminder.objects.get().status == Reminder.Status.SENT
    assert ReminderEmail.objects.filter(status=ReminderEmail.Status.SENT).count() == 2
    written = "".join(p.read_text() for p in mail_dir.iterdir())
    assert "To: sales1@backdesk.example" in written and "To: assistant1@backdesk.example" in written
    assert invoice.number in written
    # a second delivery of the same task (beat twice, a retry) sends nothing more
    run_dunning_task.apply_async(args=["2026-07-15"], queue=queue).get(timeout=90)
    assert written.count("Subject:") == "".join(p.read_text() for p in mail_dir.iterdir()).count("Subject:")
