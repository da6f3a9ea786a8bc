"""Sample requests: the charge rule, the manager's decision, dispatch with double review, feedback.

Every status change goes through a function here: it locks the row, checks the move and the
actor, and writes a ``SampleEvent`` (who, when, from → to, comment). The functions check again
what the forms already limit (whom the actor may request for, which customer, who may decide,
preparer ≠ checker), so a forged POST is refused and changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Count, F, FloatField, Q, QuerySet, Sum
from django.db.models.functions import Cast
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import User
from core.months import month_range
from core.notify import send_once
from core.sequences import next_number
from customers.models import Company
from orders.models import Order, Product
from orders.services.orders import customers_for, salespersons_for
from samples.models import SampleEvent, SampleItem, SampleLine, SampleLoan, SamplePolicy, SampleRequest

Status = SampleRequest.Status
Charge = SampleRequest.Charge
CourierFee = SamplePolicy.CourierFee
Kind = SampleEvent.Kind
ZERO = Decimal("0.00")
WORK_ROLES = (User.Role.ASSISTANT, User.Role.SALESPERSON, User.Role.MANAGER)
EDITABLE = (Status.DECISION, Status.APPROVED)
FEEDBACK_STATUSES = (Status.DISPATCHED, Status.FEEDBACK)

__all__ = ["customers_for", "salespersons_for"]


# Who may do what -----------------------------------------------------------------------


def can_work(user) -> bool:
    """Operational work on samples (request, dispatch, feedback): the three sales roles."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.role in WORK_ROLES))


def can_request(user) -> bool:
    return can_work(user) and salespersons_for(user).exists()


def decider_for(sample: SampleRequest) -> User | None:
    """The salesperson's team manager decides special cases; without one, the general manager."""
    team = sample.salesperson.team
    if team is not None and team.manager_id and team.manager.is_active:
        return team.manager
    return User.objects.filter(is_gm=True, is_active=True).first()


def can_decide(user, sample: SampleRequest) -> bool:
    if sample.status != Status.DECISION or not (user.is_authenticated and user.is_active):
        return False
    if user.is_superuser or user.is_gm:
        return True
    return (
        user.role == User.Role.MANAGER
        and sample.salesperson.team_id is not None
        and (sample.salesperson.team.manager_id == user.pk)
    )


def can_edit(user, sample: SampleRequest) -> bool:
    return can_work(user) and sample.status in EDITABLE


def can_prepare(user, sample: SampleRequest) -> bool:
    return can_work(user) and sample.status == Status.APPROVED


def can_check(user, sample: SampleRequest) -> bool:
    return can_work(user) and sample.status == Status.PREPARED and sample.prepared_by_id != user.pk


def can_withdraw(user, sample: SampleRequest) -> bool:
    return sample.status == Status.PREPARED and sample.prepared_by_id == user.pk


def can_feedback(user, sample: SampleRequest) -> bool:
    return can_work(user) and sample.status in FEEDBACK_STATUSES


def can_convert(user, sample: SampleRequest) -> bool:
    return can_feedback(user, sample) and sample.order_id is None


# The company rule ----------------------------------------------------------------------


@dataclass
class Terms:
    """What the company rule gives for a request, and why."""

    charge: str
    amount: Decimal
    currency: str
    courier_fee: str
    new_customer: bool
    note: str
    assessable: bool = True
    reasons: list[str] = field(default_factory=list)


def is_new_customer(customer: Company) -> bool:
    """A new customer has no order yet (a cancelled order does not make a customer)."""
    return not Order.objects.filter(customer=customer).exclude(status=Order.Status.CANCELLED).exists()


def list_value(lines: Iterable[dict]) -> dict[str, Decimal]:
    """List value of the lines per currency (the catalogue may price in CNY and USD)."""
    totals: dict[str, Decimal] = defaultdict(Decimal)
    for line in lines:
        product: Product = line["product"]
        totals[product.currency] += (product.list_price * line["quantity"]).quantize(Decimal("0.01"))
    return dict(totals)


def rule_terms(customer: Company, lines: list[dict], policy: SamplePolicy | None = None) -> Terms:
    """The terms the company rule gives (SamplePolicy): see its docstring for the rule."""
    policy = policy or SamplePolicy.current()
    new = is_new_customer(customer)
    values = list_value(lines)
    pieces = sum((line["quantity"] for line in lines), Decimal(0))
    if not new:
        return Terms(
            Charge.FREE, ZERO, policy.currency, policy.existing_courier_fee, False,
            _("Customer with orders: samples free, courier %(fee)s.")
            % {"fee": CourierFee(policy.existing_courier_fee).label},
        )  # fmt: skip
    other = sorted(c for c in values if c != policy.currency)
    if other:
        # List prices in another currency cannot be held against the limit without a rate.
        return Terms(
            Charge.CHARGED, ZERO, policy.currency, policy.new_courier_fee, True,
            _("New customer; list prices in %(currencies)s cannot be held against the free limit: "
              "the manager decides.") % {"currencies": ", ".join(other)},
            assessable=False,
        )  # fmt: skip
    value = values.get(policy.currency, ZERO)
    fee = CourierFee(policy.new_courier_fee).label
    if pieces <= policy.new_free_max_pieces and value <= policy.new_free_max_value:
        note = _("New customer within the free limit (%(max)s pieces, %(value)s %(currency)s): free, courier %(fee)s.")
        charge, amount = Charge.FREE, ZERO
    else:
        note = _(
            "New customer above the free limit (%(max)s pieces, %(value)s %(currency)s): "
            "charged at list value, courier %(fee)s."
        )
        charge, amount = Charge.CHARGED, value
    note %= {
        "max": policy.new_free_max_pieces,
        "value": policy.new_free_max_value,
        "currency": policy.currency,
        "fee": fee,
    }
    return Terms(charge, amount, policy.currency, policy.new_courier_fee, True, note)


def exceptions_to_rule(rule: Terms, charge: str, amount: Decimal, currency: str, courier_fee: str) -> list[str]:
    """Where the proposed terms are better for the customer than the rule: each needs a manager."""
    reasons = []
    if not rule.assessable:
        reasons.append(rule.note)
    if rule.charge == Charge.CHARGED and rule.assessable:
        if charge == Charge.FREE:
            reasons.append(_("Free of charge, but the rule charges %(amount)s %(currency)s.")
                           % {"amount": rule.amount, "currency": rule.currency})  # fmt: skip
        elif currency != rule.currency or amount < rule.amount:
            reasons.append(_("Charged %(amount)s %(currency)s, less than the rule's %(rule)s %(rule_currency)s.")
                           % {"amount": amount, "currency": currency, "rule": rule.amount,
                              "rule_currency": rule.currency})  # fmt: skip
    if rule.courier_fee == CourierFee.COLLECT and courier_fee == CourierFee.PREPAID:
        reasons.append(_("Courier prepaid, but the rule says collect (到付)."))
    return reasons


# Helpers ---------------------------------------------------------------------------------


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal("NaN")
    except InvalidOperation:
        return Decimal("NaN")


def clean_lines(lines: Iterable[dict]) -> list[dict]:
    cleaned, errors = [], []
    for index, line in enumerate(lines, start=1):
        product = line.get("product")
        quantity = _decimal(line.get("quantity"))
        if not isinstance(product, Product):
            errors.append(_("Line %(n)s: choose a product.") % {"n": index})
            continue
        if quantity.is_nan() or quantity <= 0:
            errors.append(_("Line %(n)s: the quantity must be more than 0.") % {"n": index})
            continue
        cleaned.append(
            {
                "product": product,
                "quantity": quantity.quantize(Decimal("0.001")),
                "note": (line.get("note") or "")[:200],
            }
        )
    if errors:
        raise ValidationError({"lines": errors}, code="lines")
    if not cleaned:
        raise ValidationError({"lines": _("A sample request needs at least one line.")}, code="lines")
    return cleaned


def _locked(sample: SampleRequest, actor: User) -> SampleRequest:
    try:
        return (
            SampleRequest.objects.visible_to(actor)
            .select_for_update(of=("self",))
            .select_related("salesperson", "salesperson__team", "customer")
            .get(pk=sample.pk)
        )
    except SampleRequest.DoesNotExist:
        raise ValidationError(_("This sample request is not one of yours."), code="scope") from None


def _event(sample: SampleRequest, kind: str, from_status: str, actor: User, comment: str = "") -> SampleEvent:
    return SampleEvent.objects.create(
        sample=sample, kind=kind, from_status=from_status, to_status=sample.status, actor=actor,
        comment=(comment or "").strip()[:500],
    )  # fmt: skip


def _refuse(message: str, code: str = "status") -> None:
    raise ValidationError(message, code=code)


def _money(amount: Any, field_name: str = "amount") -> Decimal:
    value = _decimal(amount if amount not in (None, "") else 0)
    if value.is_nan() or value < 0:
        raise ValidationError({field_name: _("Enter an amount of zero or more.")}, code="amount")
    return value.quantize(Decimal("0.01"))


# Requests and decisions ------------------------------------------------------------------


@transaction.atomic
def sample_request(
    *,
    actor: User,
    salesperson: User,
    customer: Company,
    lines: list[dict],
    purpose: str,
    needed_by: date | None = None,
    ship_to: str = "",
    charge: str | None = None,
    amount: Any = None,
    currency: str | None = None,
    courier_fee: str | None = None,
    exception_reason: str = "",
) -> SampleRequest:
    """Request a sample for ``salesperson``'s ``customer``: numbered SP-YYYY-NNNNN.

    ``charge`` None applies the company rule as it is. Proposed terms better for the customer
    than the rule (or a stated ``exception_reason``) send the request to the team manager.
    """
    if not can_work(actor) or salesperson is None or not salespersons_for(actor).filter(pk=salesperson.pk).exists():
        raise ValidationError(
            {"salesperson": _("You cannot request samples for %(person)s.") % {"person": salesperson}},
            code="salesperson",
        )
    if customer is None or not customers_for(actor, salesperson).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer": _("Choose one of %(person)s's customers that you work on.") % {"person": salesperson}},
            code="customer",
        )
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say what the sample is for.")}, code="required")
    if needed_by and needed_by < timezone.localdate():
        raise ValidationError({"needed_by": _("The date needed cannot be in the past.")}, code="past")
    cleaned = clean_lines(lines)
    rule = rule_terms(customer, cleaned)
    if charge in (None, ""):
        charge, amount_value, currency = rule.charge, rule.amount, rule.currency
    else:
        if charge not in Charge.values:
            raise ValidationError({"charge": _("Choose free or charged.")}, code="charge")
        amount_value = _money(amount) if charge == Charge.CHARGED else ZERO
        if charge == Charge.CHARGED and amount_value <= 0:
            raise ValidationError({"amount": _("Enter the amount to charge.")}, code="amount")
        currency = currency or rule.currency
    courier_fee = courier_fee or rule.courier_fee
    if courier_fee not in CourierFee.values:
        raise ValidationError({"courier_fee": _("Choose prepaid or collect.")}, code="courier_fee")
    reasons = exceptions_to_rule(rule, charge, amount_value, currency, courier_fee)
    exception_reason = (exception_reason or "").strip()
    needs_manager = bool(reasons or exception_reason)
    sample = SampleRequest.objects.create(
        number=next_number("SP"),
        salesperson=salesperson,
        customer=customer,
        maker=actor,
        status=Status.DECISION if needs_manager else Status.APPROVED,
        purpose=purpose[:300],
        needed_by=needed_by,
        ship_to=(ship_to or "").strip()[:300],
        charge=charge,
        amount=amount_value,
        currency=currency,
        courier_fee=courier_fee,
        new_customer=rule.new_customer,
        rule_note=rule.note[:500],
        exception_reason=exception_reason[:500],
    )
    SampleLine.objects.bulk_create(
        [
            SampleLine(sample=sample, product=line["product"], quantity=line["quantity"], note=line["note"])
            for line in cleaned
        ]
    )
    _event(sample, Kind.REQUESTED, "", actor, rule.note)
    if needs_manager:
        sample.status = Status.DECISION
        _event(sample, Kind.SENT_TO_MANAGER, Status.DECISION, actor, " ".join([*reasons, exception_reason]).strip())
        pk = sample.pk
        transaction.on_commit(lambda: notify_decision_needed(pk))
    return sample


DECISIONS = ("approve", "change", "refuse")


@transaction.atomic
def sample_decide(
    *,
    sample: SampleRequest,
    actor: User,
    decision: str,
    comment: str = "",
    charge: str | None = None,
    amount: Any = None,
    currency: str | None = None,
    courier_fee: str | None = None,
) -> SampleRequest:
    """The team manager approves as requested, changes the terms and approves, or refuses."""
    sample = _locked(sample, actor)
    if sample.status != Status.DECISION:
        _refuse(_("Sample request %(number)s is not waiting for a decision.") % {"number": sample.number})
    if not can_decide(actor, sample):
        _refuse(
            _("Only the salesperson's manager can decide on sample request %(number)s.") % {"number": sample.number},
            code="decider",
        )
    if decision not in DECISIONS:
        raise ValidationError({"decision": _("Choose approve, change or refuse.")}, code="decision")
    comment = (comment or "").strip()
    if decision == "refuse" and not comment:
        raise ValidationError({"comment": _("Say why the sample is refused.")}, code="required")
    before = sample.status
    if decision == "change":
        if charge not in Charge.values:
            raise ValidationError({"charge": _("Choose free or charged.")}, code="charge")
        if courier_fee not in CourierFee.values:
            raise ValidationError({"courier_fee": _("Choose prepaid or collect.")}, code="courier_fee")
        new_amount = _money(amount) if charge == Charge.CHARGED else ZERO
        if charge == Charge.CHARGED and new_amount <= 0:
            raise ValidationError({"amount": _("Enter the amount to charge.")}, code="amount")
        changes = _("Terms: %(charge)s%(amount)s, courier %(fee)s.") % {
            "charge": Charge(charge).label,
            "amount": f" {new_amount} {currency or sample.currency}" if charge == Charge.CHARGED else "",
            "fee": CourierFee(courier_fee).label,
        }
        comment = f"{changes} {comment}".strip()
        sample.charge, sample.amount, sample.courier_fee = charge, new_amount, courier_fee
        sample.currency = currency or sample.currency
    sample.status = Status.REFUSED if decision == "refuse" else Status.APPROVED
    sample.decided_by = actor
    sample.decided_at = timezone.now()
    sample.save()
    kind = {"approve": Kind.APPROVED, "change": Kind.CHANGED, "refuse": Kind.REFUSED}[decision]
    event = _event(sample, kind, before, actor, comment)
    pk, event_pk = sample.pk, event.pk
    transaction.on_commit(lambda: notify_decided(pk, event_pk))
    return sample


@transaction.atomic
def sample_update(
    *, sample: SampleRequest, actor: User, purpose: str, needed_by: date | None, ship_to: str = ""
) -> SampleRequest:
    """Purpose, date needed and address, until the sample is prepared for dispatch."""
    sample = _locked(sample, actor)
    if not can_edit(actor, sample):
        _refuse(_("Sample request %(number)s can no longer be edited.") % {"number": sample.number})
    purpose = (purpose or "").strip()
    if not purpose:
        raise ValidationError({"purpose": _("Say what the sample is for.")}, code="required")
    sample.purpose, sample.needed_by, sample.ship_to = purpose[:300], needed_by, (ship_to or "").strip()[:300]
    sample.save(update_fields=["purpose", "needed_by", "ship_to", "updated_at"])
    _event(sample, Kind.EDITED, sample.status, actor)
    return sample


@transaction.atomic
def sample_cancel(*, sample: SampleRequest, actor: User, comment: str = "") -> SampleRequest:
    sample = _locked(sample, actor)
    if not can_edit(actor, sample):
        _refuse(_("Sample request %(number)s can no longer be cancelled.") % {"number": sample.number})
    before = sample.status
    sample.status = Status.CANCELLED
    sample.save(update_fields=["status", "updated_at"])
    _event(sample, Kind.CANCELLED, before, actor, comment)
    return sample


# Dispatch with double review -------------------------------------------------------------


@transaction.atomic
def dispatch_prepare(
    *,
    sample: SampleRequest,
    actor: User,
    courier: str,
    tracking_number: str,
    sent_on: date,
    cost: Any,
    cost_currency: str = "CNY",
    expected_arrival: date | None = None,
    comment: str = "",
) -> SampleRequest:
    """One person packs the sample and enters the courier slip; a colleague checks it."""
    sample = _locked(sample, actor)
    if not can_prepare(actor, sample):
        _refuse(_("Sample request %(number)s is not ready to dispatch.") % {"number": sample.number})
    errors: dict[str, str] = {}
    if not (courier or "").strip():
        errors["courier"] = _("Say which courier takes the sample.")
    if not (tracking_number or "").strip():
        errors["tracking_number"] = _("Enter the tracking number of the courier slip.")
    if sent_on is None:
        errors["sent_on"] = _("Enter the date sent.")
    elif sent_on > timezone.localdate():
        errors["sent_on"] = _("The date sent cannot be in the future.")
    if expected_arrival and sent_on and expected_arrival < sent_on:
        errors["expected_arrival"] = _("The expected arrival cannot be before the date sent.")
    if errors:
        raise ValidationError(errors, code="dispatch")
    before = sample.status
    sample.courier = courier.strip()[:100]
    sample.tracking_number = tracking_number.strip()[:100]
    sample.sent_on = sent_on
    sample.expected_arrival = expected_arrival
    sample.cost = _money(cost, "cost")
    sample.cost_currency = cost_currency or "CNY"
    sample.prepared_by = actor
    sample.prepared_at = timezone.now()
    sample.status = Status.PREPARED
    sample.save()
    _event(sample, Kind.PREPARED, before, actor, comment)
    return sample


@transaction.atomic
def dispatch_withdraw(*, sample: SampleRequest, actor: User, comment: str = "") -> SampleRequest:
    sample = _locked(sample, actor)
    if sample.status != Status.PREPARED:
        _refuse(_("Sample request %(number)s has no dispatch awaiting check.") % {"number": sample.number})
    if sample.prepared_by_id != actor.pk:
        _refuse(_("Only %(preparer)s, who prepared the dispatch, can withdraw it.") % {"preparer": sample.prepared_by},
                code="not_preparer")  # fmt: skip
    sample.status = Status.APPROVED
    sample.prepared_by = None
    sample.prepared_at = None
    sample.save()
    _event(sample, Kind.WITHDRAWN, Status.PREPARED, actor, comment)
    return sample


@transaction.atomic
def dispatch_check(*, sample: SampleRequest, actor: User, comment: str = "") -> SampleRequest:
    """The second person confirms what goes out; the salesperson is told courier and tracking number."""
    sample = _locked(sample, actor)
    if sample.status != Status.PREPARED:
        _refuse(_("Sample request %(number)s has no dispatch awaiting check.") % {"number": sample.number})
    if sample.prepared_by_id == actor.pk:
        _refuse(_("You prepared this dispatch yourself: a colleague must check it (double review)."),
                code="same_person")  # fmt: skip
    if not can_work(actor):
        _refuse(_("You cannot check dispatches."), code="role")
    policy = SamplePolicy.current()
    sample.checked_by = actor
    sample.checked_at = timezone.now()
    sample.status = Status.DISPATCHED
    sample.follow_up_on = follow_up_date(sample.sent_on, policy)
    sample.save()
    _event(sample, Kind.CHECKED, Status.PREPARED, actor, comment)
    pk = sample.pk
    transaction.on_commit(lambda: notify_dispatched(pk))
    return sample


def follow_up_date(sent_on: date, policy: SamplePolicy | None = None) -> date:
    """N calendar days after the sample was sent (SamplePolicy.feedback_after_days, default 7)."""
    policy = policy or SamplePolicy.current()
    return sent_on + timedelta(days=policy.feedback_after_days)


# Feedback and conversion -------------------------------------------------------------------


def orders_to_link(user: User, sample: SampleRequest) -> QuerySet[Order]:
    """Orders the sample may have led to: this customer's, visible to the user, since it was sent."""
    qs = Order.objects.visible_to(user).filter(customer_id=sample.customer_id).exclude(status=Order.Status.CANCELLED)
    if sample.sent_on:
        qs = qs.filter(received_on__gte=sample.sent_on)
    return qs.order_by("-received_on", "-pk")


@transaction.atomic
def feedback_record(
    *,
    sample: SampleRequest,
    actor: User,
    opinion: str,
    likelihood: str,
    feedback_on: date | None = None,
    order: Order | None = None,
) -> SampleRequest:
    sample = _locked(sample, actor)
    if not can_feedback(actor, sample):
        _refuse(_("Feedback can be recorded only for a sample that was sent."))
    opinion = (opinion or "").strip()
    if not opinion:
        raise ValidationError({"opinion": _("Write down what the customer thinks of the sample.")}, code="required")
    if likelihood not in SampleRequest.Likelihood.values:
        raise ValidationError({"likelihood": _("Choose how likely an order is.")}, code="likelihood")
    feedback_on = feedback_on or timezone.localdate()
    if feedback_on > timezone.localdate() or (sample.sent_on and feedback_on < sample.sent_on):
        raise ValidationError({"feedback_on": _("The feedback date must be between the date sent and today.")})
    before = sample.status
    sample.opinion, sample.likelihood, sample.feedback_on = opinion[:2000], likelihood, feedback_on
    if order is not None:
        _check_order(actor, sample, order)
        sample.order = order
    sample.status = Status.CONVERTED if sample.order_id else Status.FEEDBACK
    sample.save()
    _event(sample, Kind.FEEDBACK, before, actor, f"{SampleRequest.Likelihood(likelihood).label}: {opinion}")
    if order is not None:
        _event(sample, Kind.LINKED, sample.status, actor, order.number)
    return sample


def _check_order(actor: User, sample: SampleRequest, order: Order) -> None:
    if not orders_to_link(actor, sample).filter(pk=order.pk).exists():
        raise ValidationError({"order": _("Choose an order of this customer received since the sample was sent.")})


@transaction.atomic
def sample_link_order(*, sample: SampleRequest, actor: User, order: Order) -> SampleRequest:
    sample = _locked(sample, actor)
    if not can_convert(actor, sample):
        _refuse(_("Sample request %(number)s cannot be linked to an order now.") % {"number": sample.number})
    _check_order(actor, sample, order)
    before = sample.status
    sample.order = order
    sample.status = Status.CONVERTED
    sample.save(update_fields=["order", "status", "updated_at"])
    _event(sample, Kind.LINKED, before, actor, order.number)
    return sample


@transaction.atomic
def sample_convert(
    *,
    sample: SampleRequest,
    actor: User,
    customer_po: str,
    currency: str,
    lines: list[dict],
    received_on: date | None = None,
    notes: str = "",
) -> Order:
    """Turn the sample into a sales order (orders.services.orders.order_create) and link it."""
    from orders.services.orders import order_create

    sample = _locked(sample, actor)
    if not can_convert(actor, sample):
        _refuse(_("Sample request %(number)s cannot be converted now.") % {"number": sample.number})
    order = order_create(
        actor=actor,
        salesperson=sample.salesperson,
        customer=sample.customer,
        customer_po=customer_po,
        currency=currency,
        lines=lines,
        received_on=received_on,
        notes=(notes or _("From sample %(number)s.") % {"number": sample.number}),
    )
    before = sample.status
    sample.order = order
    sample.status = Status.CONVERTED
    sample.save(update_fields=["order", "status", "updated_at"])
    _event(sample, Kind.CONVERTED, before, actor, order.number)
    return order


# Loans of sample items ---------------------------------------------------------------------


@transaction.atomic
def loan_create(
    *,
    actor: User,
    item: SampleItem,
    salesperson: User,
    due_back: date,
    customer: Company | None = None,
    borrower: str = "",
    lent_on: date | None = None,
    note: str = "",
) -> SampleLoan:
    if not can_work(actor) or not salespersons_for(actor).filter(pk=salesperson.pk).exists():
        raise ValidationError({"salesperson": _("You cannot lend samples for %(person)s.") % {"person": salesperson}})
    if customer is not None and not customers_for(actor, salesperson).filter(pk=customer.pk).exists():
        raise ValidationError(
            {"customer": _("Choose one of %(person)s's customers that you work on.") % {"person": salesperson}}
        )
    borrower = (borrower or "").strip()
    if customer is None and not borrower:
        raise ValidationError({"borrower": _("Say who takes the sample: a customer or a person.")})
    item = SampleItem.objects.select_for_update().get(pk=item.pk)
    if not item.active:
        raise ValidationError({"item": _("This item is no longer in the register.")})
    if SampleLoan.objects.filter(item=item, returned_on__isnull=True).exists():
        raise ValidationError({"item": _("%(item)s is on loan already.") % {"item": item}})
    lent_on = lent_on or timezone.localdate()
    if due_back < lent_on:
        raise ValidationError({"due_back": _("The return date cannot be before the day it is lent.")})
    loan = SampleLoan(
        item=item, salesperson=salesperson, customer=customer, borrower=borrower[:100], lent_on=lent_on,
        due_back=due_back, lent_by=actor, note=(note or "").strip()[:300],
    )  # fmt: skip
    loan._history_user = actor
    loan.save()
    return loan


@transaction.atomic
def loan_return(*, loan: SampleLoan, actor: User, returned_on: date | None = None, condition: str = "") -> SampleLoan:
    try:
        loan = SampleLoan.objects.visible_to(actor).select_for_update(of=("self",)).get(pk=loan.pk)
    except SampleLoan.DoesNotExist:
        raise ValidationError(_("This loan is not one of yours."), code="scope") from None
    if not can_work(actor):
        _refuse(_("You cannot record returns."), code="role")
    if loan.returned_on is not None:
        _refuse(_("This sample was returned already."))
    returned_on = returned_on or timezone.localdate()
    if returned_on < loan.lent_on or returned_on > timezone.localdate():
        raise ValidationError({"returned_on": _("The return date must be between the day lent and today.")})
    loan.returned_on, loan.returned_to, loan.condition = returned_on, actor, (condition or "").strip()[:200]
    loan._history_user = actor
    loan.save()
    return loan


# Reports -----------------------------------------------------------------------------------


def conversion_rates(samples: QuerySet[SampleRequest], by: str) -> QuerySet:
    """Samples sent and converted to orders per customer, product or salesperson, rate in %.

    Counted in the database: one grouped query. Per product a sample counts once for each
    product on it.
    """
    converted = Q(status=Status.CONVERTED)
    sent = samples.sent()
    if by == "product":
        lines = SampleLine.objects.filter(sample__in=sent.values("pk"))
        rows = lines.values("product_id", "product__sku", "product__name").annotate(
            sent=Count("sample_id", distinct=True),
            converted=Count("sample_id", filter=Q(sample__status=Status.CONVERTED), distinct=True),
        )
    elif by == "customer":
        rows = sent.values("customer_id", "customer__code", "customer__name").annotate(
            sent=Count("pk"), converted=Count("pk", filter=converted)
        )
    else:
        rows = sent.values("salesperson_id", "salesperson__username", "salesperson__display_name").annotate(
            sent=Count("pk"), converted=Count("pk", filter=converted)
        )
    return rows.annotate(rate=Cast(F("converted"), FloatField()) * 100.0 / Cast(F("sent"), FloatField()))


def conversion_totals(samples: QuerySet[SampleRequest]) -> dict:
    totals = samples.sent().aggregate(sent=Count("pk"), converted=Count("pk", filter=Q(status=Status.CONVERTED)))
    totals["rate"] = (totals["converted"] * 100.0 / totals["sent"]) if totals["sent"] else None
    return totals


def courier_summary(samples: QuerySet[SampleRequest]) -> list[dict]:
    """Courier charges per courier and currency: number of parcels and total cost."""
    return list(
        samples.values("courier", "cost_currency")
        .annotate(parcels=Count("pk"), total=Sum("cost"))
        .order_by("courier", "cost_currency")
    )


def dispatched_in_month(samples: QuerySet[SampleRequest], month: date) -> QuerySet[SampleRequest]:
    first, last = month_range(month)
    # A date range rather than __month (an EXTRACT), so the (sent_on, courier) index serves it.
    return samples.filter(checked_by__isnull=False, sent_on__gte=first, sent_on__lte=last)


# Emails ------------------------------------------------------------------------------------


def _absolute(path: str) -> str:
    return getattr(settings, "SITE_URL", "").rstrip("/") + path


def _message(template: str, recipient: User, context: dict) -> EmailMessage:
    context = {**context, "recipient": recipient}
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        subject = render_to_string(f"samples/email/{template}_subject.txt", context)
        body = render_to_string(f"samples/email/{template}.txt", context)
    return EmailMessage(subject=" ".join(subject.split()), body=body, to=[recipient.email])


def _load(pk: int) -> SampleRequest:
    return (
        SampleRequest.objects.select_related("salesperson", "salesperson__team__manager", "customer", "maker")
        .prefetch_related("lines__product")
        .get(pk=pk)
    )


def notify_decision_needed(pk: int) -> bool:
    sample = _load(pk)
    manager = decider_for(sample)
    if manager is None or not manager.email:
        return False
    context = {"sample": sample, "lines": list(sample.lines.all()), "url": _absolute(sample.get_absolute_url())}
    return send_once(f"sample-decision:{pk}", _message("decision_needed", manager, context))


def notify_decided(pk: int, event_pk: int) -> bool:
    sample = _load(pk)
    event = SampleEvent.objects.select_related("actor").get(pk=event_pk)
    recipient = sample.maker
    if not recipient.email:
        return False
    context = {"sample": sample, "event": event, "url": _absolute(sample.get_absolute_url())}
    return send_once(f"sample-decided:{pk}:{event_pk}", _message("decided", recipient, context))


def notify_dispatched(pk: int) -> bool:
    """Tell the salesperson what was sent, by which courier, the tracking number and when it arrives."""
    sample = _load(pk)
    recipient = sample.salesperson
    if not recipient.email:
        return False
    context = {"sample": sample, "lines": list(sample.lines.all()), "url": _absolute(sample.get_absolute_url())}
    return send_once(f"sample-dispatched:{pk}", _message("dispatched", recipient, context))


def feedback_reminder(sample: SampleRequest, day: date) -> bool:
    """One reminder per sample and day to the salesperson, however often the job runs."""
    recipient = sample.salesperson
    if not recipient.email:
        return False
    context = {
        "sample": sample,
        "day": day,
        "days_since": (day - sample.sent_on).days if sample.sent_on else None,
        "url": _absolute(reverse("samples:feedback", args=[sample.pk])),
    }
    return send_once(f"sample-feedback:{sample.pk}:{day.isoformat()}", _message("feedback_due", recipient, context))
