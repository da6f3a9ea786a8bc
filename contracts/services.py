"""Contracts: drafting, the approval workflow, signing and the register, amendments, attachments.

Every status change goes through ``_move`` with the contract row locked, is checked against
who may do it now, and writes a ``ContractEvent`` (who, when, from → to, comment), which is
the contract's timeline. Emails to the next approver (and to the people concerned by a
rejection, an approval or an amendment) leave after commit through ``core.notify.send_once``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from core.sequences import next_number
from core.uploads import safe_filename, validate_upload
from customers.models import Company
from orders.models import Order, Product
from orders.services.orders import customers_for, factories_for, salespersons_for

from .models import Amendment, ApprovalPolicy, Contract, ContractAttachment, ContractEvent, ContractLine

Status = Contract.Status
Action = ContractEvent.Action
NUMBER_PREFIX = "HT"  # 合同
REGISTER_PREFIX = "HTDJ"  # 合同登记
HEADER_FIELDS = (
    "customer", "factory", "title", "currency", "payment_terms", "delivery_terms",
    "valid_from", "valid_until", "confidential", "notes",
)  # fmt: skip


# Who may do what ---------------------------------------------------------------------------


def can_operate(user: User) -> bool:
    """Assistants, salespersons and managers work on contracts they see; finance only reads."""
    return bool(user.is_superuser or user.role)


def team_manager(contract: Contract) -> User | None:
    team = contract.salesperson.team
    return team.manager if team is not None and team.manager_id else None


def _involved(user: User, contract: Contract) -> bool:
    return user.pk in (contract.maker_id, contract.salesperson_id)


def can_approve_manager_step(user: User, contract: Contract) -> bool:
    """The team's manager approves; the GM may stand in (e.g. when the manager made the contract)."""
    if contract.status != Status.SUBMITTED or _involved(user, contract):
        return False
    if user.is_superuser or user.is_gm:
        return True
    manager = team_manager(contract)
    return manager is not None and manager.pk == user.pk


def can_approve_gm_step(user: User, contract: Contract) -> bool:
    if contract.status != Status.MANAGER_APPROVED or _involved(user, contract):
        return False
    return bool(user.is_gm or user.is_superuser)


def can_decide(user: User, contract: Contract) -> bool:
    return can_approve_manager_step(user, contract) or can_approve_gm_step(user, contract)


def next_approvers(contract: Contract) -> list[User]:
    """Whom to tell that the contract now waits for them."""
    if contract.status == Status.SUBMITTED:
        manager = team_manager(contract)
        if manager is not None and manager.is_active and not _involved(manager, contract):
            return [manager]
        # No team manager, or the manager is the maker or salesperson: the GM decides.
    elif contract.status != Status.MANAGER_APPROVED:
        return []
    return [gm for gm in User.objects.filter(is_gm=True, is_active=True) if not _involved(gm, contract)]


def allowed_actions(user: User, contract: Contract) -> list[str]:
    """What the contract page offers this user now (and only that)."""
    actions: list[str] = []
    if not can_operate(user):
        return actions
    if contract.status == Status.DRAFT:
        actions += ["edit", "submit"]
    if can_decide(user, contract):
        actions += ["approve", "reject"]
    if contract.status == Status.APPROVED:
        actions.append("sign")
    if contract.status == Status.SIGNED:
        actions.append("archive")
    if contract.status in Contract.AMENDABLE:
        actions.append("amend")
    actions.append("attach")
    return actions


# Drafting -------------------------------------------------------------------------------------


def _check_parties(actor: User, salesperson: User, customer: Company | None, factory: Company | None) -> None:
    if salesperson is None or not salespersons_for(actor).filter(pk=salesperson.pk).exists():
        raise ValidationError(
            {"salesperson": _("You cannot make contracts for %(person)s.") % {"person": salesperson}},
            code="salesperson",
        )
    if customer is None or not customers_for(actor, salesperson).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer": _("Choose one of %(person)s's customers that you work on.") % {"person": salesperson}},
            code="customer",
        )
    if factory is not None and not factories_for(actor, salesperson).filter(pk=factory.pk).exists():
        raise ValidationError(
            {"factory": _("Choose one of %(person)s's factories that you work on.") % {"person": salesperson}},
            code="factory",
        )


def _check_dates(valid_from: date | None, valid_until: date | None) -> None:
    if valid_from is None or valid_until is None:
        raise ValidationError({"valid_until": _("Enter the dates the contract is valid.")}, code="required")
    if valid_until < valid_from:
        raise ValidationError({"valid_until": _("The contract cannot end before it starts.")}, code="dates")


def _clean_lines(lines: list[dict]) -> list[dict]:
    cleaned = []
    for line in lines:
        quantity = Decimal(line["quantity"])
        unit_price = Decimal(line["unit_price"])
        if quantity <= 0:
            raise ValidationError(_("A line's quantity must be more than zero."), code="quantity")
        if unit_price < 0:
            raise ValidationError(_("A unit price cannot be negative."), code="price")
        product: Product | None = line.get("product")
        description = (line.get("description") or "").strip() or (str(product.name) if product else "")
        if not description:
            raise ValidationError(_("Describe each line or choose a product."), code="description")
        unit = (line.get("unit") or "").strip() or (product.unit if product else "")
        cleaned.append(
            {
                "product": product,
                "description": description[:300],
                "quantity": quantity,
                "unit": unit[:10] or "pcs",
                "unit_price": unit_price,
                "amount": (quantity * unit_price).quantize(Decimal("0.01")),
            }
        )
    if not cleaned:
        raise ValidationError(_("A contract needs at least one line."), code="lines")
    return cleaned


def _write_lines(contract: Contract, lines: list[dict]) -> None:
    contract.lines.all().delete()
    ContractLine.objects.bulk_create([ContractLine(contract=contract, **line) for line in lines])
    contract.amount = sum((line["amount"] for line in lines), Decimal("0.00"))


def _event(contract: Contract, action: str, actor: User, *, from_status: str = "", comment: str = "") -> ContractEvent:
    return ContractEvent.objects.create(
        contract=contract,
        action=action,
        from_status=from_status,
        to_status=contract.status if from_status or action == Action.CREATED else "",
        actor=actor,
        comment=comment[:1000],
    )


@transaction.atomic
def contract_create(
    *,
    actor: User,
    salesperson: User,
    customer: Company,
    lines: list[dict],
    currency: str,
    payment_terms: str,
    delivery_terms: str,
    valid_from: date,
    valid_until: date,
    factory: Company | None = None,
    title: str = "",
    confidential: bool = False,
    notes: str = "",
) -> Contract:
    """Draft a contract for ``salesperson`` (chosen first) with one of their customers the actor works on."""
    _check_parties(actor, salesperson, customer, factory)
    _check_dates(valid_from, valid_until)
    cleaned = _clean_lines(lines)
    contract = Contract(
        number=next_number(NUMBER_PREFIX),
        salesperson=salesperson,
        maker=actor,
        customer=customer,
        factory=factory,
        title=title,
        currency=currency,
        payment_terms=payment_terms,
        delivery_terms=delivery_terms,
        valid_from=valid_from,
        valid_until=valid_until,
        confidential=confidential,
        notes=notes,
    )
    contract.save()
    _write_lines(contract, cleaned)
    contract.save(update_fields=["amount"])
    _event(contract, Action.CREATED, actor)
    return contract


def _locked(contract: Contract, actor: User) -> Contract:
    """The row, locked, and only if the actor may still see it."""
    try:
        return (
            Contract.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("salesperson__team")
            .get(pk=contract.pk)
        )
    except Contract.DoesNotExist as error:
        raise ValidationError(_("This contract is not one you work on."), code="scope") from error


@transaction.atomic
def contract_update(*, contract: Contract, actor: User, lines: list[dict] | None = None, **fields: Any) -> Contract:
    """Edit a draft (header and lines); a submitted contract is changed by rejecting it first."""
    contract = _locked(contract, actor)
    if not can_operate(actor):
        raise ValidationError(_("You cannot change contracts."), code="permission")
    if contract.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be edited; this contract is %(status)s.") % _status(contract))
    unknown = set(fields) - set(HEADER_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)})
    customer = fields.get("customer", contract.customer)
    factory = fields.get("factory", contract.factory)
    if customer != contract.customer or factory != contract.factory:
        _check_parties(actor, contract.salesperson, customer, factory)
    _check_dates(fields.get("valid_from", contract.valid_from), fields.get("valid_until", contract.valid_until))
    for name, value in fields.items():
        setattr(contract, name, value)
    if lines is not None:
        _write_lines(contract, _clean_lines(lines))
    contract.save()
    _event(contract, Action.EDITED, actor)
    return contract


def _status(contract: Contract) -> dict:
    return {"status": contract.get_status_display(), "number": contract.number}


# Workflow ---------------------------------------------------------------------------------------


def _move(contract: Contract, to_status: str, action: str, actor: User, comment: str = "") -> ContractEvent:
    from_status = contract.status
    contract.status = to_status
    contract.save()
    event = _event(contract, action, actor, from_status=from_status, comment=comment)
    transaction.on_commit(lambda: _notify_after(contract.pk, event.pk))
    return event


@transaction.atomic
def contract_submit(*, contract: Contract, actor: User, comment: str = "") -> Contract:
    contract = _locked(contract, actor)
    if not can_operate(actor):
        raise ValidationError(_("You cannot submit contracts."), code="permission")
    if contract.status != Status.DRAFT:
        raise ValidationError(_("Only a draft can be submitted; %(number)s is %(status)s.") % _status(contract))
    if not contract.lines.exists():
        raise ValidationError(_("A contract needs at least one line."), code="lines")
    contract.returned = False
    contract.submitted_at = timezone.now()
    _move(contract, Status.SUBMITTED, Action.SUBMITTED, actor, comment)
    return contract


@transaction.atomic
def contract_approve(*, contract: Contract, actor: User, comment: str = "") -> Contract:
    """The team's manager approves (then the GM when the policy asks), never the maker or salesperson."""
    contract = _locked(contract, actor)
    if _involved(actor, contract) and contract.status in Contract.AWAITING_APPROVAL:
        raise ValidationError(_("You cannot approve a contract you made or that is yours."), code="self_approval")
    if contract.status == Status.SUBMITTED:
        if not can_approve_manager_step(actor, contract):
            raise ValidationError(_("Only the team's manager can approve this contract now."), code="approver")
        policy = ApprovalPolicy.current()
        contract.needs_gm = policy.needs_gm(amount=contract.amount, currency=contract.currency)
        if actor.is_gm or actor.is_superuser or not contract.needs_gm:
            # The GM standing in for the manager approves both steps at once.
            action = Action.GM_APPROVED if actor.is_gm else Action.MANAGER_APPROVED
            _move(contract, Status.APPROVED, action, actor, comment)
        else:
            _move(contract, Status.MANAGER_APPROVED, Action.MANAGER_APPROVED, actor, comment)
        return contract
    if contract.status == Status.MANAGER_APPROVED:
        if not can_approve_gm_step(actor, contract):
            raise ValidationError(_("Only the general manager can approve this contract now."), code="approver")
        _move(contract, Status.APPROVED, Action.GM_APPROVED, actor, comment)
        return contract
    raise ValidationError(_("%(number)s is %(status)s; there is nothing to approve.") % _status(contract))


@transaction.atomic
def contract_reject(*, contract: Contract, actor: User, comment: str) -> Contract:
    """Back to draft with the approver's reason (required)."""
    contract = _locked(contract, actor)
    comment = (comment or "").strip()
    if contract.status not in Contract.AWAITING_APPROVAL:
        raise ValidationError(_("%(number)s is %(status)s; there is nothing to reject.") % _status(contract))
    if not can_decide(actor, contract):
        raise ValidationError(_("Only the approver at this step can return the contract."), code="approver")
    if not comment:
        raise ValidationError({"comment": _("Say what needs to change.")}, code="comment")
    contract.returned = True
    contract.needs_gm = False
    _move(contract, Status.DRAFT, Action.REJECTED, actor, comment)
    return contract


@transaction.atomic
def contract_sign(
    *, contract: Contract, actor: User, scan, signed_on: date | None = None, comment: str = ""
) -> Contract:
    """Record the signed contract: its scan is uploaded and it gets its register number."""
    contract = _locked(contract, actor)
    if not can_operate(actor):
        raise ValidationError(_("You cannot record signatures."), code="permission")
    if contract.status != Status.APPROVED:
        raise ValidationError(
            _("Only an approved contract can be signed; %(number)s is %(status)s.") % _status(contract)
        )
    if scan is None:
        raise ValidationError({"scan": _("Upload the scan of the signed contract.")}, code="required")
    signed_on = signed_on or timezone.localdate()
    if signed_on > timezone.localdate():
        raise ValidationError({"signed_on": _("A contract cannot be signed in the future.")}, code="future")
    _store(contract, scan, actor, ContractAttachment.Kind.SIGNED_SCAN, field="scan")
    contract.signed_on = signed_on
    contract.register_number = next_number(REGISTER_PREFIX)
    _move(contract, Status.SIGNED, Action.SIGNED, actor, comment)
    return contract


@transaction.atomic
def contract_archive(*, contract: Contract, actor: User, archive_location: str, comment: str = "") -> Contract:
    """The paper original is handed to finance: where it is kept."""
    contract = _locked(contract, actor)
    if not can_operate(actor):
        raise ValidationError(_("You cannot archive contracts."), code="permission")
    if contract.status != Status.SIGNED:
        raise ValidationError(
            _("Only a signed contract can be archived; %(number)s is %(status)s.") % _status(contract)
        )
    location = (archive_location or "").strip()
    if not location:
        raise ValidationError({"archive_location": _("Say where the paper original is kept.")}, code="required")
    contract.archive_location = location[:200]
    _move(contract, Status.ARCHIVED, Action.ARCHIVED, actor, comment or location)
    return contract


# Attachments and amendments --------------------------------------------------------------------


def _store(contract: Contract, uploaded, actor: User, kind: str, *, field: str = "file") -> ContractAttachment:
    try:
        content_type = validate_upload(uploaded)
    except ValidationError as error:
        raise ValidationError({field: error.error_list}) from error
    attachment = ContractAttachment(
        contract=contract,
        kind=kind,
        original_name=safe_filename(uploaded.name, content_type),
        content_type=content_type,
        size=uploaded.size,
        uploaded_by=actor,
    )
    attachment.file.save(attachment.original_name, uploaded, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def contract_attach(*, contract: Contract, actor: User, file) -> ContractAttachment:
    contract = _locked(contract, actor)
    if not can_operate(actor):
        raise ValidationError(_("You cannot add files to contracts."), code="permission")
    attachment = _store(contract, file, actor, ContractAttachment.Kind.ATTACHMENT)
    _event(contract, Action.ATTACHED, actor, comment=attachment.original_name)
    return attachment


@transaction.atomic
def amendment_create(*, contract: Contract, actor: User, changes: str, reason: str) -> Amendment:
    """Record a numbered change (合同更改) and tell the people concerned."""
    contract = _locked(contract, actor)
    if not can_operate(actor):
        raise ValidationError(_("You cannot amend contracts."), code="permission")
    if contract.status not in Contract.AMENDABLE:
        raise ValidationError(_("Only an approved or signed contract is amended; change the draft instead."))
    changes, reason = (changes or "").strip(), (reason or "").strip()
    errors = {}
    if not changes:
        errors["changes"] = _("Say what changed.")
    if not reason:
        errors["reason"] = _("Say why it changed.")
    if errors:
        raise ValidationError(errors)
    contract.amendment_count += 1
    contract.save(update_fields=["amendment_count", "updated_at"])
    amendment = Amendment.objects.create(
        contract=contract, number=contract.amendment_count, changes=changes, reason=reason, made_by=actor
    )
    event = _event(contract, Action.AMENDED, actor, comment=f"#{amendment.number} {changes}")
    transaction.on_commit(lambda: _notify_after(contract.pk, event.pk))
    return amendment


# Orders ---------------------------------------------------------------------------------------


def linkable_contracts(user: User, *, salesperson_id: int, customer_id: int) -> QuerySet[Contract]:
    """The contracts an order of this salesperson and customer may be linked to, as ``user`` sees them."""
    return Contract.objects.visible_to(user).filter(
        salesperson_id=salesperson_id, customer_id=customer_id, status__in=Contract.LINKABLE
    )


@transaction.atomic
def order_link_contract(*, order: Order, contract: Contract | None, actor: User) -> Order:
    """Link an order to one of the same salesperson's and customer's approved or signed contracts."""
    try:
        order = Order.objects.visible_to(actor).select_for_update().get(pk=order.pk)
    except Order.DoesNotExist as error:
        raise ValidationError(_("This order is not one you work on."), code="scope") from error
    if not can_operate(actor):
        raise ValidationError(_("You cannot change orders."), code="permission")
    if order.contract_id and not Contract.objects.visible_to(actor).filter(pk=order.contract_id).exists():
        raise ValidationError(
            _("This order is linked to a contract you cannot see; ask its salesperson to change it."), code="scope"
        )
    if contract is not None and not (
        linkable_contracts(actor, salesperson_id=order.salesperson_id, customer_id=order.customer_id)
        .filter(pk=contract.pk)
        .exists()
    ):
        raise ValidationError(
            {"contract": _("Choose an approved or signed contract of the same salesperson and customer.")},
            code="contract",
        )
    order.contract = contract
    order.save(update_fields=["contract", "updated_at"])
    return order


# Notifications ------------------------------------------------------------------------------------


@dataclass
class Notice:
    template: str
    recipients: list[User]


def amendment_recipients(contract: Contract) -> list[User]:
    """Salesperson, maker, the salesperson's assistants who may see it, and the approving manager."""
    people: dict[int, User] = {contract.salesperson_id: contract.salesperson, contract.maker_id: contract.maker}
    assistants = contract.salesperson.assistants.filter(is_active=True)
    visible = Contract.objects.filter(pk=contract.pk)
    for assistant in assistants:
        if visible.visible_to(assistant).exists():
            people[assistant.pk] = assistant
    approver = (
        ContractEvent.objects.filter(contract=contract, action__in=[Action.MANAGER_APPROVED, Action.GM_APPROVED])
        .select_related("actor")
        .order_by("at", "pk")
        .first()
    )
    if approver is not None:
        people[approver.actor_id] = approver.actor
    return [person for person in people.values() if person.is_active and person.email]


def notice_for(contract: Contract, event: ContractEvent) -> Notice | None:
    if event.action in (Action.SUBMITTED, Action.MANAGER_APPROVED, Action.GM_APPROVED) and (
        contract.status in Contract.AWAITING_APPROVAL
    ):
        return Notice("awaiting_approval", next_approvers(contract))
    if event.action in (Action.MANAGER_APPROVED, Action.GM_APPROVED) and contract.status == Status.APPROVED:
        return Notice("approved", _unique([contract.maker, contract.salesperson]))
    if event.action == Action.REJECTED:
        return Notice("returned", _unique([contract.maker, contract.salesperson]))
    if event.action == Action.AMENDED:
        return Notice("amended", amendment_recipients(contract))
    return None


def _unique(people: list[User]) -> list[User]:
    seen: dict[int, User] = {}
    for person in people:
        seen.setdefault(person.pk, person)
    return list(seen.values())


def _notify_after(contract_id: int, event_id: int) -> None:
    from .emails import notify_event

    notify_event(contract_id=contract_id, event_id=event_id)


def contract_total(contract: Contract) -> Decimal:
    return contract.lines.aggregate(t=Sum("amount"))["t"] or Decimal("0.00")
