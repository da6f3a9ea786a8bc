"""Writes of the expenses module: claims and their review, advances and their settlement.

Who may do what (SPEC section 1, seed 002 篇三 1.2 and 篇七 6):
- a claim is filed by the claimant, or by an assistant for a salesperson they serve;
- first review (初审) by an assistant who serves the claimant, never the claimant;
- approval by the claimant's team manager (the GM for managers' own claims), never the claimant;
- finance marks approved claims paid and pays advances out.
A reused receipt (回笼票) or a budget at 100% blocks approval until the manager gives a reason.
"""

from __future__ import annotations

import logging
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, QuerySet, Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.notify import send_once
from core.sequences import next_number
from core.uploads import safe_filename, validate_upload

from .budgets import claim_budget_usage
from .models import (
    ZERO,
    Advance,
    AdvanceEvent,
    AdvanceSettlement,
    Claim,
    ClaimEvent,
    ClaimLine,
    cents,
    totals_by_currency,
)

logger = logging.getLogger(__name__)
Status = Claim.Status

CLAIMANT_ROLES = (User.Role.SALESPERSON, User.Role.ASSISTANT, User.Role.MANAGER)


# --- who may do what ------------------------------------------------------------------------


def claimants_for(user: User) -> QuerySet[User]:
    """Whom ``user`` may file a claim or an advance for: themselves, and an assistant's salespersons."""
    if not user.is_authenticated or not user.is_active:
        return User.objects.none()
    ids = []
    if user.role in CLAIMANT_ROLES:
        ids.append(user.pk)
    qs = User.objects.filter(pk__in=ids)
    if user.role == User.Role.ASSISTANT:
        qs = User.objects.filter(pk__in=ids) | user.serves.filter(is_active=True)
    return qs.distinct().order_by("username")


def serves(assistant: User, claimant: User) -> bool:
    return (
        assistant.role == User.Role.ASSISTANT
        and claimant.role == User.Role.SALESPERSON
        and assistant.serves.filter(pk=claimant.pk).exists()
    )


def needs_first_review(claimant: User) -> bool:
    """Assistants review salespersons' claims; an assistant's or manager's own goes to the approver."""
    return claimant.role == User.Role.SALESPERSON


def approver_of(claimant: User) -> User | None:
    """The claimant's team manager; the GM for managers (and for people without a team manager)."""
    if claimant.role != User.Role.MANAGER and claimant.team_id and claimant.team.manager_id:
        manager = claimant.team.manager
        if manager.pk != claimant.pk and manager.is_active:
            return manager
    gm = User.objects.filter(is_gm=True, is_active=True).first()
    return gm if gm and gm.pk != claimant.pk else None


def can_edit(user: User, claim: Claim) -> bool:
    if claim.status not in Claim.EDITABLE:
        return False
    return user.pk == claim.claimant_id or serves(user, claim.claimant)


def can_review(user: User, claim: Claim) -> bool:
    return claim.status == Status.SUBMITTED and user.pk != claim.claimant_id and serves(user, claim.claimant)


def can_approve(user: User, claim: Claim) -> bool:
    if claim.status != Status.REVIEWED or user.pk == claim.claimant_id:
        return False
    if user.is_superuser or user.is_gm:
        return True
    approver = approver_of(claim.claimant)
    return approver is not None and approver.pk == user.pk


def can_pay(user: User, claim: Claim) -> bool:
    return claim.status == Status.APPROVED and user.is_finance and user.pk != claim.claimant_id


def can_return(user: User, claim: Claim) -> bool:
    return can_review(user, claim) or can_approve(user, claim) or can_pay(user, claim)


def can_approve_advance(user: User, advance: Advance) -> bool:
    if advance.status != Advance.Status.REQUESTED or user.pk == advance.person_id:
        return False
    if user.is_superuser or user.is_gm:
        return True
    approver = approver_of(advance.person)
    return approver is not None and approver.pk == user.pk


def can_pay_advance(user: User, advance: Advance) -> bool:
    return user.is_finance and user.pk != advance.person_id


# --- claims ---------------------------------------------------------------------------------


def _event(claim: Claim, actor: User, action: str, from_status: str, comment: str = "", **extra) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim,
        actor=actor,
        action=action,
        from_status=from_status,
        to_status=claim.status,
        comment=comment,
        checklist=extra.get("checklist") or {},
    )


def _lock(claim: Claim) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related("claimant", "claimant__team").get(pk=claim.pk)


def _check_trip(trip, claimant: User) -> None:
    if trip is not None and trip.traveller_id != claimant.pk:
        raise ValidationError({"trip": _("Choose a trip of the claimant.")})


@transaction.atomic
def claim_create(*, actor: User, claimant: User, kind: str, purpose: str, trip=None) -> Claim:
    if not claimants_for(actor).filter(pk=claimant.pk).exists():
        raise ValidationError({"claimant": _("You cannot file a claim for this person.")})
    _check_trip(trip, claimant)
    claim = Claim.objects.create(
        number=next_number("EX"), claimant=claimant, created_by=actor, kind=kind, purpose=purpose, trip=trip
    )
    _event(claim, actor, ClaimEvent.Action.CREATED, "")
    return claim


@transaction.atomic
def claim_update(*, claim: Claim, actor: User, kind: str, purpose: str, trip=None) -> Claim:
    claim = _lock(claim)
    if not can_edit(actor, claim):
        raise ValidationError(_("This claim can no longer be changed."), code="status")
    _check_trip(trip, claim.claimant)
    claim.kind, claim.purpose, claim.trip = kind, purpose, trip
    claim.save(update_fields=["kind", "purpose", "trip", "updated_at"])
    return claim


def validate_line(*, line_date: date, category: str, receipt_number: str, receipt_issuer: str, receipt_file) -> str:
    """Check a line before it is saved; returns the receipt's sniffed content type ("" without a file)."""
    errors: dict[str, list] = {}
    if line_date and line_date > timezone.localdate():
        errors.setdefault("date", []).append(_("The date is in the future; claim an expense once it has happened."))
    from .models import RECEIPT_NOT_REQUIRED

    if category not in RECEIPT_NOT_REQUIRED:
        if not (receipt_number or "").strip():
            errors.setdefault("receipt_number", []).append(
                _("Enter the receipt (invoice) number: this category is reimbursed against a receipt.")
            )
        if not (receipt_issuer or "").strip():
            errors.setdefault("receipt_issuer", []).append(_("Enter who issued the receipt."))
    content_type = ""
    if receipt_file:
        try:
            content_type = validate_upload(receipt_file)
        except ValidationError as error:
            errors.setdefault("receipt_file", []).extend(error.messages)
    if errors:
        raise ValidationError(errors)
    return content_type


@transaction.atomic
def line_add(
    *,
    claim: Claim,
    actor: User,
    date: date,
    category: str,
    amount: Decimal,
    currency: str,
    description: str = "",
    receipt_number: str = "",
    receipt_issuer: str = "",
    receipt_file=None,
    customer=None,
) -> ClaimLine:
    claim = _lock(claim)
    if not can_edit(actor, claim):
        raise ValidationError(_("This claim can no longer be changed."), code="status")
    content_type = validate_line(
        line_date=date,
        category=category,
        receipt_number=receipt_number,
        receipt_issuer=receipt_issuer,
        receipt_file=receipt_file,
    )
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    if customer is not None:
        from customers.models import Company

        if not Company.objects.visible_to(actor).filter(pk=customer.pk).exists():
            raise ValidationError({"customer": _("Choose a customer you can see.")})
    line = ClaimLine(
        claim=claim,
        date=date,
        category=category,
        description=description,
        amount=amount,
        currency=currency,
        receipt_number=receipt_number.strip(),
        receipt_issuer=receipt_issuer.strip(),
        customer=customer,
    )
    if receipt_file:
        line.receipt_name = safe_filename(receipt_file.name, content_type)[:120]
        line.receipt_type = content_type
        line.receipt_file.save(line.receipt_name, receipt_file, save=False)
    line.save()
    Claim.objects.filter(pk=claim.pk).update(updated_at=timezone.now())
    return line


@transaction.atomic
def line_delete(*, line: ClaimLine, actor: User) -> None:
    claim = _lock(line.claim)
    if not can_edit(actor, claim):
        raise ValidationError(_("This claim can no longer be changed."), code="status")
    stored = line.receipt_file.name if line.receipt_file else ""
    line.delete()
    if stored and not ClaimLine.objects.filter(receipt_file=stored).exists():
        storage = ClaimLine._meta.get_field("receipt_file").storage
        transaction.on_commit(lambda: storage.delete(stored))


def claim_totals(claim: Claim) -> list[tuple[str, Decimal]]:
    return totals_by_currency(claim.lines.values_list("currency", "amount"))


def claim_payable(claim: Claim) -> list[dict]:
    """Per currency: the claimed total, the advances settled against it, what is left to pay."""
    settled = {
        currency: cents(total)
        for currency, total in claim.settlements.values("currency")
        .annotate(total=Sum("amount"))
        .values_list("currency", "total")
    }
    return [
        {"currency": cur, "total": total, "settled": settled.get(cur, ZERO), "payable": total - settled.get(cur, ZERO)}
        for cur, total in claim_totals(claim)
    ]


def reused_lines(claim: Claim) -> QuerySet[ClaimLine]:
    return ClaimLine.objects.filter(claim=claim).reused()


@transaction.atomic
def claim_submit(*, claim: Claim, actor: User) -> Claim:
    claim = _lock(claim)
    if not can_edit(actor, claim):
        raise ValidationError(_("Only a draft or a returned claim can be submitted."), code="status")
    lines = list(claim.lines.all())
    if not lines:
        raise ValidationError(_("Add at least one line before submitting."), code="empty")
    today = timezone.localdate()
    for line in lines:
        if line.date > today:
            raise ValidationError(_("A line is dated in the future; correct it first."), code="future")
        if line.receipt_required and not (line.receipt_key and line.issuer_key):
            raise ValidationError(
                _("Every line of this category needs a receipt number and issuer."), code="receipt_required"
            )
    before = claim.status
    comment = ""
    if needs_first_review(claim.claimant):
        claim.status = Status.SUBMITTED
    else:
        claim.status = Status.REVIEWED
        comment = _("No first review: the claimant is not a salesperson; it goes to the approver.")
    claim.submitted_at = timezone.now()
    claim.receipts_ok = claim.content_ok = claim.amounts_ok = None
    claim.reviewed_by = None
    claim.reviewed_at = None
    claim.save()
    event = _event(claim, actor, ClaimEvent.Action.SUBMITTED, before, comment)
    _notify_after_commit(claim.pk, event.pk)
    return claim


@transaction.atomic
def claim_review(
    *, claim: Claim, actor: User, receipts_ok: bool, content_ok: bool, amounts_ok: bool, comment: str = ""
) -> Claim:
    """The first review (初审). Passing needs every check; a failed check means returning the claim."""
    claim = _lock(claim)
    if not can_review(actor, claim):
        raise ValidationError(_("Only an assistant serving the claimant reviews a submitted claim."), code="status")
    if not (receipts_ok and content_ok and amounts_ok):
        raise ValidationError(
            _("Every check must hold to pass the review; otherwise return the claim with a comment."),
            code="checklist",
        )
    before = claim.status
    claim.status = Status.REVIEWED
    claim.receipts_ok, claim.content_ok, claim.amounts_ok = True, True, True
    claim.reviewed_by = actor
    claim.reviewed_at = timezone.now()
    claim.save()
    checklist = {"receipts_ok": True, "content_ok": True, "amounts_ok": True}
    if reused_lines(claim).exists():
        comment = (comment + " " + _("Reused receipt flagged for the manager.")).strip()
    event = _event(claim, actor, ClaimEvent.Action.REVIEWED, before, comment, checklist=checklist)
    _notify_after_commit(claim.pk, event.pk)
    return claim


def approval_blockers(claim: Claim, usages: list | None = None) -> list[str]:
    """What stops a plain approval and needs the manager's reason: reused receipts, budgets at 100%."""
    blockers = []
    reused = list(reused_lines(claim).values_list("receipt_number", flat=True))
    if reused:
        blockers.append(_("Reused receipt: %(numbers)s") % {"numbers": ", ".join(sorted(set(reused)))})
    for usage in claim_budget_usage(claim) if usages is None else usages:
        if usage.level == "over":
            blockers.append(
                _("Budget %(budget)s at %(percent)s%%") % {"budget": usage.budget, "percent": usage.percent_shown}
            )
    return blockers


@transaction.atomic
def claim_approve(*, claim: Claim, actor: User, comment: str = "", override_reason: str = "") -> Claim:
    claim = _lock(claim)
    if not can_approve(actor, claim):
        raise ValidationError(_("You cannot approve this claim."), code="status")
    blockers = approval_blockers(claim)
    override_reason = (override_reason or "").strip()
    if blockers and not override_reason:
        raise ValidationError(
            {"override_reason": _("Approval needs your reason to override: %(what)s.") % {"what": "; ".join(blockers)}}
        )
    before = claim.status
    claim.status = Status.APPROVED
    claim.approved_by = actor
    claim.approved_at = timezone.now()
    claim.override_reason = override_reason if blockers else ""
    claim.save()
    text = comment
    if blockers:
        text = (_("Override (%(what)s): %(reason)s") % {"what": "; ".join(blockers), "reason": override_reason}) + (
            f"\n{comment}" if comment else ""
        )
    event = _event(claim, actor, ClaimEvent.Action.APPROVED, before, text)
    _notify_after_commit(claim.pk, event.pk)
    return claim


@transaction.atomic
def claim_return(*, claim: Claim, actor: User, comment: str, checklist: dict | None = None) -> Claim:
    """Rejection at any step: back to the claimant with the reason, to correct and submit again."""
    claim = _lock(claim)
    if not can_return(actor, claim):
        raise ValidationError(_("You cannot return this claim."), code="status")
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say why the claim is returned.")})
    if claim.settlements.exists():
        raise ValidationError(_("An advance is settled against this claim; it cannot be returned."), code="settled")
    before = claim.status
    claim.status = Status.RETURNED
    claim.approved_by = None
    claim.approved_at = None
    claim.save()
    event = _event(claim, actor, ClaimEvent.Action.RETURNED, before, comment.strip(), checklist=checklist)
    _notify_after_commit(claim.pk, event.pk)
    return claim


@transaction.atomic
def claim_pay(*, claim: Claim, actor: User, reference: str = "") -> Claim:
    claim = _lock(claim)
    if not can_pay(actor, claim):
        raise ValidationError(_("Only finance marks an approved claim paid."), code="status")
    before = claim.status
    claim.status = Status.PAID
    claim.paid_by = actor
    claim.paid_at = timezone.now()
    claim.payment_reference = reference.strip()[:100]
    claim.save()
    payable = "; ".join(f"{row['payable']} {row['currency']}" for row in claim_payable(claim))
    text = _("Paid %(amount)s") % {"amount": payable} + (f" · {claim.payment_reference}" if reference else "")
    event = _event(claim, actor, ClaimEvent.Action.PAID, before, text)
    _notify_after_commit(claim.pk, event.pk)
    return claim


@transaction.atomic
def claim_withdraw(*, claim: Claim, actor: User, comment: str = "") -> Claim:
    claim = _lock(claim)
    if not can_edit(actor, claim):
        raise ValidationError(_("Only a draft or a returned claim can be withdrawn."), code="status")
    before = claim.status
    claim.status = Status.WITHDRAWN
    claim.save(update_fields=["status", "updated_at"])
    _event(claim, actor, ClaimEvent.Action.WITHDRAWN, before, comment)
    return claim


# --- advances -------------------------------------------------------------------------------


def _advance_event(advance: Advance, actor: User, action: str, before: str, comment: str = "") -> AdvanceEvent:
    return AdvanceEvent.objects.create(
        advance=advance, actor=actor, action=action, from_status=before, to_status=advance.status, comment=comment
    )


def _lock_advance(advance: Advance) -> Advance:
    return Advance.objects.select_for_update(of=("self",)).select_related("person", "person__team").get(pk=advance.pk)


@transaction.atomic
def advance_request(*, actor: User, person: User, purpose: str, amount: Decimal, currency: str, trip=None) -> Advance:
    if not claimants_for(actor).filter(pk=person.pk).exists():
        raise ValidationError({"person": _("You cannot request an advance for this person.")})
    if amount is None or amount <= 0:
        raise ValidationError({"amount": _("Enter an amount above zero.")})
    _check_trip(trip, person)
    advance = Advance.objects.create(
        number=next_number("AD"),
        person=person,
        created_by=actor,
        purpose=purpose,
        amount=amount,
        currency=currency,
        trip=trip,
    )
    event = _advance_event(advance, actor, AdvanceEvent.Action.REQUESTED, "")
    _notify_advance_after_commit(advance.pk, event.pk)
    return advance


@transaction.atomic
def advance_approve(*, advance: Advance, actor: User, comment: str = "") -> Advance:
    advance = _lock_advance(advance)
    if not can_approve_advance(actor, advance):
        raise ValidationError(_("You cannot approve this advance."), code="status")
    before = advance.status
    advance.status = Advance.Status.APPROVED
    advance.approved_by = actor
    advance.approved_at = timezone.now()
    advance.save()
    event = _advance_event(advance, actor, AdvanceEvent.Action.APPROVED, before, comment)
    _notify_advance_after_commit(advance.pk, event.pk)
    return advance


@transaction.atomic
def advance_reject(*, advance: Advance, actor: User, comment: str) -> Advance:
    advance = _lock_advance(advance)
    if not can_approve_advance(actor, advance):
        raise ValidationError(_("You cannot reject this advance."), code="status")
    if not (comment or "").strip():
        raise ValidationError({"comment": _("Say why the advance is rejected.")})
    before = advance.status
    advance.status = Advance.Status.REJECTED
    advance.save(update_fields=["status", "updated_at"])
    event = _advance_event(advance, actor, AdvanceEvent.Action.REJECTED, before, comment.strip())
    _notify_advance_after_commit(advance.pk, event.pk)
    return advance


@transaction.atomic
def advance_cancel(*, advance: Advance, actor: User) -> Advance:
    advance = _lock_advance(advance)
    if advance.status != Advance.Status.REQUESTED or not claimants_for(actor).filter(pk=advance.person_id).exists():
        raise ValidationError(_("Only a requested advance can be cancelled by its borrower."), code="status")
    before = advance.status
    advance.status = Advance.Status.CANCELLED
    advance.save(update_fields=["status", "updated_at"])
    _advance_event(advance, actor, AdvanceEvent.Action.CANCELLED, before)
    return advance


@transaction.atomic
def advance_pay(*, advance: Advance, actor: User, comment: str = "") -> Advance:
    advance = _lock_advance(advance)
    if advance.status != Advance.Status.APPROVED or not can_pay_advance(actor, advance):
        raise ValidationError(_("Only finance pays out an approved advance."), code="status")
    before = advance.status
    advance.status = Advance.Status.PAID
    advance.paid_by = actor
    advance.paid_at = timezone.now()
    advance.save()
    event = _advance_event(advance, actor, AdvanceEvent.Action.PAID, before, comment)
    _notify_advance_after_commit(advance.pk, event.pk)
    return advance


def _clear(advance: Advance, amount: Decimal) -> None:
    Advance.objects.filter(pk=advance.pk).update(settled_amount=F("settled_amount") + amount)
    advance.refresh_from_db(fields=["settled_amount"])
    if advance.settled_amount == advance.amount:
        advance.status = Advance.Status.SETTLED
        advance.save(update_fields=["status", "updated_at"])


@transaction.atomic
def advance_settle(*, advance: Advance, claim: Claim, actor: User, amount: Decimal | None = None) -> AdvanceSettlement:
    """Settle (核销) an outstanding advance against an approved claim of the same person.

    The claim then pays that much less; by default as much as both allow (the smaller of the
    advance's outstanding amount and the claim's payable amount in the advance's currency).
    """
    advance = _lock_advance(advance)
    claim = _lock(claim)
    if not actor.is_finance or actor.pk == advance.person_id:
        raise ValidationError(_("Only finance settles advances."), code="permission")
    if advance.status != Advance.Status.PAID:
        raise ValidationError(_("Only an outstanding advance can be settled."), code="status")
    if claim.status != Status.APPROVED or claim.claimant_id != advance.person_id:
        raise ValidationError(_("Choose an approved, unpaid claim of the same person."), code="claim")
    payable = next((row["payable"] for row in claim_payable(claim) if row["currency"] == advance.currency), ZERO)
    outstanding = advance.amount - advance.settled_amount
    limit = min(payable, outstanding)
    if limit <= 0:
        raise ValidationError(
            _("The claim has nothing left to pay in %(currency)s.") % {"currency": advance.currency}, code="nothing"
        )
    amount = limit if amount is None else Decimal(amount).quantize(Decimal("0.01"))
    if amount <= 0 or amount > limit:
        raise ValidationError(
            {
                "amount": _("Settle between 0.01 and %(limit)s %(currency)s.")
                % {"limit": limit, "currency": advance.currency}
            }
        )
    settlement = AdvanceSettlement.objects.create(
        advance=advance,
        kind=AdvanceSettlement.Kind.CLAIM,
        claim=claim,
        amount=amount,
        currency=advance.currency,
        actor=actor,
    )
    before = advance.status
    _clear(advance, amount)
    text = _("%(amount)s %(currency)s against %(claim)s") % {
        "amount": amount,
        "currency": advance.currency,
        "claim": claim.number,
    }
    _advance_event(advance, actor, AdvanceEvent.Action.SETTLED, before, text)
    ClaimEvent.objects.create(
        claim=claim,
        actor=actor,
        action=ClaimEvent.Action.SETTLED,
        from_status=claim.status,
        to_status=claim.status,
        comment=_("%(amount)s %(currency)s of advance %(advance)s")
        % {
            "amount": amount,
            "currency": advance.currency,
            "advance": advance.number,
        },
    )
    return settlement


@transaction.atomic
def advance_repay(*, advance: Advance, actor: User, amount: Decimal, comment: str = "") -> AdvanceSettlement:
    """The borrower pays back (part of) an outstanding advance in cash; finance records it."""
    advance = _lock_advance(advance)
    if not can_pay_advance(actor, advance):
        raise ValidationError(_("Only finance records repayments."), code="permission")
    if advance.status != Advance.Status.PAID:
        raise ValidationError(_("Only an outstanding advance can be repaid."), code="status")
    outstanding = advance.amount - advance.settled_amount
    if amount is None or amount <= 0 or amount > outstanding:
        raise ValidationError(
            {
                "amount": _("Enter an amount between 0.01 and the %(outstanding)s %(currency)s outstanding.")
                % {"outstanding": outstanding, "currency": advance.currency}
            }
        )
    settlement = AdvanceSettlement.objects.create(
        advance=advance,
        kind=AdvanceSettlement.Kind.REPAYMENT,
        amount=amount,
        currency=advance.currency,
        actor=actor,
        comment=comment[:300],
    )
    before = advance.status
    _clear(advance, amount)
    _advance_event(
        advance,
        actor,
        AdvanceEvent.Action.REPAID,
        before,
        f"{amount} {advance.currency}" + (f" · {comment}" if comment else ""),
    )
    return settlement


def outstanding_by_person(advances: QuerySet[Advance]) -> list[dict]:
    """Outstanding advances per person and currency, to the cent, from the scoped queryset."""
    rows = (
        advances.outstanding()
        .values("person_id", "person__username", "person__display_name", "currency")
        .annotate(amount=Sum("amount"), settled=Sum("settled_amount"))
        .order_by("person__username", "currency")
    )
    result = []
    for row in rows:
        amount, settled = cents(row["amount"]), cents(row["settled"])
        result.append({**row, "amount": amount, "settled": settled, "outstanding": amount - settled})
    return result


# --- notifications --------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _message(template: str, recipient: User, context: dict) -> EmailMessage:
    context = {**context, "recipient": recipient}
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"expenses/email/{template}_subject.txt", context)
        body = render_to_string(f"expenses/email/{template}.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email])


def claim_recipients(claim: Claim, status: str) -> list[User]:
    """Who acts next, or the claimant when it comes back to them or is paid."""
    if status == Status.SUBMITTED:
        return list(claim.claimant.assistants.filter(is_active=True).order_by("username"))
    if status == Status.REVIEWED:
        approver = approver_of(claim.claimant)
        return [approver] if approver else []
    if status == Status.APPROVED:
        return list(User.objects.filter(is_finance=True, is_active=True).order_by("username"))
    if status in (Status.RETURNED, Status.PAID):
        people = [claim.claimant]
        if claim.created_by_id != claim.claimant_id and claim.created_by.is_active:
            people.append(claim.created_by)
        return people
    return []


def notify_claim_event(claim_pk: int, event_pk: int) -> int:
    claim = Claim.objects.select_related("claimant", "claimant__team__manager", "created_by").get(pk=claim_pk)
    event = ClaimEvent.objects.select_related("actor").get(pk=event_pk)
    context = {
        "claim": claim,
        "event": event,
        "totals": claim_totals(claim),
        "url": _absolute(claim.get_absolute_url()),
    }
    sent = 0
    for recipient in claim_recipients(claim, event.to_status):
        if not recipient.email or recipient.pk == event.actor_id:
            continue
        try:
            sent += send_once(f"expense-claim:{event.pk}:{recipient.pk}", _message("claim_step", recipient, context))
        except Exception:  # a bad address must not undo the step or stop the other mails
            logger.exception("expense claim email to %s failed", recipient.pk)
    return sent


def _notify_after_commit(claim_pk: int, event_pk: int) -> None:
    transaction.on_commit(lambda: notify_claim_event(claim_pk, event_pk))


def advance_recipients(advance: Advance, status: str) -> list[User]:
    if status == Advance.Status.REQUESTED:
        approver = approver_of(advance.person)
        return [approver] if approver else []
    if status == Advance.Status.APPROVED:
        return list(User.objects.filter(is_finance=True, is_active=True).order_by("username"))
    if status in (Advance.Status.PAID, Advance.Status.REJECTED):
        return [advance.person]
    return []


def notify_advance_event(advance_pk: int, event_pk: int) -> int:
    advance = Advance.objects.select_related("person", "person__team__manager").get(pk=advance_pk)
    event = AdvanceEvent.objects.select_related("actor").get(pk=event_pk)
    context = {"advance": advance, "event": event, "url": _absolute(advance.get_absolute_url())}
    sent = 0
    for recipient in advance_recipients(advance, event.to_status):
        if not recipient.email or recipient.pk == event.actor_id:
            continue
        try:
            sent += send_once(
                f"expense-advance:{event.pk}:{recipient.pk}", _message("advance_step", recipient, context)
            )
        except Exception:
            logger.exception("advance email to %s failed", recipient.pk)
    return sent


def _notify_advance_after_commit(advance_pk: int, event_pk: int) -> None:
    transaction.on_commit(lambda: notify_advance_event(advance_pk, event_pk))
