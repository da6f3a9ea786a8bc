"""Scheduled jobs of the customers module (SPEC section 3)."""

from __future__ import annotations

import logging
from datetime import date
from itertools import groupby

from django.conf import settings
from django.core.mail import EmailMessage
from django.template.loader import render_to_string
from django.utils import translation

from core.notify import send_once
from customers.models import CompanyDocument
from customers.services.documents import EXPIRY_WINDOW_DAYS, documents_expiring

logger = logging.getLogger(__name__)


def document_expiry(*, day: date) -> dict:
    """Email each company owner one list of their documents expiring within 30 days of ``day``
    or already expired. At most one email per owner and day, however often the job runs."""
    documents = (
        documents_expiring(CompanyDocument.objects.all(), today=day)
        .filter(company__owner__is_active=True)
        .select_related("company", "company__owner")
        .order_by("company__owner_id", "expires_on", "company__code", "pk")
    )
    summary = {"day": day.isoformat(), "documents": 0, "owners": 0, "sent": 0, "already_sent": 0, "no_email": 0}
    failures = []
    for _owner_id, group in groupby(documents, key=lambda d: d.company.owner_id):
        owner_documents = list(group)
        owner = owner_documents[0].company.owner
        summary["documents"] += len(owner_documents)
        summary["owners"] += 1
        if not owner.email:
            summary["no_email"] += 1
            continue
        for document in owner_documents:
            document.days_left = (document.expires_on - day).days
        try:
            sent = send_once(f"doc-expiry:{owner.pk}:{day.isoformat()}", _message(owner, owner_documents, day))
        except Exception as error:  # one owner's bad address must not stop the others' reminders
            logger.exception("document expiry email to %s failed", owner.pk)
            failures.append(error)
            continue
        summary["sent" if sent else "already_sent"] += 1
    if failures:
        # Recorded as a failed JobRun and retried; the owners mailed already are not mailed again.
        raise failures[0]
    return summary


def _message(owner, documents: list[CompanyDocument], day: date) -> EmailMessage:
    context = {"owner": owner, "documents": documents, "day": day, "window_days": EXPIRY_WINDOW_DAYS}
    with translation.override(owner.language or settings.LANGUAGE_CODE):
        subject = render_to_string("customers/email/document_expiry_subject.txt", context)
        body = render_to_string("customers/email/document_expiry.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[owner.email])
