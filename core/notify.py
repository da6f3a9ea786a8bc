"""Emails that must go out at most once, however many workers or retries run.

A row keyed by what the email is about (e.g. ``doc-expiry:owner=7:2026-12-01``) is created
first; a conditional UPDATE from "pending" to "sending" claims it, so only one process sends.
A row left in "sending" by a crashed worker is taken back after STALE_AFTER.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from .models import Notice

STALE_AFTER = timedelta(minutes=15)


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
        | models.Q(status=Notice.Status.SENDING, updated_at__lt=now - STALE_AFTER),
        pk=notice.pk,
    ).update(status=Notice.Status.SENDING, updated_at=now, attempts=models.F("attempts") + 1)
    if not claimed:
        return False
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
