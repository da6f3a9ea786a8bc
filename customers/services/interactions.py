"""The interaction log (calls, visits, emails, meetings) and the follow-up cadence of key customers.

A company with ``follow_up_days`` is due for a call ``follow_up_days`` after its last
contact (``Company.compute_next_follow_up``); logging an interaction moves both dates in
the same transaction, so the queue and the follow-up list never show a stale date.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers.models import Company, Contact, Interaction


@transaction.atomic
def interaction_log(
    *,
    company: Company,
    actor: User,
    kind: str,
    summary: str,
    occurred_on: date | None = None,
    contact: Contact | None = None,
    next_step: str = "",
    next_step_on: date | None = None,
) -> Interaction:
    """Record what happened with a company and move its last contact and next follow-up."""
    today = timezone.localdate()
    occurred_on = occurred_on or today
    # Locked so two interactions logged at once both count towards the last contact; fetched
    # through the actor's scope so a forged call for a company they do not see is refused.
    locked = Company.objects.visible_to(actor).select_for_update().filter(pk=company.pk).first()
    if locked is None:
        raise PermissionDenied(_("You cannot log interactions for this company."))
    errors = {}
    if occurred_on > today:
        errors["occurred_on"] = _("The date cannot be in the future: put what is planned in the next step.")
    if next_step_on and next_step_on < occurred_on:
        errors["next_step_on"] = _("The next step cannot be before the interaction.")
    if contact is not None and contact.company_id != locked.pk:
        errors["contact"] = _("Choose a contact of %(company)s.") % {"company": locked.display_name}
    if not summary.strip():
        errors["summary"] = _("Say briefly what was discussed.")
    if errors:
        raise ValidationError(errors)

    interaction = Interaction.objects.create(
        company=locked,
        kind=kind,
        occurred_on=occurred_on,
        user=actor,
        contact=contact,
        summary=summary.strip(),
        next_step=next_step.strip(),
        next_step_on=next_step_on,
    )
    if locked.last_contact_on is None or occurred_on > locked.last_contact_on:
        locked.last_contact_on = occurred_on
    locked.next_follow_up_on = locked.compute_next_follow_up(today)
    # A queryset update: a logged call is not an edit of the company file, so it stays out
    # of the company's audit history (the interaction itself is the record).
    Company.objects.filter(pk=locked.pk).update(
        last_contact_on=locked.last_contact_on, next_follow_up_on=locked.next_follow_up_on
    )
    company.last_contact_on, company.next_follow_up_on = locked.last_contact_on, locked.next_follow_up_on
    return interaction


@transaction.atomic
def follow_up_refresh(*, company: Company, today: date | None = None) -> date | None:
    """Recompute the next follow-up after ``follow_up_days`` changed; call it after saving the company.

    The cadence comes from ``company``; the last contact is read from the database under a lock,
    so an interaction logged meanwhile is not lost.
    """
    today = today or timezone.localdate()
    locked = Company.objects.select_for_update().only("pk", "last_contact_on").get(pk=company.pk)
    company.last_contact_on = locked.last_contact_on
    company.next_follow_up_on = company.compute_next_follow_up(today)
    Company.objects.filter(pk=company.pk).update(next_follow_up_on=company.next_follow_up_on)
    return company.next_follow_up_on


def follow_up_days_overdue(company: Company, today: date) -> int | None:
    """Days since the follow-up fell due (0 = due today); None when not due or no cadence."""
    if company.next_follow_up_on is None or company.next_follow_up_on > today:
        return None
    return (today - company.next_follow_up_on).days
