"""Forms of the sales orders: filters, the two-step order form (salesperson, then order and lines), edits.

Every picker is scoped to the user (and, for the order form, to the chosen salesperson); the
services check the same rules again, so a forged id is refused either way.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.filters import add_range_fields, clean_range
from core.forms import check_lines_total, limit_dates
from core.months import parse_month
from core.widgets import LookupSelect
from customers.models import Company
from orders.models import Order, Product, Quotation
from orders.services.orders import customers_for, factories_for, salespersons_for

DATE = {"type": "date"}


def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs=DATE)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj) if str(obj) == obj.username else f"{obj} ({obj.username})"


class CompanyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        name = obj.name + (f" / {obj.name_en}" if obj.name_en and obj.name_en != obj.name else "")
        return f"{obj.code} {name}"


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.sku} {obj.name}" + (f" / {obj.name_en}" if obj.name_en else "")


class OrderFilterForm(forms.Form):
    STATUS_CHOICES = [("", _("All statuses")), ("open", _("Open (not shipped)")), *Order.Status.choices]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    salesperson = PersonChoiceField(label=_("Salesperson"), queryset=User.objects.none(), required=False)
    customer = CompanyChoiceField(label=_("Customer"), queryset=Company.objects.none(), required=False)
    month = forms.CharField(
        label=_("Received in"),
        required=False,
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"}),
    )
    late = forms.BooleanField(label=_("Late only"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespersons_for(user).order_by("username")
        self.fields["salesperson"].empty_label = _("Everyone")
        self.fields["customer"].queryset = Company.objects.visible_to(user).customers()
        self.fields["customer"].empty_label = _("All customers")
        self.fields["customer"].widget = LookupSelect("customers:lookup", params="kind=customer")
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        add_range_fields(self, user)
        for name, field in self.fields.items():
            css = (
                "form-check-input"
                if name == "late"
                else ("form-select form-select-sm" if hasattr(field, "choices") else "form-control form-control-sm")
            )
            field.widget.attrs.setdefault("class", css)

    def clean_month(self):
        value = self.cleaned_data["month"]
        if value and parse_month(value) is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."))
        return parse_month(value)

    def clean(self):
        data = super().clean()
        clean_range(self)
        return data


class SalespersonForm(forms.Form):
    """Step one: whom the order is for (an assistant: the salespersons they serve)."""

    salesperson = PersonChoiceField(label=_("Salesperson"), queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespersons_for(user).order_by("username")
        self.fields["salesperson"].widget.attrs["class"] = "form-select"


class OrderHeaderForm(forms.ModelForm):
    """The order's header, for a new order (``salesperson`` chosen) or an edit (``instance``)."""

    quotation_number = forms.CharField(
        label=_("Quotation"),
        required=False,
        max_length=30,
        help_text=_(
            "Number of the quotation this order answers (e.g. QT-2026-00012); leave empty to check list prices."
        ),
    )

    class Meta:
        model = Order
        fields = [
            "customer", "customer_po", "currency", "received_on", "requested_delivery", "confirmed_delivery",
            "incoterm", "payment_terms", "factory", "notes",
        ]  # fmt: skip
        widgets = {
            "received_on": date_input(),
            "requested_delivery": date_input(),
            "confirmed_delivery": date_input(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"customer": CompanyChoiceField, "factory": CompanyChoiceField}
        help_texts = {
            "confirmed_delivery": _("Needed to confirm the order."),
            "customer_po": _("The number on the customer's purchase order; one order per PO."),
        }

    def __init__(self, *args, user, salesperson, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "received_on", "requested_delivery", "confirmed_delivery")
        self.user = user
        self.salesperson = salesperson
        editing = self.instance.pk is not None
        if editing:
            for name in ("customer", "currency", "quotation_number"):
                del self.fields[name]
        else:
            customers = customers_for(user, salesperson).order_by("code")
            self.fields["customer"].queryset = customers
            self.fields["customer"].empty_label = _("Choose a customer")
            self.fields["customer"].widget = LookupSelect(
                "customers:lookup", params=f"kind=customer&owner={salesperson.pk}"
            )
            self.fields["customer"].widget.choices = self.fields["customer"].choices
            self.fields["currency"].choices = settings.CURRENCIES
        self.fields["factory"].queryset = factories_for(user, salesperson).order_by("code")
        self.fields["factory"].required = False
        self.fields["factory"].empty_label = _("Not decided")
        self.fields["factory"].widget = LookupSelect("customers:lookup", params=f"kind=factory&owner={salesperson.pk}")
        self.fields["factory"].widget.choices = self.fields["factory"].choices
        self.fields["incoterm"].choices = [("", "—"), *Order.Incoterm.choices]
        self.fields["received_on"].required = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        first = [Column("customer_po", css_class="col-md-3"), Column("received_on", css_class="col-md-3")]
        if not editing:
            first = [Column("customer", css_class="col-md-6"), *first]
        extra = [Column("currency", css_class="col-md-2"), Column("quotation_number", css_class="col-md-4")]
        self.helper.layout = Layout(
            Fieldset(
                _("Customer's order"),
                Row(*first),
                Row(*([] if editing else extra), Column("factory", css_class="col-md-6")),
            ),
            Fieldset(
                _("Delivery and terms"),
                Row(
                    Column("requested_delivery", css_class="col-md-3"),
                    Column("confirmed_delivery", css_class="col-md-3"),
                    Column("incoterm", css_class="col-md-2"),
                    Column("payment_terms", css_class="col-md-4"),
                ),
                "notes",
            ),
        )

    def clean_quotation_number(self):
        number = (self.cleaned_data.get("quotation_number") or "").strip()
        if not number:
            return None
        quotation = (
            Quotation.objects.visible_to(self.user).filter(number__iexact=number, salesperson=self.salesperson).first()
        )
        if quotation is None:
            raise forms.ValidationError(_("No quotation %(number)s of this salesperson.") % {"number": number})
        return quotation

    def clean(self):
        data = super().clean()
        quotation = data.get("quotation_number")
        customer = data.get("customer")
        if quotation is not None and customer is not None and quotation.customer_id != customer.pk:
            self.add_error(
                "quotation_number", _("Quotation %(number)s is for another customer.") % {"number": quotation.number}
            )
        return data

    def _get_validation_exclusions(self):
        # The service says which order already has this PO, in the user's words; skip the
        # model's generic unique-constraint message.
        return {*super()._get_validation_exclusions(), "customer_po"}


class OrderLineForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    product = ProductChoiceField(label=_("Product"), queryset=Product.objects.all(), empty_label=_("Choose a product"))
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0.001)
    unit_price = forms.DecimalField(
        label=_("Unit price"), max_digits=14, decimal_places=2, min_value=0, required=False,
        help_text=_("Blank: the list price."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget = LookupSelect(
            "orders:product-lookup", attrs={"class": "form-select form-select-sm"}
        )
        self.fields["product"].widget.choices = self.fields["product"].choices
        self.fields["description"].widget.attrs["class"] = "form-control form-control-sm"
        for name in ("quantity", "unit_price"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm text-end", "step": "any"})

    def clean(self):
        cleaned = super().clean()
        # A blank price takes the list price (the page fills it in too, when JS runs); the
        # intake check then flags a currency that differs from the order's.
        if cleaned.get("product") is not None and cleaned.get("unit_price") is None:
            cleaned["unit_price"] = cleaned["product"].list_price
        return cleaned


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("An order needs at least one line."))
        check_lines_total(self.lines())

    def lines(self) -> list[dict]:
        """The filled-in, not deleted lines as dicts for ``order_create`` / ``order_update``."""
        result = []
        for form in self.forms:
            if not form.has_changed() or self.can_delete and self._should_delete_form(form):
                continue
            data = form.cleaned_data
            if not data:
                continue
            result.append(
                {
                    "id": data.get("id"),
                    "product": data["product"],
                    "description": data.get("description", ""),
                    "quantity": data["quantity"],
                    "unit_price": data["unit_price"],
                }
            )
        return result


def line_formset(*, data=None, initial=None, extra: int = 1):
    FormSet = forms.formset_factory(OrderLineForm, formset=BaseLineFormSet, extra=extra, can_delete=True, max_num=200)
    return FormSet(data=data, initial=initial, prefix="lines")


class TransitionForm(forms.Form):
    to_status = forms.ChoiceField(choices=Order.Status.choices)
    comment = forms.CharField(required=False, max_length=500)
