"""Faults (issue #11): the web app with Redis down, and workers killed in the middle of sending.

1. Redis down: the Celery app points at a closed port (not eager). Pages and form posts work
   (sessions, cache and login protection live in the database, not Redis); a big export is
   recorded, the request gives up on the broker within a second, the progress page says the
   job waits for the job runner, and the heartbeat sweep queues it once Redis is back.
2. A real `celery worker` process is SIGKILLed in the middle of the dunning run and of the
   monthly report pack, at a point chosen by the mail backend (tests/core/faults_mail.py):
   - claimed, not yet sent: after a restart every recipient has exactly one email;
   - sent, not yet marked sent: the one email in flight is sent again, with the same
     Message-ID (at least once, by choice: see receivables/jobs.py and core/notify.py);
     every other recipient has exactly one.
"""

from __future__ import annotations

import email
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery import app
from core.background_exports import QUEUE_DOWN, export_run, requeue_stale_exports
from core.models import Export, Notice
from core.notify import stable_message_id
from core.seed import DEMO_PASSWORD
from customers.models import Company, Contact, Interaction
from receivables.models import DunningPolicy, Reminder, ReminderEmail
from receivables.tasks import run_dunning_task
from reports.pack import pack_recipients
from reports.tasks import send_monthly_reports_task
from tests.conftest import require, require_postgresql
from tests.core.test_celery_worker import database_url
from tests.orders.factories import make_order
from tests.receivables.factories import make_invoice

ROOT = Path(__file__).resolve().parents[2]
CLOSED_PORT = "redis://127.0.0.1:1/0"  # nothing listens there: connection refused
STALE_SECONDS = 2  # STALE_CLAIM_SECONDS of the worker processes (900 in production)


def real_redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "REDIS_URL is not set: no real Redis to test against")
    return url


@contextmanager
def celery_at(url: str):
    """Point the Celery app of this process at ``url`` (broker and result backend), not eager."""
    conf = app.conf
    saved = conf.broker_url, conf.result_backend, conf.task_always_eager

    def reset():
        app._pool = None
        app._backend_cache = None
        app._local.__dict__.pop("backend", None)
        if "amqp" in app.__dict__:
            app.amqp._producer_pool = None

    conf.broker_url, conf.result_backend, conf.task_always_eager = url, url, False
    reset()
    try:
        yield
    finally:
        conf.broker_url, conf.result_backend, conf.task_always_eager = saved
        reset()


# --- 1. Redis down -----------------------------------------------------------------------------


@pytest.mark.services
@pytest.mark.django_db(transaction=True)  # autocommit as in production: on_commit runs at once
def test_the_web_app_works_with_redis_down_and_a_queued_export_is_not_lost(client, cast, settings):
    redis_url = real_redis_url()
    for _ in range(4):
        make_order(cast.sales1, cast.customer_of_assistant1)
    settings.EXPORT_INLINE_MAX_ROWS = 2
    company = cast.customer_of_assistant1

    with celery_at(CLOSED_PORT):
        # login protection (django-axes) and the session are in the database, not Redis
        assert client.post(reverse("login"), {"username": "gm", "password": "wrong"}).status_code == 200
        response = client.post(reverse("login"), {"username": "gm", "password": DEMO_PASSWORD})
        assert response.status_code == 302 and client.session["_auth_user_id"] == str(cast.gm.pk)
        for name in [
            "home",
            "orders:list",
            "customers:list",
            "customers:follow-ups",
            "receivables:list",
            "export-list",
        ]:
            assert client.get(reverse(name)).status_code == 200, name
        today = timezone.localdate()
        response = client.post(
            reverse("customers:interaction-create", args=[company.pk]),
            {"kind": "call", "occurred_on": today.isoformat(), "summary": "Called while Redis was down"},
        )
        assert response.status_code == 302
        assert Interaction.objects.get().summary == "Called while Redis was down"

        started = time.monotonic()
        response = client.get(reverse("orders:export"))
        waited = time.monotonic() - started
        export = Export.objects.get()
        assert response.status_code == 302 and response["Location"] == export.get_absolute_url()
        assert waited < 1.5, f"the request waited {waited:.2f} s on the broker"
        export.refresh_from_db()
        assert export.status == Export.Status.PENDING and export.error.startswith(QUEUE_DOWN)
        page = client.get(export.get_absolute_url())
        assert page.status_code == 200
        assert b'id="export-delayed"' in page.content  # "Queued, waiting for the job runner"
        assert "cannot be reached" in " ".join(str(m) for m in page.context["messages"])
        print(f"export request with the broker down: {waited:.3f} s")

    # Redis is back (a private database number of the real Redis, to read its queue alone).
    back = urlsplit(redis_url)._replace(path="/14").geturl()
    import redis

    queue = redis.Redis.from_url(back)
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    with celery_at(back):
        assert requeue_stale_exports() == 1  # what the heartbeat does every 10 minutes
    published = [
        item
        for item in queue.lrange("celery", 0, -1)
        if json.loads(item)["headers"]["task"] == "core.tasks.export_task"
        and json.loads(item)["headers"]["argsrepr"] == f"[{export.pk}]"
    ]
    for item in published:
        queue.lrem("celery", 1, item)
    assert len(published) == 1
    export.refresh_from_db()
    assert export.error == "" and export.status == Export.Status.PENDING
    assert export_run(export.pk) == Export.Status.DONE  # what the worker does with the message


def test_an_export_waiting_long_for_a_worker_says_so(client, cast, db):
    export = Export.objects.create(owner=cast.sales1, view_name="orders:export", title="Orders", rows_total=10)
    client.force_login(cast.sales1)
    Export.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(minutes=1))
    fragment = client.get(export.get_absolute_url(), headers={"HX-Request": "true"})
    assert b'id="export-delayed"' in fragment.content and b"hx-trigger" in fragment.content


# --- 2. A worker killed in the middle ----------------------------------------------------------


class Workers:
    """Starts `celery worker` processes on a private queue; mail goes to files in ``mail``."""

    def __init__(self, tmp_path: Path):
        real_redis_url()
        self.tmp = tmp_path
        self.queue = f"test-faults-{uuid.uuid4().hex[:8]}"
        self.mail = tmp_path / "mail"
        self.mail.mkdir()
        self.marker = tmp_path / "hanging"
        self.processes: list[subprocess.Popen] = []

    def start(self, block: str = "") -> subprocess.Popen:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.core.faults_worker_settings",
            "DATABASE_URL": database_url(),
            "FAULTS_MAIL_DIR": str(self.mail),
            "FAULTS_MARKER": str(self.marker),
            "FAULTS_BLOCK": block,
            "STALE_CLAIM_SECONDS": str(STALE_SECONDS),
        }
        log = open(self.tmp / f"worker-{len(self.processes)}.log", "w")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(
            [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--concurrency=1",
             "-Q", self.queue, "--without-gossip", "--without-mingle", "--loglevel=INFO"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        self.processes.append(process)
        return process

    def kill_when_hanging(self, process: subprocess.Popen, timeout: float = 180) -> float:
        deadline = time.monotonic() + timeout
        while not self.marker.exists():
            assert process.poll() is None, self.logs()
            assert time.monotonic() < deadline, "the worker never reached the kill point\n" + self.logs()
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
        self.marker.unlink()
        return time.monotonic()

    def emails(self) -> list[email.message.Message]:
        return [email.message_from_string(p.read_text()) for p in sorted(self.mail.glob("*.eml"))]

    def logs(self) -> str:
        return "\n".join(p.read_text()[-3000:] for p in sorted(self.tmp.glob("worker-*.log")))

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


@pytest.fixture
def workers(transactional_db, tmp_path):
    require_postgresql()
    pool = Workers(tmp_path)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = False
    try:
        yield pool
    finally:
        app.conf.task_always_eager = eager
        pool.stop()
        print(pool.logs())


DAY = "2026-07-15"
CUSTOMERS = 20


def seed_overdue_invoices(cast) -> None:
    """CUSTOMERS customers with a billing contact and an invoice 14 days overdue on DAY: one
    email to each contact (customer reminders on) and one to the salesperson."""
    policy = DunningPolicy.current()
    policy.customer_reminders = True
    policy.save()
    for i in range(CUSTOMERS):
        company = Company.objects.create(code=f"F-{i:02}", name=f"故障 {i} 有限公司", owner=cast.sales1)
        Contact.objects.create(
            company=company, name=f"Billing {i}", email=f"billing{i}@customer.example", is_billing=True
        )
        make_invoice(cast, customer=company, due_on=date(2026, 7, 1))


def dunning_copies(workers: Workers) -> Counter:
    """How many copies of each ReminderEmail were written, by its pk (from the stable Message-ID)."""
    copies: Counter = Counter()
    by_pk = dict(ReminderEmail.objects.values_list("pk", "email"))
    for message in workers.emails():
        pk = int(message["Message-ID"].strip("<>").split(".")[1])
        assert message["To"] == by_pk[pk]
        copies[pk] += 1
    return copies


@pytest.mark.services
def test_dunning_worker_killed_between_claim_and_send_neither_loses_nor_repeats(cast, workers):
    seed_overdue_invoices(cast)
    first = workers.start(block="before:6")  # hangs with the 6th email claimed, not written
    started = time.monotonic()
    run_dunning_task.apply_async(args=[DAY], queue=workers.queue)
    killed = workers.kill_when_hanging(first)
    total = ReminderEmail.objects.count()
    assert total >= CUSTOMERS + 1
    assert len(workers.emails()) == 5
    statuses = Counter(ReminderEmail.objects.values_list("status", flat=True))
    assert statuses == {"sent": 5, "sending": 1, "pending": total - 6}

    time.sleep(STALE_SECONDS + 0.5)  # the claim of the dead worker turns stale
    workers.start()  # the restarted worker; beat (or Celery's redelivery) runs the job again
    summary = run_dunning_task.apply_async(args=[DAY], queue=workers.queue).get(timeout=180)
    recovered = time.monotonic() - killed
    assert summary["sent"] == total - 5 and summary["reminders"] == 0  # nothing decided twice
    copies = dunning_copies(workers)
    assert set(copies) == set(ReminderEmail.objects.values_list("pk", flat=True))  # none missing
    assert set(copies.values()) == {1}  # none twice
    assert not ReminderEmail.objects.exclude(status=ReminderEmail.Status.SENT).exists()
    assert not Reminder.objects.exclude(status=Reminder.Status.SENT).exists()
    print(f"dunning: {total} emails, killed after 5 at {killed - started:.1f} s, recovered in {recovered:.1f} s")


@pytest.mark.services
def test_dunning_worker_killed_between_send_and_mark_sends_that_one_email_again(cast, workers):
    """The hole no mail system closes: the message left, the "sent" UPDATE did not happen. The
    code chooses at least once: the copy goes again, with the same Message-ID, and only it."""
    seed_overdue_invoices(cast)
    first = workers.start(block="after:6")  # hangs with the 6th email written, not marked sent
    run_dunning_task.apply_async(args=[DAY], queue=workers.queue)
    killed = workers.kill_when_hanging(first)
    total = ReminderEmail.objects.count()
    assert len(workers.emails()) == 6
    in_flight = ReminderEmail.objects.get(status=ReminderEmail.Status.SENDING)

    time.sleep(STALE_SECONDS + 0.5)
    workers.start()
    run_dunning_task.apply_async(args=[DAY], queue=workers.queue).get(timeout=180)
    recovered = time.monotonic() - killed
    copies = dunning_copies(workers)
    assert set(copies) == set(ReminderEmail.objects.values_list("pk", flat=True))  # none missing
    assert copies.pop(in_flight.pk) == 2  # the one in flight, twice with one Message-ID
    assert set(copies.values()) == {1}  # every other exactly once
    assert not ReminderEmail.objects.exclude(status=ReminderEmail.Status.SENT).exists()
    print(f"dunning hole: {total} emails, {total + 1} written, recovered in {recovered:.1f} s")


@pytest.mark.services
def test_monthly_pack_worker_killed_between_claim_and_send_neither_loses_nor_repeats(cast, workers):
    managers = {m.email: m for m in pack_recipients()}
    assert len(managers) >= 3  # gm, manager1, manager2
    first = workers.start(block="before:2")  # hangs with the 2nd pack claimed, not sent
    send_monthly_reports_task.apply_async(args=["2026-10"], queue=workers.queue)
    killed = workers.kill_when_hanging(first)
    assert len(workers.emails()) == 1
    statuses = Counter(Notice.objects.filter(key__startswith="monthly-pack:").values_list("status", flat=True))
    assert statuses == {"sent": 1, "sending": 1}

    time.sleep(STALE_SECONDS + 0.5)
    workers.start()
    summary = send_monthly_reports_task.apply_async(args=["2026-10"], queue=workers.queue).get(timeout=180)
    recovered = time.monotonic() - killed
    assert (summary["sent"], summary["already_sent"]) == (len(managers) - 1, 1)
    received = Counter(message["To"] for message in workers.emails())
    assert received == Counter(set(managers))  # each manager exactly once
    assert all(message.get_payload()[1].get_filename().startswith("backdesk-2026-10-") for message in workers.emails())
    sent = Notice.objects.filter(key__startswith="monthly-pack:", status=Notice.Status.SENT)
    assert sent.count() == len(managers)
    print(f"monthly pack: {len(managers)} managers, killed after 1, recovered in {recovered:.1f} s")


@pytest.mark.services
def test_monthly_pack_worker_killed_between_send_and_mark_sends_that_pack_again(cast, workers):
    """Same choice as dunning (core.notify.send_once): the pack in flight goes again, same Message-ID."""
    managers = {m.email for m in pack_recipients()}
    first = workers.start(block="after:2")  # hangs with the 2nd pack written, not marked sent
    send_monthly_reports_task.apply_async(args=["2026-10"], queue=workers.queue)
    workers.kill_when_hanging(first)
    in_flight = Notice.objects.get(key__startswith="monthly-pack:", status=Notice.Status.SENDING)

    time.sleep(STALE_SECONDS + 0.5)
    workers.start()
    send_monthly_reports_task.apply_async(args=["2026-10"], queue=workers.queue).get(timeout=180)
    messages = workers.emails()
    received = Counter(message["To"] for message in messages)
    twice = {to for to, n in received.items() if n == 2}
    assert set(received) == managers and len(messages) == len(managers) + 1  # none missing, one extra
    in_flight.refresh_from_db()
    assert in_flight.status == Notice.Status.SENT and twice == {in_flight.recipients}
    assert {m["Message-ID"] for m in messages if m["To"] in twice} == {stable_message_id(f"notice.{in_flight.pk}")}
