"""Emails that must go out at most once, however many workers or retries run.

A row keyed by what the email is about (e.g. ``doc-expiry:owner=7:2026-12-01``) is created
first; a conditional UPDATE from "pending" to "sending" claims it, so only one process sends.
A row left in "sending" by a crashed worker is taken back after settings.STALE_CLAIM_SECONDS (15 minutes).

At least once, not exactly once: a worker killed after the mail server accepted the message and
before the "sent" UPDATE leaves the row "sending", and the takeover sends it again (with the same
Message-ID). Losing the email instead (at most once) would be worse for what goes through here:
a monthly pack or a document expiry notice nobody receives is not noticed. A crash at any other
point neither loses nor repeats (tests/core/test_faults.py kills a real worker at both points).
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import Notice


def stale_after() -> timedelta:
    """A claim older than this was left by a worker that died (settings.STALE_CLAIM_SECONDS, 15 min)."""
    return timedelta(seconds=settings.STALE_CLAIM_SECONDS)


def stable_message_id(local_part: str) -> str:
    """The same Message-ID every time one email is (re)sent, so a copy sent again after a crash
    (see send_once) is recognisable as the same message and mail clients that deduplicate drop it."""
    host = urlsplit(getattr(settings, "SITE_URL", "") or "").hostname or "backdesk.local"
    return f"<{local_part}@{host}>"


def send_once(key: str, message: EmailMessage) -> bool:
    """Send ``message`` unless a notice with ``key`` was sent already. True when sent now."""
    try:
        with transaction.atomic():
            notice, _created = Notice.objects.get_or_create(key=key, defaults={"subject": message.subject[:200]})
    except IntegrityError:  # another worker created it between our get and our create
        notice = Notice.objects.get(key=key)
    now = timezone.now()
    claimed = Notice.objects.filter(
        models.Q(status=Notice.Status.PENDING)
        | models.Q(status=Notice.Status.SENDING, updated_at__lt=now - stale_after()),
        pk=notice.pk,
    ).update(status=Notice.Status.SENDING, updated_at=now, attempts=models.F("attempts") + 1)
    if not claimed:
        return False
    message.extra_headers.setdefault("Message-ID", stable_message_id(f"notice.{notice.pk}"))
    try:
        message.send()
    except Exception:
        Notice.objects.filter(pk=notice.pk).update(status=Notice.Status.PENDING, updated_at=timezone.now())
        raise
    Notice.objects.filter(pk=notice.pk).update(
        status=Notice.Status.SENT,
        sent_at=timezone.now(),
        updated_at=timezone.now(),
        recipients=", ".join(message.to)[:500],
    )
    return True
