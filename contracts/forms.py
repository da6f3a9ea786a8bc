"""Contract forms: the two-step contract form (salesperson first), filters, workflow actions.

Pickers are scoped to the user and the chosen salesperson; the services check the same rules
again, so a forged id is refused either way.
"""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import check_date_range, check_lines_total, limit_dates
from core.widgets import LookupSelect
from customers.models import Company
from orders.forms.orders import CompanyChoiceField, PersonChoiceField, ProductChoiceField, date_input
from orders.models import Product
from orders.services.orders import customers_for, factories_for, salespersons_for

from .models import Contract


class ContractFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All statuses")),
        ("awaiting", _("Awaiting approval")),
        ("returned", _("Returned for changes")),
        *Contract.Status.choices,
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    salesperson = PersonChoiceField(label=_("Salesperson"), queryset=User.objects.none(), required=False)
    customer = CompanyChoiceField(label=_("Customer"), queryset=Company.objects.none(), required=False)
    confidential = forms.BooleanField(label=_("Confidential only"), required=False)
    mine = forms.BooleanField(label=_("Awaiting my decision"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespersons_for(user).order_by("username")
        self.fields["salesperson"].empty_label = _("Everyone")
        self.fields["customer"].queryset = Company.objects.visible_to(user).customers()
        self.fields["customer"].empty_label = _("All customers")
        self.fields["customer"].widget = LookupSelect("customers:lookup", params="kind=customer")
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        for name, field in self.fields.items():
            if name == "confidential":
                css = "form-check-input"
            elif hasattr(field, "choices"):
                css = "form-select form-select-sm"
            else:
                css = "form-control form-control-sm"
            field.widget.attrs.setdefault("class", css)


class PerformanceFilterForm(ContractFilterForm):
    STATUS_CHOICES = [("", _("Approved, signed or archived")), *[(s, s.label) for s in Contract.LINKABLE]]
    FULFILMENT = [("", _("All")), ("open", _("Not fully shipped")), ("done", _("Fully shipped"))]

    fulfilment = forms.ChoiceField(label=_("Shipped"), choices=FULFILMENT, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = self.STATUS_CHOICES
        self.fields["fulfilment"].widget.attrs["class"] = "form-select form-select-sm"
        del self.fields["mine"]


class SalespersonForm(forms.Form):
    """Step one: whom the contract is for (seed 003 區別 6: the salesperson is chosen first)."""

    salesperson = PersonChoiceField(label=_("Salesperson"), queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = salespersons_for(user).order_by("username")
        self.fields["salesperson"].widget.attrs["class"] = "form-select"


class ContractHeaderForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "customer", "factory", "title", "currency", "valid_from", "valid_until",
            "payment_terms", "delivery_terms", "confidential", "notes",
        ]  # fmt: skip
        widgets = {
            "valid_from": date_input(),
            "valid_until": date_input(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
        field_classes = {"customer": CompanyChoiceField, "factory": CompanyChoiceField}
        help_texts = {
            "payment_terms": _("e.g. 30% T/T deposit, 70% against copy of B/L"),
            "delivery_terms": _("e.g. FOB Shanghai, within 45 days of deposit"),
        }

    def __init__(self, *args, user, salesperson, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "valid_from", "valid_until")
        self.user = user
        self.salesperson = salesperson
        # seed 003 區別 7: an assistant picks only what this salesperson assigned to them.
        self.fields["customer"].queryset = customers_for(user, salesperson).order_by("code")
        self.fields["customer"].empty_label = _("Choose a customer")
        self.fields["customer"].widget = LookupSelect(
            "customers:lookup", params=f"kind=customer&owner={salesperson.pk}"
        )
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["factory"].queryset = factories_for(user, salesperson).order_by("code")
        self.fields["factory"].required = False
        self.fields["factory"].empty_label = _("Not decided")
        self.fields["factory"].widget = LookupSelect("customers:lookup", params=f"kind=factory&owner={salesperson.pk}")
        self.fields["factory"].widget.choices = self.fields["factory"].choices
        self.fields["currency"].choices = settings.CURRENCIES
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                _("Parties"),
                Row(Column("customer", css_class="col-md-6"), Column("factory", css_class="col-md-6")),
                Row(Column("title", css_class="col-md-8"), Column("currency", css_class="col-md-4")),
            ),
            Fieldset(
                _("Terms"),
                Row(Column("valid_from", css_class="col-md-3"), Column("valid_until", css_class="col-md-3")),
                Row(Column("payment_terms", css_class="col-md-6"), Column("delivery_terms", css_class="col-md-6")),
                "confidential",
                "notes",
            ),
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The contract cannot end before it starts."))
        return data

    def _post_clean(self):
        # The service checks the model's rules (dates, parties) and says so in the user's words.
        pass


class ContractLineForm(forms.Form):
    product = ProductChoiceField(
        label=_("Product"), queryset=Product.objects.all(), required=False, empty_label=_("Choose a product")
    )
    description = forms.CharField(label=_("Description"), required=False, max_length=300)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, min_value=0.001)
    unit = forms.CharField(label=_("Unit"), required=False, max_length=10)
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=2, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].widget = LookupSelect(
            "orders:product-lookup", attrs={"class": "form-select form-select-sm"}
        )
        self.fields["product"].widget.choices = self.fields["product"].choices
        for name in ("description", "unit"):
            self.fields[name].widget.attrs["class"] = "form-control form-control-sm"
        for name in ("quantity", "unit_price"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm text-end", "step": "any"})

    def clean(self):
        data = super().clean()
        if not data.get("product") and not (data.get("description") or "").strip():
            self.add_error("description", _("Describe the line or choose a product."))
        return data


class BaseLineFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        if not self.lines():
            raise forms.ValidationError(_("A contract needs at least one line."))
        check_lines_total(self.lines())

    def lines(self) -> list[dict]:
        result = []
        for form in self.forms:
            if not form.has_changed() or self._should_delete_form(form):
                continue
            data = form.cleaned_data
            if data:
                result.append({k: data.get(k) for k in ("product", "description", "quantity", "unit", "unit_price")})
        return result


def line_formset(*, data=None, initial=None, extra: int = 1):
    FormSet = forms.formset_factory(
        ContractLineForm, formset=BaseLineFormSet, extra=extra, can_delete=True, max_num=200
    )
    return FormSet(data=data, initial=initial, prefix="lines")


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class SignForm(forms.Form):
    scan = forms.FileField(label=_("Signed scan (PDF or image)"))
    signed_on = forms.DateField(
        label=_("Signed on"), required=False, widget=date_input(), validators=[check_date_range]
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class ArchiveForm(forms.Form):
    archive_location = forms.CharField(
        label=_("Archive location of the original"),
        max_length=200,
        help_text=_("e.g. Finance, cabinet 3, folder 2026-Q4"),
    )


class AmendmentForm(forms.Form):
    changes = forms.CharField(label=_("What changed"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    reason = forms.CharField(label=_("Why"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File (PDF or image, at most 10 MB)"))


class OrderContractForm(forms.Form):
    """Link an order to a visible approved or signed contract of the same salesperson and customer."""

    contract = forms.ModelChoiceField(label=_("Contract"), queryset=Contract.objects.none(), required=False)

    def __init__(self, *args, user, order, **kwargs):
        from .services import linkable_contracts

        super().__init__(*args, **kwargs)
        self.fields["contract"].queryset = linkable_contracts(
            user, salesperson_id=order.salesperson_id, customer_id=order.customer_id
        ).order_by("-created_at")
        self.fields["contract"].empty_label = _("No contract")
        self.fields["contract"].widget.attrs["class"] = "form-select form-select-sm"
