"""Scheduled job of the samples module (SPEC section 3: sample feedback, daily)."""

from __future__ import annotations

import logging
from datetime import date

from samples.models import SampleRequest
from samples.services import feedback_reminder

logger = logging.getLogger(__name__)


def sample_feedback_due(*, day: date) -> dict:
    """Remind each salesperson of their samples due for feedback on ``day`` (sent N days ago or
    more, no feedback yet). One email per sample and day, however often the job runs; the
    samples are on the assistants' follow-up queue (samples/queues.py) from the same day."""
    samples = (
        SampleRequest.objects.feedback_due(day)
        .filter(salesperson__is_active=True)
        .select_related("salesperson", "customer")
        .order_by("follow_up_on", "pk")
    )
    summary = {"day": day.isoformat(), "due": 0, "sent": 0, "already_sent": 0, "no_email": 0}
    failures = []
    for sample in samples.iterator(chunk_size=500):
        summary["due"] += 1
        if not sample.salesperson.email:
            summary["no_email"] += 1
            continue
        try:
            sent = feedback_reminder(sample, day)
        except Exception as error:  # one bad address must not stop the other reminders
            logger.exception("sample feedback reminder %s failed", sample.pk)
            failures.append(error)
            continue
        summary["sent" if sent else "already_sent"] += 1
    if failures:
        # Recorded as a failed JobRun and retried; reminders sent already are not sent again.
        raise failures[0]
    return summary
