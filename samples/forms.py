"""Forms of the samples module. Pickers are scoped to the user (and to the chosen salesperson);
the services check the same rules again, so a forged id is refused either way."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import limit_dates
from core.widgets import LookupSelect
from customers.models import Company
from orders.forms.orders import CompanyChoiceField, PersonChoiceField, ProductChoiceField
from orders.models import Order, Product
from samples.models import SampleItem, SampleLoan, SamplePolicy, SampleRequest
from samples.services import DECISIONS, customers_for, salespersons_for

DATE = {"type": "date"}
CourierFee = SamplePolicy.CourierFee


def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs=DATE)


class SampleRequestForm(forms.ModelForm):
    """Step two of a request: customer, purpose, dates, and the charge (blank: the company rule)."""

    charge = forms.ChoiceField(
        label=_("Charge"),
        required=False,
        choices=[("", _("As the company rule says")), *SampleRequest.Charge.choices],
        help_text=_("Terms better for the customer than the rule go to the manager for a decision."),
    )
    courier_fee = forms.ChoiceField(
        label=_("Courier fee"), required=False, choices=[("", _("As the company rule says")), *CourierFee.choices]
    )
    amount = forms.DecimalField(label=_("Amount charged"), required=False, min_value=0, max_digits=14, decimal_places=2)

    class Meta:
        model = SampleRequest
        fields = ["customer", "purpose", "needed_by", "ship_to", "charge", "amount", "currency", "courier_fee",
                  "exception_reason"]  # fmt: skip
        widgets = {"needed_by": date_input(), "ship_to": forms.TextInput()}
        field_classes = {"customer": CompanyChoiceField}
        help_texts = {
            "exception_reason": _("Fill in to ask the manager for an exception even within the rule."),
            "purpose": _("E.g. quality approval before a first order, new colour for the spring range."),
        }

    def __init__(self, *args, user, salesperson, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "needed_by")
        self.fields["customer"].queryset = customers_for(user, salesperson).order_by("code")
        self.fields["customer"].empty_label = _("Choose a customer")
        self.fields["customer"].widget = LookupSelect(
            "customers:lookup", params=f"kind=customer&owner={salesperson.pk}"
        )
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["currency"].choices = settings.CURRENCIES
        self.fields["amount"].widget.attrs.update({"step": "0.01", "class": "text-end"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        # The charge fields come after the lines in the template (samples/sample_form.html).
        self.helper.layout = Layout(
            Fieldset(
                _("Request"),
                Row(Column("customer", css_class="col-md-6"), Column("needed_by", css_class="col-md-3")),
                Row(Column("purpose", css_class="col-md-6"), Column("ship_to", css_class="col-md-6")),
            ),
        )

    def clean(self):
        data = super().clean()
        if data.get("charge") == SampleRequest.Charge.CHARGED and not data.get("amount"):
            self.add_error("amount", _("Enter the amount to charge."))
        return data


class SampleLineForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"), queryset=Product.objects.filter(active=True), empty_label=_("Choose a product")
    )
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=Decimal("0.001"))
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget = LookupSelect(
            "orders:product-lookup", attrs={"class": "form-select form-select-sm"}
        )
        self.fields["product"].widget.choices = self.fields["product"].choices
        self.fields["quantity"].widget.attrs.update({"class": "form-control form-control-sm text-end", "step": "any"})
        self.fields["note"].widget.attrs["class"] = "form-control form-control-sm"


class BaseSampleLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("A sample request needs at least one line."))

    def lines(self) -> list[dict]:
        result = []
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form) or not form.cleaned_data:
                continue
            data = form.cleaned_data
            result.append({"product": data["product"], "quantity": data["quantity"], "note": data.get("note", "")})
        return result


def line_formset(*, data=None, extra: int = 1):
    FormSet = forms.formset_factory(
        SampleLineForm, formset=BaseSampleLineFormSet, extra=extra, can_delete=True, max_num=50
    )
    return FormSet(data=data, prefix="lines")


class SampleEditForm(forms.ModelForm):
    class Meta:
        model = SampleRequest
        fields = ["purpose", "needed_by", "ship_to"]
        widgets = {"needed_by": date_input(), "ship_to": forms.TextInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=list(
            zip(DECISIONS, [_("Approve as requested"), _("Change the terms and approve"), _("Refuse")], strict=True)
        ),
        widget=forms.RadioSelect,
        initial="approve",
    )
    charge = forms.ChoiceField(label=_("Charge"), choices=SampleRequest.Charge.choices, required=False)
    amount = forms.DecimalField(label=_("Amount charged"), required=False, min_value=0, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=settings.CURRENCIES, required=False)
    courier_fee = forms.ChoiceField(label=_("Courier fee"), choices=CourierFee.choices, required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=400, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required when you refuse."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["decision"].widget.attrs["class"] = "form-check-input"
        for name in ("charge", "currency", "courier_fee"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-sm"
        for name in ("amount", "comment"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"

    def clean(self):
        data = super().clean()
        if data.get("decision") == "refuse" and not (data.get("comment") or "").strip():
            self.add_error("comment", _("Say why the sample is refused."))
        return data


class DispatchForm(forms.ModelForm):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=300)

    class Meta:
        model = SampleRequest
        fields = ["courier", "tracking_number", "sent_on", "expected_arrival", "cost", "cost_currency"]
        widgets = {"sent_on": date_input(), "expected_arrival": date_input()}
        help_texts = {"cost": _("What the courier charges us (0 when the customer pays on delivery).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("courier", "tracking_number", "sent_on", "cost"):
            self.fields[name].required = True
        self.fields["courier"].widget.attrs["list"] = "courier-names"
        self.fields["cost_currency"].choices = settings.CURRENCIES
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("courier", css_class="col-md-4"), Column("tracking_number", css_class="col-md-4")),
            Row(Column("sent_on", css_class="col-md-4"), Column("expected_arrival", css_class="col-md-4")),
            Row(Column("cost", css_class="col-md-4"), Column("cost_currency", css_class="col-md-4")),
            "comment",
        )


class CheckForm(forms.Form):
    action = forms.ChoiceField(choices=[("check", _("Check and send")), ("withdraw", _("Withdraw"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=300)


class CancelForm(forms.Form):
    comment = forms.CharField(label=_("Reason"), required=False, max_length=300)


class FeedbackForm(forms.Form):
    feedback_on = forms.DateField(label=_("Feedback on"), widget=date_input())
    likelihood = forms.ChoiceField(label=_("Likelihood of an order"), choices=SampleRequest.Likelihood.choices)
    opinion = forms.CharField(label=_("Customer's opinion"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    order = forms.ModelChoiceField(
        label=_("Resulting order"), queryset=Order.objects.none(), required=False,
        help_text=_("When the customer has already ordered; or convert the sample to a new order afterwards."),
    )  # fmt: skip

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders
        self.fields["order"].empty_label = _("No order yet")
        self.fields["order"].label_from_instance = lambda o: f"{o.number} · {o.customer_po} · {o.received_on:%Y-%m-%d}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("feedback_on", css_class="col-md-4"), Column("likelihood", css_class="col-md-4")),
            "opinion",
            "order",
        )


class ConvertForm(forms.Form):
    """A new sales order from the sample: header, and per sample line the quantity and unit price."""

    customer_po = forms.CharField(label=_("Customer PO number"), max_length=60)
    currency = forms.ChoiceField(label=_("Currency"), choices=settings.CURRENCIES)
    received_on = forms.DateField(label=_("Received on"), widget=date_input())

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = lines
        for line in lines:
            self.fields[f"qty_{line.pk}"] = forms.DecimalField(
                label=_("Quantity"), required=False, min_value=0, max_digits=12, decimal_places=3,
                widget=forms.NumberInput(attrs={"step": "any", "class": "form-control form-control-sm text-end"}),
            )  # fmt: skip
            self.fields[f"price_{line.pk}"] = forms.DecimalField(
                label=_("Unit price"), required=False, min_value=0, max_digits=14, decimal_places=2,
                initial=line.product.list_price,
                widget=forms.NumberInput(attrs={"step": "any", "class": "form-control form-control-sm text-end"}),
            )  # fmt: skip

    def line_rows(self):
        return [(line, self[f"qty_{line.pk}"], self[f"price_{line.pk}"]) for line in self.lines]

    def order_lines(self) -> list[dict]:
        result = []
        for line in self.lines:
            quantity = self.cleaned_data.get(f"qty_{line.pk}")
            if not quantity:
                continue
            price = self.cleaned_data.get(f"price_{line.pk}")
            result.append(
                {
                    "product": line.product,
                    "quantity": quantity,
                    "unit_price": line.product.list_price if price is None else price,
                    "description": "",
                }
            )
        return result

    def clean(self):
        data = super().clean()
        if not self.errors and not self.order_lines():
            raise forms.ValidationError(_("Enter the quantity ordered on at least one line."))
        return data


class LinkOrderForm(forms.Form):
    order = forms.ModelChoiceField(label=_("Order"), queryset=Order.objects.none())

    def __init__(self, *args, orders, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["order"].queryset = orders


class SampleFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All statuses")),
        ("open", _("Open (not sent)")),
        ("to_send", _("To send or check")),
        ("due", _("Feedback due")),
        *SampleRequest.Status.choices,
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    salesperson = PersonChoiceField(label=_("Salesperson"), queryset=User.objects.none(), required=False)
    charge = forms.ChoiceField(
        label=_("Charge"), choices=[("", _("Free or charged")), *SampleRequest.Charge.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from accounts.scope import visible_salespersons

        self.fields["salesperson"].queryset = visible_salespersons(user).order_by("username")
        self.fields["salesperson"].empty_label = _("Everyone")
        for field in self.fields.values():
            css = "form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)

    def applied(self) -> list[tuple[str, str]]:
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        chips = []
        for name, f in self.fields.items():
            value = self.cleaned_data.get(name)
            if not value:
                continue
            shown = str(dict(f.choices).get(value, value)) if isinstance(f, forms.ChoiceField) else str(value)
            chips.append((str(f.label), shown))
        return chips


class LoanForm(forms.ModelForm):
    class Meta:
        model = SampleLoan
        fields = ["item", "salesperson", "customer", "borrower", "lent_on", "due_back", "note"]
        widgets = {"lent_on": date_input(), "due_back": date_input()}
        field_classes = {"salesperson": PersonChoiceField, "customer": CompanyChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = SampleItem.objects.filter(active=True).exclude(
            pk__in=SampleLoan.objects.filter(returned_on__isnull=True).values("item_id")
        )
        self.fields["salesperson"].queryset = salespersons_for(user).order_by("username")
        self.fields["customer"].queryset = Company.objects.visible_to(user).customers()
        self.fields["customer"].required = False
        self.fields["customer"].widget = LookupSelect("customers:lookup", params="kind=customer")
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["lent_on"].initial = timezone.localdate()
        limit_dates(self, "lent_on", "due_back")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("item", css_class="col-md-6"), Column("salesperson", css_class="col-md-6")),
            Row(Column("customer", css_class="col-md-6"), Column("borrower", css_class="col-md-6")),
            Row(Column("lent_on", css_class="col-md-3"), Column("due_back", css_class="col-md-3")),
            "note",
        )


class ReturnForm(forms.Form):
    returned_on = forms.DateField(label=_("Returned on"), widget=date_input())
    condition = forms.CharField(label=_("Condition on return"), required=False, max_length=200)


class ItemForm(forms.ModelForm):
    class Meta:
        model = SampleItem
        fields = ["code", "name", "product", "serial_number", "location", "note"]
        field_classes = {"product": ProductChoiceField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].required = False
        self.fields["product"].widget = LookupSelect("orders:product-lookup")
        self.fields["product"].widget.choices = self.fields["product"].choices
        self.helper = FormHelper()
        self.helper.form_tag = False
