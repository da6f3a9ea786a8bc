"""Forms for the catalogue and quotations: pickers scoped to the user, the salesperson chosen first."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from core.forms import DecimalField, check_lines_total, limit_dates
from core.widgets import LookupSelect
from customers.models import Company
from orders.models import Order, Product, Quotation
from orders.services.quotations import quoting_customers

DATE_WIDGET = {"type": "date"}


def _small(form: forms.Form) -> None:
    for name, f in form.fields.items():
        css = "form-select form-select-sm" if isinstance(f.widget, forms.Select) else "form-control form-control-sm"
        f.widget.attrs.setdefault("class", css)
        f.widget.attrs.setdefault("aria-label", str(f.label))
        f.widget.attrs.setdefault("id", f"filter-{name}")


def _chips(form: forms.Form) -> list[tuple[str, str]]:
    if not form.is_bound or not hasattr(form, "cleaned_data"):
        return []
    chips = []
    for name, f in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "") or name == "q":
            continue
        if name == "month":
            shown = f"{value:%Y-%m}"
        elif isinstance(f, forms.ChoiceField) and not isinstance(f, forms.ModelChoiceField):
            shown = str(dict(f.choices).get(value, value))
        else:
            shown = str(value)
        chips.append((str(f.label), shown))
    if text := (form.cleaned_data.get("q") or "").strip():
        chips.insert(0, (str(form.fields["q"].label), text))
    return chips


class ProductFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("SKU, Chinese or English name")}),
    )
    active = forms.ChoiceField(
        label=_("Active"),
        required=False,
        choices=[("", _("Active and inactive")), ("yes", _("Active only")), ("no", _("Inactive only"))],
    )
    unit = forms.ChoiceField(label=_("Unit"), required=False, choices=[("", _("All units")), *Product.Unit.choices])
    currency = forms.ChoiceField(
        label=_("Currency"), required=False, choices=[("", _("All currencies")), *settings.CURRENCIES]
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)

    def applied(self) -> list[tuple[str, str]]:
        return _chips(self)


class QuotationFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number or customer")}),
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Quotation.Status.choices]
    )
    salesperson = forms.ModelChoiceField(
        label=_("Salesperson"), required=False, queryset=None, empty_label=_("All salespersons")
    )
    customer = forms.ModelChoiceField(
        label=_("Customer"),
        required=False,
        queryset=None,
        empty_label=_("All customers"),
        widget=LookupSelect("customers:lookup", params="kind=customer"),
    )
    month = forms.DateField(
        label=_("Month"),
        required=False,
        input_formats=["%Y-%m"],
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month"}),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )

    def __init__(self, *args, user, salespersons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespersons
        self.fields["customer"].queryset = Company.objects.visible_to(user).customers().order_by("code")
        _small(self)

    def applied(self) -> list[tuple[str, str]]:
        return _chips(self)


class SalespersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} ({obj.username})"


class SalespersonForm(forms.Form):
    """Step 1 for an assistant or a manager: whom is the quotation for?"""

    salesperson = SalespersonChoiceField(
        label=_("Salesperson"),
        queryset=None,
        empty_label=_("Choose the salesperson"),
        help_text=_("The customer picker then offers that salesperson's customers you work on."),
    )

    def __init__(self, *args, salespersons, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespersons


class QuotationForm(forms.ModelForm):
    """Step 2: the quotation's header for one salesperson; the customer picker is theirs only."""

    incoterm = forms.ChoiceField(label=_("Incoterm"), required=False, choices=[("", "—"), *Order.Incoterm.choices])

    class Meta:
        model = Quotation
        fields = ["customer", "currency", "valid_until", "incoterm", "payment_terms", "notes"]
        widgets = {
            "valid_until": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {"notes": _("Terms and remarks printed on the quotation.")}

    def __init__(self, *args, user, salesperson, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "valid_until")
        self.salesperson = salesperson
        customer = self.fields["customer"]
        customer.queryset = quoting_customers(user, salesperson).order_by("code")
        customer.empty_label = _("Choose a customer")
        customer.widget = LookupSelect("customers:lookup", params=f"kind=customer&owner={salesperson.pk}")
        customer.widget.choices = customer.choices
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                _("Quotation"),
                Row(Column("customer", css_class="col-md-6"), Column("currency", css_class="col-md-3"),
                    Column("valid_until", css_class="col-md-3")),
                Row(Column("incoterm", css_class="col-md-2"), Column("payment_terms", css_class="col-md-10")),
                Field("notes"),
            )
        )  # fmt: skip


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return product_text(obj)


def product_text(product: Product) -> str:
    names = product.name + (f" / {product.name_en}" if product.name_en and product.name_en != product.name else "")
    return f"{product.sku} {names}"


class QuotationLineForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"),
        queryset=Product.objects.filter(active=True),
        empty_label=_("Choose a product"),
        widget=LookupSelect("orders:product-lookup"),
    )
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0.001)
    unit_price = forms.DecimalField(
        label=_("Unit price"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("Empty: the product's list price."),
    )
    discount_percent = DecimalField(
        label=_("Discount %"), max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, initial=0
    )

    def __init__(self, *args, product_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        if product_ids:
            # A draft may keep a product that was deactivated since it was added.
            from django.db.models import Q

            self.fields["product"].queryset = Product.objects.filter(Q(active=True) | Q(pk__in=list(product_ids)))
        self.fields["quantity"].widget.attrs.update({"step": "any", "class": "form-control form-control-sm text-end"})
        self.fields["unit_price"].widget.attrs.update(
            {"step": "0.01", "class": "form-control form-control-sm text-end", "data-formset-price": ""}
        )
        self.fields["discount_percent"].widget.attrs.update(
            {"step": "0.01", "class": "form-control form-control-sm text-end"}
        )
        self.fields["description"].widget.attrs.update({"class": "form-control form-control-sm"})
        self.fields["product"].widget.attrs.update({"class": "form-select form-select-sm", "data-formset-product": ""})


class BaseLineFormSet(forms.BaseFormSet):
    def __init__(self, *args, product_ids=(), **kwargs):
        self.product_ids = product_ids
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "product_ids": self.product_ids}

    def lines(self) -> list[dict]:
        return [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("product")
        ]

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("Add at least one line."), code="no_lines")
        check_lines_total(
            self.lines(), amount=lambda line: line["quantity"] * (line["unit_price"] or line["product"].list_price)
        )


QuotationLineFormSet = forms.formset_factory(
    QuotationLineForm, formset=BaseLineFormSet, extra=0, min_num=1, validate_min=False, can_delete=True
)


class LostForm(forms.Form):
    reason = forms.CharField(
        label=_("Why was it lost?"), max_length=100, widget=forms.Textarea(attrs={"rows": 2}), required=True
    )


class CustomerPoForm(forms.Form):
    customer_po = forms.CharField(label=_("Customer PO number"), max_length=60, required=True)
