"""Bad input on the main forms, driven through the real views with hypothesis (issue #11).

For each form a valid POST is built from the page itself (the forms in the response context,
plus a few fields the test fills in), checked to save, and then one field at a time is replaced by
something nasty: amounts with many decimals, negative, zero, 1e20, NaN/Infinity, '1,000.00',
full-width digits; dates in year 1 or 9999, 2026-02-30, garbage; unicode, RTL, emoji, NUL bytes and
10,000-character text; integers past 32 and 64 bits.

The property, for every example: the answer is never a 5xx (nor an exception out of the view);
it is either a redirect that saved exactly the value sent (as the form reads it), or a 200 that
shows a form error, saved nothing new and left the record being edited as it was. A POST-only
action on a detail page (sign, amend, promise, check-in) refuses with a redirect instead: its error
is a message the page shows, and again nothing is saved. Each example runs in a savepoint that is
rolled back, so the examples do not see each other.

Run on both databases: NUL bytes, numeric overflow and 32-bit integers only fail on PostgreSQL
(DATABASE_URL=postgres://postgres@127.0.0.1:5432/badinput_t).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from html import unescape
from typing import Any

import pytest
from django import forms
from django.contrib import messages as message_levels
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.forms.formsets import BaseFormSet
from django.urls import reverse
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.models import Amendment, Contract, ContractAttachment, ContractLine
from core.forms import FIRST_DATE, LAST_DATE
from customers.models import Company, Interaction
from expenses.models import Advance, Claim, ClaimLine
from orders.models import AbnormalOrder, Order, OrderLine, Quotation, Shipment
from receivables.models import Invoice, Payment, PromiseToPay
from reports.models import Opportunity, WeeklyReport
from samples.models import SampleItem, SampleLoan, SampleRequest
from samples.services import loan_create
from tests.contracts.factories import PDF_BYTES, make_contract
from tests.expenses.factories import make_claim
from tests.orders.factories import make_order, make_product
from tests.orders.test_abnormal import abnormal
from tests.receivables.factories import make_invoice
from tests.travel.factories import make_trip
from travel.models import CheckIn, Trip

HYPOTHESIS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --- the nasty values --------------------------------------------------------------------------------

NASTY_NUMBERS = [
    "",
    " ",
    "0",
    "-0",
    "-1",
    "-0.01",
    "0.001",
    "0.0000001",
    "12.345678901234",
    "1e20",
    "1E+20",
    "-1e20",
    "100000000000000000000",
    "99999999999999.99",
    "999999999999.99",
    "9999999999999999",
    "1e-30",
    "1E+999999",
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "1,000.00",
    "1.000,00",
    "１２３",
    "١٢٣",
    "0x10",
    "1_000",
    "12\x00",
    "\x00",
    "1.5e3",
    "--1",
    "1e",
    ".",
    "½",
    "٫5",
]
NASTY_INTEGERS = [
    "",
    "-1",
    "0",
    "1.5",
    "1e3",
    "2147483647",
    "2147483648",
    "-2147483649",
    "9223372036854775807",
    "9223372036854775808",
    "1000000000000",
    "NaN",
    "１２",
    "7\x00",
]
NASTY_DATES = [
    "",
    "0001-01-01",
    "0000-01-01",
    "9999-12-31",
    "10000-01-01",
    "1900-01-01",
    "1999-12-31",
    "2101-01-01",
    "2026-02-30",
    "2026-13-01",
    "2026-00-10",
    "garbage",
    "2026/01/01",
    "01/02/2026",
    "２０２６-０１-０１",
    "2026-01-01\x00",
    "2026-W01",
    "2026-01-01T00:00",
    "-2026-01-01",
    "1e9",
]
NASTY_TEXT = [
    "\x00",
    "a\x00b",
    "x" * 10_000,
    "长" * 10_000,
    "😀" * 500,
    "مرحبا بالعالم",
    "\u202eRTL override",
    "שלום",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "\t\r\n",
    "Z̴̡̛a̷l̸g̵o̶",
    "\ufeff",
    "\u0001\u0002\u001f",
]

no_surrogates = st.characters(exclude_categories=["Cs"])


def numbers():
    return st.one_of(
        st.sampled_from(NASTY_NUMBERS),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.integers(-(10**25), 10**25).map(str),
        st.builds(lambda i, f: f"{i}.{f}", st.integers(-(10**16), 10**16), st.integers(0, 10**15)),
    )


def integers():
    return st.one_of(st.sampled_from(NASTY_INTEGERS), st.integers(-(2**70), 2**70).map(str))


def dates():
    return st.one_of(
        st.sampled_from(NASTY_DATES),
        st.dates().map(date.isoformat),
        st.text(no_surrogates, max_size=12),
    )


def texts():
    return st.one_of(
        st.sampled_from(NASTY_TEXT),
        st.text(no_surrogates, max_size=60),
        st.builds(lambda n, c: c * n, st.integers(1, 10_001), st.sampled_from(["a", "长", "😀", "\x00"])),
    )


# Tried on every field before the random ones: the largest value a form takes, overflow, NUL.
EDGES = {
    "number": ["999999999999.99", "999999999.999", "1E+20", "sNaN"],
    "integer": ["2147483648", "9223372036854775808"],
    "date": ["0001-01-01", "1999-12-31", "2101-01-01", "9999-12-31"],
    "text": ["a\x00b", "长" * 10_000],
}
STRATEGIES = {"number": numbers, "integer": integers, "date": dates, "text": texts}


# --- what the form should read -----------------------------------------------------------------------

INVALID = object()


def expected(kind: str, raw: str):
    """What a saved record must hold for ``raw`` (INVALID: the value must not be saved)."""
    text = raw.strip()
    if "\x00" in raw:
        return INVALID
    if kind == "number":
        try:
            value = Decimal(text) if text else None
        except InvalidOperation:
            return INVALID
        return INVALID if value is not None and not value.is_finite() else value
    if kind == "integer":
        try:
            return int(text) if text else None
        except ValueError:
            return INVALID
    if kind == "date":
        try:  # the input formats Django accepts (2026-01-31, 01/31/2026, ...)
            value = forms.DateField(required=False).to_python(text)
        except ValidationError:
            return INVALID
        # Every date field tried here is a business date: 2000 to 2100 (core.forms.limit_dates).
        return value if value is None or FIRST_DATE <= value <= LAST_DATE else INVALID
    return text


def same(kind: str, stored, wanted) -> bool:
    if wanted in (None, ""):
        return True  # empty: the field's default
    if isinstance(stored, str) and isinstance(wanted, str) and stored.casefold() == wanted.casefold():
        return True  # codes are upper-cased
    if kind == "number" and wanted is not None and stored is not None:
        return Decimal(stored) == wanted
    if kind == "date" and isinstance(stored, date) and isinstance(wanted, date):
        return stored == wanted
    return stored == wanted


# --- a valid POST from the page ----------------------------------------------------------------------


def _post_of(form, data: dict) -> None:
    for bound in form:
        value = bound.value()
        if value is None or "__prefix__" in bound.html_name:
            continue
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
            continue
        if isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(getattr(v, "pk", v)) for v in value]
            continue
        value = getattr(value, "pk", value)
        if isinstance(value, Decimal):
            value = format(value, "f")
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        data[bound.html_name] = str(value)


def page_data(response) -> dict:
    """A POST body holding what the page's forms show (initial or instance values)."""
    seen: dict[int, Any] = {}
    for context in response.context:
        for layer in getattr(context, "dicts", [context]):
            for value in layer.values():
                if isinstance(value, (forms.BaseForm, BaseFormSet)) and "Filter" not in type(value).__name__:
                    seen.setdefault(id(value), value)
    data: dict = {}
    for form in seen.values():
        if isinstance(form, BaseFormSet):
            _post_of(form.management_form, data)
            for sub in form.forms:
                _post_of(sub, data)
        else:
            _post_of(form, data)
    return data


def form_errors(response) -> list[str]:
    """The error messages of the forms the page was rendered with."""
    messages: list[str] = []
    seen: set[int] = set()
    for context in response.context or []:
        for layer in getattr(context, "dicts", [context]):
            for value in layer.values():
                if id(value) in seen:
                    continue
                seen.add(id(value))
                if isinstance(value, BaseFormSet) and value.is_bound:
                    messages += list(value.non_form_errors())
                    for errors in value.errors:
                        messages += [m for field_errors in errors.values() for m in field_errors]
                elif isinstance(value, forms.BaseForm) and value.is_bound:
                    messages += [m for field_errors in value.errors.values() for m in field_errors]
    return messages


def fields_of(response) -> set[str]:
    names: set[str] = set()
    for context in response.context:
        for layer in getattr(context, "dicts", [context]):
            for value in layer.values():
                if isinstance(value, BaseFormSet):
                    names |= {bound.html_name for sub in value.forms for bound in sub}
                elif isinstance(value, forms.BaseForm):
                    names |= {bound.html_name for bound in value}
    return names


def shows_an_error(response) -> bool:
    """A form error, and its message is on the page."""
    html = unescape(response.content.decode())
    return any(message in html for message in form_errors(response))


# --- the forms ---------------------------------------------------------------------------------------


@dataclass
class Target:
    """One form: who posts it where, what to add to the page's own values, which fields to spoil."""

    who: str
    setup: Callable[[Any], dict]  # cast -> objects the form needs
    url: Callable[[dict], str]
    fields: dict[str, str]  # POST name -> kind
    count: Callable[[], int]  # rows a save would add
    fill: Callable[[dict], dict] = lambda ctx: {}
    get_url: Callable[[dict], str] | None = None  # the page showing the form, when not ``url``
    record: Callable[[dict], Any] | None = None  # the saved record (to read the value back)
    snapshot: Callable[[dict], Any] | None = None  # the edited record as it was
    attrs: dict[str, Callable[[Any], Any]] = field(default_factory=dict)  # POST name -> stored value
    # A POST-only action on a detail page: it refuses with a redirect and the error as a message.
    refuses_by_message: bool = False


def _latest(model):
    return lambda ctx: model.objects.order_by("-pk").first()


def _line(record, name):
    return getattr(record.lines.order_by("pk").first(), name)


def order_ctx(cast):
    product = make_product(list_price=Decimal("12.00"))
    return {"cast": cast, "product": product}


def confirmed_order_ctx(cast, status=Order.Status.CONFIRMED):
    order = make_order(cast.sales1, cast.customer_of_assistant1, status=status)
    return {"cast": cast, "order": order, "line": order.lines.get()}


def order_snapshot(ctx):
    order = Order.objects.get(pk=ctx["order"].pk)
    return (
        order.customer_po,
        order.received_on,
        order.requested_delivery,
        order.confirmed_delivery,
        order.notes,
        order.total,
        list(order.lines.values_list("quantity", "unit_price", "description")),
    )


def contract_snapshot(ctx):
    contract = Contract.objects.get(pk=ctx["contract"].pk)
    return (
        contract.title,
        contract.valid_from,
        contract.valid_until,
        contract.amount,
        contract.notes,
        list(contract.lines.values_list("description", "quantity", "unit_price", "amount")),
    )


def trip_snapshot(ctx):
    trip = Trip.objects.get(pk=ctx["trip"].pk)
    return (
        trip.destination,
        trip.purpose,
        trip.hotel_nights,
        trip.est_transport,
        trip.est_hotel,
        list(trip.legs.values_list("day", "origin", "destination", "note")),
    )


def company_snapshot(ctx):
    return Company.objects.filter(pk=ctx["company"].pk).values().get()


def row_snapshot(model, key):
    return lambda ctx: model.objects.filter(pk=ctx[key].pk).values().get()


def signing_ctx(cast, status=Contract.Status.APPROVED):
    contract = make_contract(cast.sales1, cast.customer_of_assistant1, status=status)
    return {"cast": cast, "contract": contract}


def loan_ctx(cast, lent=False):
    item = SampleItem.objects.create(code="SI-BAD-1", name="样机 Demo unit")
    ctx = {"cast": cast, "item": item}
    if lent:
        ctx["loan"] = loan_create(
            actor=cast.sales1, item=item, salesperson=cast.sales1, customer=cast.customer_of_assistant1,
            lent_on=timezone.localdate() - timedelta(days=5), due_back=timezone.localdate() + timedelta(days=5),
        )  # fmt: skip
    return ctx


def abnormal_ctx(cast):
    ctx = confirmed_order_ctx(cast, Order.Status.IN_PRODUCTION)
    return {**ctx, "abnormal": abnormal(ctx["order"], cost="120.00")}


def on_the_road_ctx(cast):
    trip = make_trip(
        cast.sales1, cast.customer_of_assistant1, start=timezone.localdate(), status=Trip.Status.APPROVED,
        reviewer=cast.assistant1, approver=cast.manager1,
    )  # fmt: skip
    return {"cast": cast, "trip": trip}


NEXT_MONTH = (timezone.localdate() + timedelta(days=30)).isoformat()

TARGETS = {
    "order-create": Target(
        who="sales1",
        setup=order_ctx,
        url=lambda c: reverse("orders:create") + f"?salesperson={c['cast'].sales1.pk}",
        fill=lambda c: {
            "salesperson": str(c["cast"].sales1.pk),
            "customer": str(c["cast"].customer_of_assistant1.pk),
            "customer_po": "PO-BAD-1",
            "lines-0-product": str(c["product"].pk),
            "lines-0-quantity": "3",
            "lines-0-unit_price": "12.00",
            "lines-0-description": "blue",
        },
        fields={
            "lines-0-quantity": "number",
            "lines-0-unit_price": "number",
            "lines-0-description": "text",
            "customer_po": "text",
            "received_on": "date",
            "requested_delivery": "date",
            "confirmed_delivery": "date",
            "payment_terms": "text",
            "notes": "text",
            "quotation_number": "text",
            "lines-TOTAL_FORMS": "integer",
        },
        count=lambda: Order.objects.count() + OrderLine.objects.count(),
        record=_latest(Order),
        attrs={
            "lines-0-quantity": lambda o: _line(o, "quantity"),
            "lines-0-unit_price": lambda o: _line(o, "unit_price"),
            "lines-0-description": lambda o: _line(o, "description"),
        },
    ),
    "order-edit": Target(
        who="sales1",
        setup=confirmed_order_ctx,
        url=lambda c: reverse("orders:edit", args=[c["order"].pk]),
        fill=lambda c: {"confirmed_delivery": NEXT_MONTH},
        fields={
            "customer_po": "text",
            "received_on": "date",
            "requested_delivery": "date",
            "confirmed_delivery": "date",
            "payment_terms": "text",
            "notes": "text",
        },
        count=lambda: Order.objects.count(),
        record=lambda c: Order.objects.get(pk=c["order"].pk),
        snapshot=order_snapshot,
    ),
    "quotation-create": Target(
        who="sales1",
        setup=order_ctx,
        url=lambda c: reverse("orders:quotation-create"),
        fill=lambda c: {
            "customer": str(c["cast"].customer_of_assistant1.pk),
            "lines-0-product": str(c["product"].pk),
            "lines-0-quantity": "5",
            "lines-0-unit_price": "11.50",
            "lines-0-discount_percent": "0",
        },
        fields={
            "lines-0-quantity": "number",
            "lines-0-unit_price": "number",
            "lines-0-discount_percent": "number",
            "valid_until": "date",
            "lines-0-description": "text",
            "payment_terms": "text",
            "notes": "text",
            "incoterm": "text",
        },
        count=lambda: Quotation.objects.count(),
        record=_latest(Quotation),
        attrs={
            "lines-0-quantity": lambda q: _line(q, "quantity"),
            "lines-0-unit_price": lambda q: _line(q, "unit_price"),
            "lines-0-discount_percent": lambda q: _line(q, "discount_percent"),
        },
    ),
    "shipment-create": Target(
        who="assistant1",
        setup=lambda cast: confirmed_order_ctx(cast, Order.Status.IN_PRODUCTION),
        url=lambda c: reverse("orders:shipment-create", args=[c["order"].pk]),
        fill=lambda c: {"carrier": "SF Express", "tracking_number": "SF1", f"qty_{c['line'].pk}": "2"},
        fields={
            "qty_LINE": "number",
            "shipped_on": "date",
            "carrier": "text",
            "tracking_number": "text",
            "note": "text",
            "customs_declaration": "text",
        },
        count=lambda: Shipment.objects.count(),
        snapshot=order_snapshot,
    ),
    "abnormal-report": Target(
        who="sales1",
        setup=lambda cast: confirmed_order_ctx(cast, Order.Status.IN_PRODUCTION),
        url=lambda c: reverse("orders:abnormal-create", args=[c["order"].pk]),
        fill=lambda c: {"kind": "quality", "cause": "色差 / colour off", "cost": "350.00"},
        fields={
            "cost": "number",
            "reported_on": "date",
            "resolved_on": "date",
            "cause": "text",
            "action": "text",
            "currency": "text",
        },
        count=lambda: AbnormalOrder.objects.count(),
        record=_latest(AbnormalOrder),
    ),
    "abnormal-edit": Target(
        who="sales1",
        setup=abnormal_ctx,
        url=lambda c: reverse("orders:abnormal-edit", args=[c["abnormal"].pk]),
        fields={"cost": "number", "reported_on": "date", "resolved_on": "date", "cause": "text", "action": "text"},
        count=lambda: AbnormalOrder.objects.count(),
        record=lambda c: AbnormalOrder.objects.get(pk=c["abnormal"].pk),
        snapshot=row_snapshot(AbnormalOrder, "abnormal"),
    ),
    "invoice-create": Target(
        who="assistant1",
        setup=confirmed_order_ctx,
        url=lambda c: reverse("receivables:create") + f"?order={c['order'].pk}",
        fill=lambda c: {"order": str(c["order"].pk), "terms": "net", f"qty_{c['line'].pk}": "2"},
        fields={
            "qty_LINE": "number",
            "invoice_date": "date",
            "net_days": "integer",
            "deposit_percent": "number",
            "balance_days": "integer",
            "note": "text",
        },
        count=lambda: Invoice.objects.count(),
        record=_latest(Invoice),
        attrs={"qty_LINE": lambda i: _line(i, "quantity")},
    ),
    "payment-record": Target(
        who="finance1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("receivables:payment-create"),
        fill=lambda c: {"customer": str(c["cast"].customer_of_assistant1.pk), "amount": "300.00"},
        fields={"amount": "number", "received_on": "date", "bank_reference": "text", "note": "text"},
        count=lambda: Payment.objects.count(),
        record=_latest(Payment),
    ),
    "promise-to-pay": Target(
        who="assistant1",
        setup=lambda cast: {"cast": cast, "invoice": make_invoice(cast)},
        url=lambda c: reverse("receivables:promise", args=[c["invoice"].pk]),
        get_url=lambda c: reverse("receivables:detail", args=[c["invoice"].pk]),
        fill=lambda c: {"promised_on": NEXT_MONTH, "amount": "400.00", "note": "电话: 月底付"},
        fields={"amount": "number", "promised_on": "date", "note": "text"},
        count=lambda: PromiseToPay.objects.count(),
        record=_latest(PromiseToPay),
        refuses_by_message=True,
    ),
    "claim-create": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("expenses:create"),
        fill=lambda c: {"purpose": "拜访客户"},
        fields={"purpose": "text"},
        count=lambda: Claim.objects.count(),
        record=_latest(Claim),
    ),
    "claim-line": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast, "claim": make_claim(cast.sales1, lines=[])},
        url=lambda c: reverse("expenses:line-add", args=[c["claim"].pk]),
        get_url=lambda c: reverse("expenses:detail", args=[c["claim"].pk]),
        fill=lambda c: {
            "date": (timezone.localdate() - timedelta(days=2)).isoformat(),
            "category": "meals",
            "amount": "88.50",
            "currency": "CNY",
            "receipt_number": "R-1",
            "receipt_issuer": "餐厅",
            "description": "",
        },
        fields={
            "amount": "number",
            "date": "date",
            "currency": "text",
            "description": "text",
            "receipt_number": "text",
            "receipt_issuer": "text",
        },
        count=lambda: ClaimLine.objects.count(),
        record=_latest(ClaimLine),
    ),
    "advance-create": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("expenses:advance-create"),
        fill=lambda c: {"purpose": "出差备用金", "amount": "2000.00"},
        fields={"amount": "number", "purpose": "text", "currency": "text"},
        count=lambda: Advance.objects.count(),
        record=_latest(Advance),
    ),
    "trip-create": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("travel:create"),
        fill=lambda c: {
            "destination": "南京",
            "purpose": "拜访客户",
            "hotel_nights": "1",
            "est_transport": "300.00",
            "lines-0-day": NEXT_MONTH,
            "lines-0-origin": "上海",
            "lines-0-destination": "南京",
            "lines-TOTAL_FORMS": "1",
            "stops-TOTAL_FORMS": "1",
            "stops-0-customer": str(c["cast"].customer_of_assistant1.pk),
            "stops-0-agenda": "新品",
        },
        fields={
            "est_transport": "number",
            "est_hotel": "number",
            "est_meals": "number",
            "est_other": "number",
            "hotel_nights": "integer",
            "lines-0-day": "date",
            "destination": "text",
            "purpose": "text",
            "lines-0-origin": "text",
            "lines-0-note": "text",
            "stops-0-agenda": "text",
        },
        count=lambda: Trip.objects.count(),
        record=_latest(Trip),
    ),
    "trip-edit": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast, "trip": make_trip(cast.sales1, cast.customer_of_assistant1)},
        url=lambda c: reverse("travel:edit", args=[c["trip"].pk]),
        fields={
            "est_hotel": "number",
            "hotel_nights": "integer",
            "lines-0-day": "date",
            "lines-1-day": "date",
            "destination": "text",
            "lines-0-note": "text",
        },
        count=lambda: Trip.objects.count(),
        record=lambda c: Trip.objects.get(pk=c["trip"].pk),
        snapshot=trip_snapshot,
    ),
    "trip-check-in": Target(
        who="assistant1",
        setup=on_the_road_ctx,
        url=lambda c: reverse("travel:check-in", args=[c["trip"].pk]),
        get_url=lambda c: reverse("travel:detail", args=[c["trip"].pk]),
        fill=lambda c: {"location": "南京", "progress": "顺利, 明天去苏州", "needs": "样品册"},
        fields={"location": "text", "progress": "text", "needs": "text"},
        count=lambda: CheckIn.objects.count(),
        record=_latest(CheckIn),
        refuses_by_message=True,
    ),
    "contract-create": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("contracts:create"),
        fill=lambda c: {
            "customer": str(c["cast"].customer_of_assistant1.pk),
            "title": "年度合同",
            "payment_terms": "T/T",
            "delivery_terms": "FOB",
            "lines-0-description": "货物",
            "lines-0-quantity": "2",
            "lines-0-unit": "pcs",
            "lines-0-unit_price": "500.00",
        },
        fields={
            "lines-0-quantity": "number",
            "lines-0-unit_price": "number",
            "valid_from": "date",
            "valid_until": "date",
            "title": "text",
            "lines-0-description": "text",
            "notes": "text",
        },
        count=lambda: Contract.objects.count() + ContractLine.objects.count(),
        record=_latest(Contract),
        attrs={
            "lines-0-quantity": lambda k: _line(k, "quantity"),
            "lines-0-unit_price": lambda k: _line(k, "unit_price"),
            "lines-0-description": lambda k: _line(k, "description"),
        },
    ),
    "contract-edit": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast, "contract": make_contract(cast.sales1, cast.customer_of_assistant1)},
        url=lambda c: reverse("contracts:edit", args=[c["contract"].pk]),
        fields={
            "lines-0-quantity": "number",
            "lines-0-unit_price": "number",
            "valid_from": "date",
            "valid_until": "date",
            "payment_terms": "text",
        },
        count=lambda: Contract.objects.count(),
        record=lambda c: Contract.objects.get(pk=c["contract"].pk),
        snapshot=contract_snapshot,
        attrs={
            "lines-0-quantity": lambda k: _line(k, "quantity"),
            "lines-0-unit_price": lambda k: _line(k, "unit_price"),
        },
    ),
    "contract-sign": Target(
        who="sales1",
        setup=signing_ctx,
        url=lambda c: reverse("contracts:sign", args=[c["contract"].pk]),
        get_url=lambda c: reverse("contracts:detail", args=[c["contract"].pk]),
        fill=lambda c: {"scan": SimpleUploadedFile("signed.pdf", PDF_BYTES, "application/pdf"), "comment": "双方盖章"},
        fields={"signed_on": "date", "comment": "text"},
        count=lambda: ContractAttachment.objects.count(),
        record=lambda c: Contract.objects.get(pk=c["contract"].pk),
        snapshot=row_snapshot(Contract, "contract"),
        attrs={"comment": lambda k: k.events.order_by("pk").last().comment},
        refuses_by_message=True,
    ),
    "contract-amend": Target(
        who="sales1",
        setup=lambda cast: signing_ctx(cast, Contract.Status.SIGNED),
        url=lambda c: reverse("contracts:amend", args=[c["contract"].pk]),
        get_url=lambda c: reverse("contracts:detail", args=[c["contract"].pk]),
        fill=lambda c: {"changes": "交货期改为 12 月 / delivery moved to December", "reason": "客户要求"},
        fields={"changes": "text", "reason": "text"},
        count=lambda: Amendment.objects.count(),
        record=_latest(Amendment),
        refuses_by_message=True,
    ),
    "sample-request": Target(
        who="sales1",
        setup=order_ctx,
        url=lambda c: reverse("samples:create"),
        fill=lambda c: {
            "customer": str(c["cast"].customer_of_assistant1.pk),
            "purpose": "质量认可",
            "needed_by": NEXT_MONTH,
            "ship_to": "上海市",
            "lines-0-product": str(c["product"].pk),
            "lines-0-quantity": "2",
            "charge": "charged",
            "amount": "25.00",
        },
        fields={
            "lines-0-quantity": "number",
            "amount": "number",
            "courier_fee": "number",
            "needed_by": "date",
            "purpose": "text",
            "ship_to": "text",
            "lines-0-note": "text",
        },
        count=lambda: SampleRequest.objects.count(),
        record=_latest(SampleRequest),
        attrs={"lines-0-quantity": lambda s: _line(s, "quantity")},
    ),
    "loan-create": Target(
        who="sales1",
        setup=loan_ctx,
        url=lambda c: reverse("samples:loan-create"),
        fill=lambda c: {
            "item": str(c["item"].pk),
            "salesperson": str(c["cast"].sales1.pk),
            "customer": str(c["cast"].customer_of_assistant1.pk),
            "borrower": "王经理",
            "due_back": NEXT_MONTH,
        },
        fields={"lent_on": "date", "due_back": "date", "borrower": "text", "note": "text"},
        count=lambda: SampleLoan.objects.count(),
        record=_latest(SampleLoan),
    ),
    "loan-return": Target(
        who="sales1",
        setup=lambda cast: loan_ctx(cast, lent=True),
        url=lambda c: reverse("samples:loan-return", args=[c["loan"].pk]),
        get_url=lambda c: reverse("samples:loan-list"),
        fill=lambda c: {"condition": "完好"},
        fields={"returned_on": "date", "condition": "text"},
        count=lambda: SampleLoan.objects.count(),
        record=lambda c: SampleLoan.objects.get(pk=c["loan"].pk),
        snapshot=row_snapshot(SampleLoan, "loan"),
        refuses_by_message=True,
    ),
    "company-create": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("customers:create"),
        fill=lambda c: {"code": "BAD-01", "name": "坏输入有限公司"},
        fields={
            "code": "text",
            "name": "text",
            "name_en": "text",
            "short_name": "text",
            "address": "text",
            "tax_id": "text",
            "bank_account": "text",
            "payment_terms": "text",
        },
        count=lambda: Company.objects.count(),
        record=_latest(Company),
    ),
    "company-edit": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast, "company": cast.customer_of_assistant1},
        url=lambda c: reverse("customers:edit", args=[c["company"].pk]),
        fields={"code": "text", "name": "text", "name_en": "text", "region": "text", "invoice_address": "text"},
        count=lambda: Company.objects.count(),
        record=lambda c: Company.objects.get(pk=c["company"].pk),
        snapshot=company_snapshot,
    ),
    "interaction": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast, "company": cast.customer_of_assistant1},
        url=lambda c: reverse("customers:interaction-create", args=[c["company"].pk]),
        fill=lambda c: {"summary": "电话沟通", "next_step": "寄样"},
        fields={
            "occurred_on": "date",
            "next_step_on": "date",
            "summary": "text",
            "next_step": "text",
        },
        count=lambda: Interaction.objects.count(),
        record=_latest(Interaction),
    ),
    "weekly-report": Target(
        who="sales1",
        setup=lambda cast: {"cast": cast},
        url=lambda c: reverse("reports:create"),
        fill=lambda c: {
            "visit_count": "3",
            "visits": "拜访三家",
            "orders": "",
            "problems": "",
            "next_week_plan": "继续",
            "opp-TOTAL_FORMS": "1",
            "opp-0-customer": str(c["cast"].customer_of_assistant1.pk),
            "opp-0-description": "新项目",
            "opp-0-stage": "lead",
            "opp-0-amount": "10000.00",
            "opp-0-currency": "CNY",
            "opp-0-probability": "20",
        },
        fields={
            "opp-0-amount": "number",
            "opp-0-probability": "integer",
            "visit_count": "integer",
            "week": "text",
            "visits": "text",
            "opp-0-description": "text",
        },
        count=lambda: WeeklyReport.objects.count() + Opportunity.objects.count(),
        record=_latest(WeeklyReport),
        attrs={
            "opp-0-amount": lambda r: r.opportunities.get().amount,
            "opp-0-probability": lambda r: r.opportunities.get().probability,
            "opp-0-description": lambda r: r.opportunities.get().description,
        },
    ),
}


def _resolve(ctx: dict, name: str) -> str:
    return name.replace("LINE", str(ctx["line"].pk)) if "line" in ctx else name


def _rewound(body: dict) -> dict:
    """The POST body, its files (a scan) to be read again from their start."""
    for value in body.values():
        if hasattr(value, "seek"):
            value.seek(0)
    return body


def base_post(client, target: Target, ctx: dict) -> dict:
    response = client.get((target.get_url or target.url)(ctx))
    assert response.status_code == 200
    data = page_data(response)
    data.update(target.fill(ctx))
    return data


@pytest.mark.parametrize("name", list(TARGETS))
def test_bad_input_is_a_form_error_never_a_500(client, cast, name):
    target = TARGETS[name]
    ctx = target.setup(cast)
    client.force_login(getattr(cast, target.who))
    client.raise_request_exception = True
    base = base_post(client, target, ctx)

    # The base POST is valid: it saves (then rolled back).
    with transaction.atomic():
        response = client.post(target.url(ctx), _rewound(base))
        assert response.status_code == 302, (name, form_errors(response))
        assert not _error_messages(response), (name, _error_messages(response))
        transaction.set_rollback(True)

    if os.environ.get("BADINPUT_BASE_ONLY"):
        return
    before_count = target.count()
    before = target.snapshot(ctx) if target.snapshot else None

    page_fields = set(base) | fields_of(client.get((target.get_url or target.url)(ctx)))
    unknown = {_resolve(ctx, n) for n in target.fields} - page_fields
    assert not unknown, f"{name}: not fields of the form: {unknown}"

    def post(post_name: str, raw: str) -> None:
        kind = target.fields[post_name]
        body = _rewound({**base, _resolve(ctx, post_name): raw})
        with transaction.atomic():
            try:
                response = client.post(target.url(ctx), body)
            except Exception as error:  # noqa: BLE001 - any exception out of a view is a 500
                raise AssertionError(f"{name}: {post_name}={raw[:80]!r} raised {error!r}") from error
            assert response.status_code < 500, (name, post_name, raw[:80])
            assert not getattr(response.wsgi_request, "database_error", False), (
                f"{name}: {post_name}={raw[:80]!r}: the database refused it (core.middleware caught it)"
            )
            refusals = _error_messages(response) if target.refuses_by_message else []
            if response.status_code == 302 and refusals:
                assert target.count() == before_count, f"{name}: {post_name}={raw[:80]!r} refused, saved something"
                if target.snapshot:
                    assert target.snapshot(ctx) == before, f"{name}: {post_name}={raw[:80]!r} changed the record"
                html = unescape(client.get(response["Location"]).content.decode())
                assert all(m in html for m in refusals), f"{name}: {post_name}={raw[:80]!r}: the error is not shown"
            elif response.status_code == 302:
                if not target.snapshot:
                    assert target.count() > before_count, f"{name}: {post_name}={raw[:80]!r}: redirected, saved nothing"
                wanted = expected(kind, raw)
                assert wanted is not INVALID, f"{name}: {post_name}={raw[:80]!r} was accepted"
                getter = target.attrs.get(post_name)
                record = target.record(ctx) if target.record else None
                if record is not None and (getter or hasattr(record, post_name)):
                    stored = getter(record) if getter else getattr(record, post_name)
                    assert same(kind, stored, wanted), f"{name}: {post_name}={raw[:80]!r} stored as {stored!r}"
                # The page it leads to shows the saved value (year 1, 10,000 characters, ...) too.
                try:
                    shown = client.get(response["Location"])
                except Exception as error:  # noqa: BLE001
                    raise AssertionError(
                        f"{name}: {post_name}={raw[:80]!r} saved, then its page raised {error!r}"
                    ) from error
                assert shown.status_code < 500, f"{name}: {post_name}={raw[:80]!r} saved, then its page failed"
            else:
                assert response.status_code == 200, (name, post_name, raw[:80], response.status_code)
                assert shows_an_error(response), f"{name}: {post_name}={raw[:80]!r} re-rendered without an error"
                assert target.count() == before_count, f"{name}: {post_name}={raw[:80]!r} saved something"
                if target.snapshot:
                    assert target.snapshot(ctx) == before, f"{name}: {post_name}={raw[:80]!r} changed the record"
            transaction.set_rollback(True)

    # The edges every field must hold, then hypothesis around them.
    for post_name, kind in target.fields.items():
        for raw in EDGES[kind]:
            post(post_name, raw)

    @HYPOTHESIS
    @given(st.data())
    def check(data):
        post_name = data.draw(st.sampled_from(sorted(target.fields)), label="field")
        post(post_name, data.draw(STRATEGIES[target.fields[post_name]](), label="value"))

    check()


# --- a database error in a form: a clear message, and nothing kept ------------------------------------


def _refused(real):
    """``real`` (a service) writes, then the database refuses something: IntegrityError."""

    def service(*args, **kwargs):
        real(*args, **kwargs)
        raise IntegrityError('duplicate key value violates unique constraint "forced_by_the_test"')

    return service


def _error_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level == message_levels.ERROR]


def test_a_database_error_in_the_company_form_is_a_message_and_rolls_back(client, cast, monkeypatch):
    import customers.views.companies as views

    monkeypatch.setattr(views, "company_create", _refused(views.company_create))
    client.force_login(cast.sales1)
    url = reverse("customers:create")
    body = {**page_data(client.get(url)), "code": "DBERR-1", "name": "数据库错误有限公司"}
    before = Company.objects.count()
    response = client.post(url, body, HTTP_REFERER="http://testserver" + url)
    assert response.status_code == 302 and response["Location"].endswith(url)
    assert response.wsgi_request.database_error is True
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        assert any("nothing was changed" in m or "未作任何更改" in m for m in _error_messages(response))
    # The company the service saved before the error is gone with the rest of the request.
    assert Company.objects.count() == before and not Company.objects.filter(code="DBERR-1").exists()


def test_a_database_error_in_the_order_form_rolls_back_the_order_and_its_lines(client, cast, monkeypatch):
    import orders.services.orders as services

    product = make_product(list_price=Decimal("12.00"))
    monkeypatch.setattr(services, "order_create", _refused(services.order_create))
    client.force_login(cast.sales1)
    url = reverse("orders:create") + f"?salesperson={cast.sales1.pk}"
    body = {
        **page_data(client.get(url)),
        "salesperson": str(cast.sales1.pk),
        "customer": str(cast.customer_of_assistant1.pk),
        "customer_po": "PO-DBERR",
        "lines-0-product": str(product.pk),
        "lines-0-quantity": "3",
        "lines-0-unit_price": "12.00",
    }
    response = client.post(url, body)
    assert response.status_code == 302 and response.wsgi_request.database_error is True
    assert _error_messages(response)
    assert not Order.objects.exists() and not OrderLine.objects.exists()
    # The same form, once the database takes it, saves as usual.
    monkeypatch.undo()
    assert client.post(url, body).status_code == 302 and Order.objects.get().customer_po == "PO-DBERR"
