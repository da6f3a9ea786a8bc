"""The dunning job (SPEC sections 2 and 3): one function behind the Celery beat task (09:00 company
time) and ``manage.py run_dunning [--date] [--dry-run]``.

Exactly once, in two phases:

1. Decide and record. The cadence (receivables.dunning.step_for) picks today's step for each open
   instalment; one transaction inserts a Reminder per (instalment, step, day) — the unique
   constraint makes a second run, a second worker or a second beat insert nothing — and attaches
   the reminders it inserted (INSERT ... ON CONFLICT DO NOTHING RETURNING) to the day's emails, one
   ReminderEmail per recipient. Two concurrent runs therefore attach disjoint sets and never build
   the same recipient's list twice; the decision and its emails commit or vanish together.
2. Send. Each ReminderEmail is claimed by a conditional UPDATE (pending/failed → sending, or a
   "sending" left by a crashed worker after settings.STALE_CLAIM_SECONDS), sent, and marked sent right after the
   SMTP hand-off. A failure marks it failed with the error (admin list) and fails the job run,
   which Celery retries: the retry records nothing new and sends only what is still unsent.

The only window for a duplicate is a crash after the SMTP server accepted a message and before
the "sent" UPDATE (CONVENTIONS.md); a crash anywhere else loses nothing and repeats nothing. Each
email is at least once: the stale "sending" claim is taken over and sent again (same Message-ID),
because a missed reminder costs money and a repeated one costs a glance.
(tests/core/test_faults.py SIGKILLs a real worker at both points and counts the emails.)
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import User
from core.notify import stable_message_id
from customers.models import CompanyAssignment, Contact

from .dunning import Cadence, InstalmentState, escalation_level, step_for, step_label
from .emails import build_message
from .models import (
    DunningPolicy,
    EmailTemplate,
    Instalment,
    PromiseToPay,
    Reminder,
    ReminderEmail,
    open_pause_exists,
)

logger = logging.getLogger(__name__)


def stale_after() -> timedelta:
    """A claim older than this was left by a worker that died (settings.STALE_CLAIM_SECONDS, 15 min)."""
    return timedelta(seconds=settings.STALE_CLAIM_SECONDS)


CHUNK = 2000
MAX_ROWS = 200


@dataclass
class Decision:
    instalment_id: int
    step: str
    days_overdue: int
    open_amount: Decimal
    salesperson_id: int
    customer_id: int
    owner_id: int | None


@dataclass
class Recipient:
    key: str
    email: str
    language: str
    kind: str
    name: str
    user_id: int | None = None
    contact_id: int | None = None
    reminders: list = field(default_factory=list)


def chase_candidates(day: date, cadence: Cadence):
    """Open instalments of issued invoices that could be reminded on ``day`` (one query)."""
    latest_promise = PromiseToPay.objects.filter(invoice=OuterRef("invoice")).order_by("-recorded_at", "-pk")
    return (
        Instalment.objects.open()
        .filter(due_on__isnull=False, due_on__lte=day + timedelta(days=cadence.window_days + 31))
        .annotate(
            paused=open_pause_exists("invoice__customer"),
            promised_until=Subquery(latest_promise.values("promised_on")[:1]),
        )
        .values_list(
            "pk",
            "due_on",
            "open_amount",
            "paused",
            "promised_until",
            "invoice__salesperson_id",
            "invoice__customer_id",
            "invoice__customer__owner_id",
        )  # fmt: skip
        .order_by()
    )


def decide(day: date, policy: DunningPolicy) -> list[Decision]:
    cadence = Cadence.of(policy)
    decisions = []
    for pk, due_on, open_amount, paused, promised_until, sp, customer, owner in chase_candidates(day, cadence).iterator(
        chunk_size=CHUNK
    ):
        state = InstalmentState(due_on=due_on, open=open_amount > 0, paused=paused, promised_until=promised_until)
        step = step_for(cadence, state, day)
        if step:
            decisions.append(Decision(pk, step, (day - due_on).days, open_amount, sp, customer, owner))
    return decisions


def recipients_for(rows: list[tuple], policy: DunningPolicy) -> tuple[dict[str, Recipient], int]:
    """rows: (reminder ref, step, salesperson id, customer id, customer owner id). Returns the
    recipients by key, each with the reminder refs they get, and how many had no email address.

    Salesperson and the assistants who can see the invoice (serve the salesperson, have the
    customer assigned); the team manager for escalation steps; the billing contact when the
    policy turns customer reminders on."""
    salesperson_ids = {r[2] for r in rows}
    users = {
        u.pk: u
        for u in User.objects.filter(
            Q(pk__in=salesperson_ids) | Q(serves__in=salesperson_ids) | Q(managed_teams__members__in=salesperson_ids)
        )
        .filter(is_active=True)
        .distinct()
    }
    team_manager = dict(
        User.objects.filter(pk__in=salesperson_ids, team__manager__is_active=True).values_list("pk", "team__manager_id")
    )
    for manager_id in set(team_manager.values()) - users.keys():
        users[manager_id] = User.objects.get(pk=manager_id)
    served_by: dict[int, set[int]] = defaultdict(set)  # salesperson → assistants
    for assistant_id, sp_id in User.serves.through.objects.filter(to_user_id__in=salesperson_ids).values_list(
        "from_user_id", "to_user_id"
    ):
        served_by[sp_id].add(assistant_id)
    all_assistants = set().union(*served_by.values()) if served_by else set()
    assigned: dict[int, set[int]] = defaultdict(set)  # customer → assistants
    for company_id, assistant_id in CompanyAssignment.objects.filter(assistant_id__in=all_assistants).values_list(
        "company_id", "assistant_id"
    ):
        assigned[company_id].add(assistant_id)
    contacts = {}
    if policy.customer_reminders:
        contacts = {
            c.company_id: c
            for c in Contact.objects.filter(company_id__in={r[3] for r in rows}, is_billing=True).exclude(email="")
        }

    recipients: dict[str, Recipient] = {}
    no_email: set[str] = set()

    def add_user(user_id: int, kind: str, ref) -> None:
        user = users.get(user_id)
        if user is None:
            return
        key = f"{kind}:user:{user_id}"
        if not user.email:
            no_email.add(key)
            return
        if key not in recipients:
            recipients[key] = Recipient(
                key, user.email, user.language or settings.LANGUAGE_CODE, kind, str(user), user_id=user_id
            )
        recipients[key].reminders.append(ref)

    for ref, step, sp_id, customer_id, owner_id in rows:
        add_user(sp_id, EmailTemplate.Kind.TEAM, ref)
        for assistant_id in served_by.get(sp_id, ()):
            # the assistant sees the invoice: serves its salesperson, and the customer's owner, and has it assigned
            if assistant_id in assigned.get(customer_id, ()) and owner_id in _served(served_by, assistant_id):
                add_user(assistant_id, EmailTemplate.Kind.TEAM, ref)
        if escalation_level(step) and team_manager.get(sp_id):
            add_user(team_manager[sp_id], EmailTemplate.Kind.ESCALATION, ref)
        contact = contacts.get(customer_id)
        if contact is not None:
            key = f"customer:contact:{contact.pk}"
            if key not in recipients:
                recipients[key] = Recipient(key, contact.email, policy.customer_language, EmailTemplate.Kind.CUSTOMER,
                                            contact.name, contact_id=contact.pk)  # fmt: skip
            recipients[key].reminders.append(ref)
    return recipients, len(no_email)


def _served(served_by: dict[int, set[int]], assistant_id: int) -> set[int]:
    return {sp for sp, assistants in served_by.items() if assistant_id in assistants}


def _insert_rows(prefix: str, rows: list[tuple], suffix: str = "") -> list[tuple]:
    """Multi-row INSERT ... VALUES (...), (...): at 50,000+ reminders a day, bulk_create's per-object
    work (19 s on SQLite) and row-by-row executemany (15 s on PostgreSQL) were most of the job."""
    returned: list[tuple] = []
    if not rows:
        return returned
    width = len(rows[0])
    one = "(" + ", ".join(["%s"] * width) + ")"
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 1000):
            batch = rows[start : start + 1000]
            values = ", ".join([one] * len(batch))
            cursor.execute(f"{prefix} VALUES {values} {suffix}", [v for row in batch for v in row])
            if "RETURNING" in suffix:
                returned.extend(cursor.fetchall())
    return returned


def _insert_reminders(day: date, decisions: list[Decision]) -> dict[int, int]:
    """INSERT ... ON CONFLICT DO NOTHING RETURNING (SQLite 3.35+ and PostgreSQL): a reminder already
    recorded for (instalment, step, day) by an earlier run or another worker is left to that run;
    returns {instalment id: reminder id} of the rows this transaction inserted, which are its own
    to attach. (A concurrent insert of the same row waits on the unique index until the other
    transaction ends, then does nothing, or inserts if the other rolled back.)"""
    table = connection.ops.quote_name(Reminder._meta.db_table)
    prefix = f"INSERT INTO {table} (instalment_id, step, day, days_overdue, open_amount, status, attached, created_at)"
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    day_value = connection.ops.adapt_datefield_value(day)
    amount = connection.ops.adapt_decimalfield_value
    pending = Reminder.Status.PENDING
    rows = [
        (d.instalment_id, d.step, day_value, d.days_overdue, amount(d.open_amount, 14, 2), pending, True, now)
        for d in decisions
    ]
    inserted = _insert_rows(
        prefix, rows, "ON CONFLICT (instalment_id, step, day) DO NOTHING RETURNING instalment_id, id"
    )
    return dict(inserted)


@transaction.atomic
def record(day: date, decisions: list[Decision], policy: DunningPolicy) -> dict:
    """Phase 1: the decisions and the day's emails, in one transaction."""
    inserted = _insert_reminders(day, decisions)
    rows = [
        (inserted[d.instalment_id], d.step, d.salesperson_id, d.customer_id, d.owner_id)
        for d in decisions
        if d.instalment_id in inserted
    ]
    if not rows:
        return {"reminders": 0, "emails": 0, "no_email": 0}
    recipients, no_email = recipients_for(rows, policy)
    last_batch = dict(
        ReminderEmail.objects.filter(day=day, recipient_key__in=list(recipients))
        .values("recipient_key")
        .annotate(last=Max("batch"))
        .values_list("recipient_key", "last")
    )
    emails = ReminderEmail.objects.bulk_create(
        [
            ReminderEmail(
                day=day,
                recipient_key=r.key,
                batch=last_batch.get(r.key, 0) + 1,
                user_id=r.user_id,
                contact_id=r.contact_id,
                email=r.email,
                language=r.language,
                kind=r.kind,
            )
            for r in recipients.values()
        ]  # fmt: skip
    )
    if any(e.pk is None for e in emails):  # a backend without RETURNING: read the ids back
        ids = dict(
            ReminderEmail.objects.filter(day=day, recipient_key__in=list(recipients))
            .order_by("batch")
            .values_list("recipient_key", "pk")
        )
        for email in emails:
            email.pk = ids[email.recipient_key]
    through = ReminderEmail.reminders.through
    table = connection.ops.quote_name(through._meta.db_table)
    _insert_rows(
        f"INSERT INTO {table} (reminderemail_id, reminder_id)",
        [
            (email.pk, ref)
            for email, recipient in zip(emails, recipients.values(), strict=True)
            for ref in recipient.reminders
        ],
    )
    return {"reminders": len(rows), "emails": len(emails), "no_email": no_email}


def _email_context(email: ReminderEmail) -> dict:
    base = settings.SITE_URL.rstrip("/") if getattr(settings, "SITE_URL", "") else ""
    reminders = email.reminders.select_related(
        "instalment__invoice__customer", "instalment__invoice__salesperson"
    ).order_by("-days_overdue", "instalment__invoice__number", "instalment__sequence")
    total = email.reminders.count()
    detail = base + reverse("receivables:detail", args=[999999999]).replace("999999999", "{}")
    rows = []
    # A long list is cut at MAX_ROWS (the most overdue first); the rest is one link away.
    for reminder in reminders[:MAX_ROWS]:
        instalment = reminder.instalment
        invoice = instalment.invoice
        split = invoice.terms == "instalments"
        rows.append({
            "invoice_number": f"{invoice.number} #{instalment.sequence}" if split else invoice.number,
            "customer": f"{invoice.customer.code} {invoice.customer.display_name}",
            "salesperson": str(invoice.salesperson),
            "step": reminder.step,
            "step_label": step_label(reminder.step),
            "due_on": instalment.due_on,
            "days_overdue": reminder.days_overdue,
            "open_amount": reminder.open_amount,
            "currency": invoice.currency,
            "open_display": f"{invoice.currency} {reminder.open_amount:,.2f}",
            "url": detail.format(invoice.pk),
        })  # fmt: skip
    name = str(email.user) if email.user_id else (email.contact.name if email.contact_id else email.email)
    return {
        "recipient_name": name, "day": email.day, "rows": rows, "total": total, "more": total - len(rows),
        "list_url": base + reverse("receivables:list") + "?overdue=1", "company_name": settings.COMPANY_NAME,
    }  # fmt: skip


def send_reminder_email(email_id: int) -> bool:
    """Phase 2 for one email: claim, send, record. True when sent now."""
    now = timezone.now()
    claimed = ReminderEmail.objects.filter(
        Q(status__in=[ReminderEmail.Status.PENDING, ReminderEmail.Status.FAILED])
        | Q(status=ReminderEmail.Status.SENDING, updated_at__lt=now - stale_after()),
        pk=email_id,
    ).update(status=ReminderEmail.Status.SENDING, updated_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return False
    email = ReminderEmail.objects.select_related("user", "contact").get(pk=email_id)
    try:
        with translation.override(email.language or settings.LANGUAGE_CODE):  # step labels in their language
            context = _email_context(email)
        message = build_message(kind=email.kind, language=email.language, to=email.email, context=context)
        message.extra_headers["Message-ID"] = stable_message_id(f"dunning.{email.pk}.{email.day:%Y%m%d}")
        message.send()
    except Exception as error:
        ReminderEmail.objects.filter(pk=email_id).update(
            status=ReminderEmail.Status.FAILED, updated_at=timezone.now(), last_error=repr(error)[:2000]
        )
        Reminder.objects.filter(emails=email_id, status=Reminder.Status.PENDING).update(status=Reminder.Status.FAILED)
        raise
    ReminderEmail.objects.filter(pk=email_id).update(
        status=ReminderEmail.Status.SENT,
        sent_at=timezone.now(),
        updated_at=timezone.now(),
        subject=message.subject,
        last_error="",
    )
    unsent = [ReminderEmail.Status.PENDING, ReminderEmail.Status.SENDING, ReminderEmail.Status.FAILED]
    Reminder.objects.filter(emails=email_id).exclude(emails__status__in=unsent).update(status=Reminder.Status.SENT)
    return True


def send_pending(day: date) -> dict:
    now = timezone.now()
    ids = list(
        ReminderEmail.objects.filter(day=day)
        .filter(
            Q(status__in=[ReminderEmail.Status.PENDING, ReminderEmail.Status.FAILED])
            | Q(status=ReminderEmail.Status.SENDING, updated_at__lt=now - stale_after())
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    sent = skipped = 0
    failures: list[Exception] = []
    for email_id in ids:
        try:
            if send_reminder_email(email_id):
                sent += 1
            else:
                skipped += 1
        except Exception as error:  # one bad address must not stop the other recipients' emails
            logger.exception("dunning email %s failed", email_id)
            failures.append(error)
    return {"sent": sent, "already_taken": skipped, "failed": len(failures), "_failures": failures}


def run_dunning(*, day: date, dry_run: bool = False) -> dict:
    policy = DunningPolicy.current()
    decisions = decide(day, policy)
    summary: dict = {"day": day.isoformat(), "due_reminders": len(decisions), "dry_run": dry_run}
    if dry_run:
        rows = [(i, d.step, d.salesperson_id, d.customer_id, d.owner_id) for i, d in enumerate(decisions)]
        recipients, no_email = recipients_for(rows, policy)
        summary.update(
            emails=len(recipients),
            no_email=no_email,
            recipients={r.email: len(r.reminders) for r in recipients.values()},
        )
        return summary
    summary.update(record(day, decisions, policy))
    result = send_pending(day)
    failures = result.pop("_failures")
    summary.update(result)
    if failures:
        # The job run is recorded as failed and Celery retries it; what was sent is not sent again.
        raise failures[0]
    return summary
