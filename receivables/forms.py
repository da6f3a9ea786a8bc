from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.forms import check_date_range, limit_dates
from core.widgets import LookupSelect
from customers.models import Company
from orders.models import Order, Shipment

from .models import CustomerAccount, Invoice, Payment


def customers_for(user):
    """Customers whose receivables the user may see: finance reads company-wide."""
    return CustomerAccount.objects.visible_to(user)


class OrderPickForm(forms.Form):
    order = forms.ModelChoiceField(
        label=_("Order"), queryset=Order.objects.none(), widget=LookupSelect("receivables:order-lookup")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = Order.objects.visible_to(user)


class InvoiceForm(forms.Form):
    invoice_date = forms.DateField(label=_("Invoice date"), widget=forms.DateInput(attrs={"type": "date"}))
    shipment = forms.ModelChoiceField(label=_("Shipment"), queryset=Shipment.objects.none(), required=False,
                                      help_text=_("Invoice one shipment of the order (optional)."))  # fmt: skip
    terms = forms.ChoiceField(label=_("Payment terms"), choices=Invoice.Terms.choices)
    net_days = forms.IntegerField(label=_("Days"), min_value=0, max_value=365, initial=30,
                                  help_text=_("Net days, or days until the deposit is due."))  # fmt: skip
    deposit_percent = forms.DecimalField(label=_("Deposit %"), min_value=0, max_value=100, decimal_places=2,
                                         required=False, initial=30)  # fmt: skip
    balance_days = forms.IntegerField(label=_("Balance: days after shipment"), min_value=0, max_value=365,
                                      required=False, initial=0)  # fmt: skip
    note = forms.CharField(label=_("Note"), max_length=500, required=False)

    def __init__(self, *args, order: Order, open_quantities: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.order = order
        self.fields["shipment"].queryset = order.shipments.all().order_by("shipped_on")
        self.fields["invoice_date"].initial = timezone.localdate()
        self.line_fields = []
        for line in order.lines.select_related("product").order_by("pk"):
            name = f"qty_{line.pk}"
            open_qty = open_quantities.get(line.pk, Decimal("0"))
            self.fields[name] = forms.DecimalField(
                label=line.product.name, min_value=0, max_digits=12, decimal_places=3, required=False,
                initial=open_qty.normalize() if open_qty else 0,
            )  # fmt: skip
            self.line_fields.append((line, name, open_qty))

    def line_rows(self):
        return [(line, self[name], open_qty) for line, name, open_qty in self.line_fields]

    def clean_invoice_date(self):
        # The due dates are the invoice date plus days: year 9999 would overflow.
        return check_date_range(self.cleaned_data["invoice_date"])

    def quantities(self) -> dict[int, Decimal]:
        return {line.pk: self.cleaned_data.get(name) or Decimal("0") for line, name, _open in self.line_fields}


class PaymentForm(forms.ModelForm):
    customer = forms.ModelChoiceField(label=_("Customer"), queryset=Company.objects.none(),
                                      widget=LookupSelect("receivables:customer-lookup"))  # fmt: skip

    class Meta:
        model = Payment
        fields = ["customer", "amount", "currency", "received_on", "method", "bank_reference", "note"]
        widgets = {"received_on": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "received_on")
        self.fields["customer"].queryset = customers_for(user)
        self.fields["currency"].initial = settings.BASE_CURRENCY
        self.fields["received_on"].initial = timezone.localdate()


class PromiseForm(forms.Form):
    promised_on = forms.DateField(
        label=_("Promised payment date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[check_date_range],
    )
    amount = forms.DecimalField(label=_("Promised amount"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2)
    note = forms.CharField(label=_("Note of the call"), max_length=300, required=False)


class StatementForm(forms.Form):
    start = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    currency = forms.ChoiceField(
        label=_("Currency"),
        choices=settings.CURRENCIES,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period is before its start."))
        return data


class StatementConfirmForm(forms.Form):
    confirmed_on = forms.DateField(
        label=_("Confirmed by the customer on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    confirmed_by_name = forms.CharField(label=_("Confirmed by (customer side)"), max_length=100)
    scan = forms.FileField(label=_("Stamped scan (PDF or image)"), required=False)
