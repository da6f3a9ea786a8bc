"""Company ownership: create, assign to an assistant, take back, move to another owner."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from customers import rules
from customers.models import Company, CompanyAssignment, Contact, OwnershipChange


@transaction.atomic
def company_create(*, actor: User, company: Company) -> Company:
    """Save a new company; a salesperson always becomes its owner."""
    if not rules.can_create_company(actor):
        raise PermissionDenied(_("Sales assistants cannot create customers or factories."))
    if actor.is_salesperson:
        company.owner = actor
    elif not rules.owner_choices(actor).filter(pk=company.owner_id).exists():
        raise ValidationError({"owner": _("Choose a salesperson in your team.")})
    company.created_by = actor
    company.save()
    return company


@transaction.atomic
def company_assign(*, company: Company, assistant: User, actor: User) -> CompanyAssignment:
    if not rules.can_assign(actor, company):
        raise PermissionDenied(_("Only the owner or their manager can assign this company."))
    if not rules.assignable_assistants(company).filter(pk=assistant.pk).exists():
        raise ValidationError(
            _("%(assistant)s does not work for %(owner)s.") % {"assistant": assistant, "owner": company.owner}
        )
    assignment, _created = CompanyAssignment.objects.get_or_create(
        company=company, assistant=assistant, defaults={"assigned_by": actor}
    )
    return assignment


@transaction.atomic
def company_unassign(*, company: Company, assistant: User, actor: User) -> None:
    if not rules.can_assign(actor, company):
        raise PermissionDenied(_("Only the owner or their manager can take this company back."))
    CompanyAssignment.objects.filter(company=company, assistant=assistant).delete()


@transaction.atomic
def company_transfer(*, company: Company, new_owner: User, actor: User, reason: str) -> OwnershipChange:
    """A manager moves a company to another salesperson in their jurisdiction (history kept).

    Assistants who do not serve the new owner lose the assignment: they would not see it.
    """
    company = Company.objects.select_for_update().get(pk=company.pk)
    if not rules.can_transfer(actor, company):
        raise PermissionDenied(_("Only a manager can move a company to another salesperson."))
    if not rules.owner_choices(actor).filter(pk=new_owner.pk).exists():
        raise ValidationError({"new_owner": _("Choose a salesperson in your jurisdiction.")})
    if new_owner.pk == company.owner_id:
        raise ValidationError({"new_owner": _("This salesperson already owns the company.")})
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the company moves.")})
    change = OwnershipChange.objects.create(
        company=company, from_owner_id=company.owner_id, to_owner=new_owner, changed_by=actor, reason=reason.strip()
    )
    company.owner = new_owner
    company._change_reason = reason.strip()
    company.save(update_fields=["owner", "updated_at"])
    company.assignments.exclude(assistant__serves=new_owner).delete()
    return change


@transaction.atomic
def contact_save(*, contact: Contact, actor: User) -> Contact:
    """Save a contact; a new primary or billing contact takes the flag from the previous one."""
    others = Contact.objects.select_for_update().filter(company=contact.company_id).exclude(pk=contact.pk)
    if contact.is_primary:
        others.filter(is_primary=True).update(is_primary=False)
    if contact.is_billing:
        others.filter(is_billing=True).update(is_billing=False)
    contact.save()
    return contact
