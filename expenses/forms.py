"""Forms of the expenses module. Pickers are scoped to the user; the services check the same
rules again, so a forged id is refused either way."""

from __future__ import annotations

from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.scope import visible_salespersons
from core.forms import limit_dates
from core.widgets import LookupSelect
from customers.models import Company
from orders.forms.orders import CompanyChoiceField, PersonChoiceField

from . import services
from .models import Advance, Category, Claim

DATE = {"type": "date"}


def date_input() -> forms.DateInput:
    return forms.DateInput(format="%Y-%m-%d", attrs=DATE)


class TripChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.number} {obj.destination} {obj.start_on:%Y-%m-%d}–{obj.end_on:%Y-%m-%d} ({obj.traveller})"


def trips_for(user, people) -> object:
    """Recent trips (two years) of the people the user files for, not drafts or cancelled ones."""
    from travel.models import Trip

    since = timezone.localdate() - timedelta(days=730)
    return (
        Trip.objects.visible_to(user)
        .filter(traveller__in=people, start_on__gte=since)
        .exclude(status__in=[Trip.Status.DRAFT, Trip.Status.CANCELLED])
        .select_related("traveller")
        .order_by("-start_on", "-pk")
    )


class ClaimForm(forms.ModelForm):
    claimant = PersonChoiceField(label=_("Claimant"), queryset=User.objects.none())
    trip = TripChoiceField(label=_("Trip"), queryset=None, required=False)

    class Meta:
        model = Claim
        fields = ["claimant", "kind", "purpose", "trip"]
        help_texts = {
            "purpose": _("E.g. visit to customers in Suzhou, trade fair in Guangzhou, office supplies for March."),
        }

    def __init__(self, *args, user, claimant=None, **kwargs):
        super().__init__(*args, **kwargs)
        people = services.claimants_for(user)
        self.fields["claimant"].queryset = people
        if claimant is not None:
            # Editing: the claimant stays, the trips are theirs.
            del self.fields["claimant"]
            people = User.objects.filter(pk=claimant.pk)
        elif people.count() == 1:
            self.fields["claimant"].initial = people.first().pk
        self.fields["trip"].queryset = trips_for(user, people)
        self.fields["trip"].empty_label = _("No trip")
        self.fields["trip"].help_text = _("Link a travel claim to its approved trip (estimate against actual).")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        fields = [Column(name, css_class="col-md-6") for name in self.fields]
        self.helper.layout = Layout(Row(*fields))


class LineForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=date_input())
    category = forms.ChoiceField(label=_("Category"), choices=[("", "---------"), *Category.choices])
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    amount = forms.DecimalField(label=_("Amount"), min_value=0.01, max_digits=14, decimal_places=2)
    currency = forms.ChoiceField(label=_("Currency"), choices=settings.CURRENCIES, initial="CNY")
    receipt_number = forms.CharField(
        label=_("Receipt number"), max_length=60, required=False, help_text=_("Required except for travel allowance.")
    )
    receipt_issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    receipt_file = forms.FileField(
        label=_("Receipt file"),
        required=False,
        help_text=_("A photo or scan: PDF, PNG, JPEG, GIF or WebP, at most 10 MB."),
    )
    customer = CompanyChoiceField(label=_("Customer"), queryset=Company.objects.none(), required=False)

    def __init__(self, *args, user, claim: Claim, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "date")
        customers = Company.objects.visible_to(user).filter(kind=Company.Kind.CUSTOMER)
        params = "kind=customer"
        if claim.claimant.role == User.Role.SALESPERSON:
            customers = customers.filter(owner=claim.claimant)
            params += f"&owner={claim.claimant_id}"
        self.fields["customer"].queryset = customers.order_by("code")
        self.fields["customer"].empty_label = _("No customer")
        self.fields["customer"].widget = LookupSelect("customers:lookup", params=params)
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["amount"].widget.attrs.update({"step": "0.01", "class": "text-end"})
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.fields["receipt_file"].widget.attrs["accept"] = "application/pdf,image/*"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(
                Column("date", css_class="col-6 col-md-3"),
                Column("category", css_class="col-6 col-md-3"),
                Column("amount", css_class="col-6 col-md-3"),
                Column("currency", css_class="col-6 col-md-3"),
            ),
            Row(Column("description", css_class="col-md-6"), Column("customer", css_class="col-md-6")),
            Row(
                Column("receipt_number", css_class="col-6 col-md-3"),
                Column("receipt_issuer", css_class="col-6 col-md-4"),
                Column("receipt_file", css_class="col-md-5"),
            ),
        )


class ReviewForm(forms.Form):
    receipts_ok = forms.BooleanField(
        label=_("Receipts attached, genuine and well-formed (no reused receipt)"), required=False
    )
    content_ok = forms.BooleanField(label=_("Content reasonable, matches the trip or the business"), required=False)
    amounts_ok = forms.BooleanField(label=_("Amounts correct and add up"), required=False)
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def checklist(self) -> dict:
        return {k: bool(self.cleaned_data.get(k)) for k in ("receipts_ok", "content_ok", "amounts_ok")}


class ApproveForm(forms.Form):
    override_reason = forms.CharField(
        label=_("Reason to override"),
        required=False,
        max_length=500,
        help_text=_("Needed when a receipt is reused or a budget is used up."),
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class ReturnForm(forms.Form):
    comment = forms.CharField(label=_("Why is it returned?"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PayForm(forms.Form):
    reference = forms.CharField(label=_("Payment reference"), required=False, max_length=100)


class SettleForm(forms.Form):
    advance = forms.ModelChoiceField(label=_("Advance"), queryset=Advance.objects.none())
    amount = forms.DecimalField(
        label=_("Amount"), required=False, min_value=0.01, max_digits=14, decimal_places=2,
        help_text=_("Blank: as much as the advance and the claim allow."),
    )  # fmt: skip

    def __init__(self, *args, claim: Claim, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["advance"].queryset = Advance.objects.outstanding().filter(person=claim.claimant_id)
        self.fields["advance"].label_from_instance = lambda a: (
            f"{a.number} · {a.amount - a.settled_amount} {a.currency}"
        )


class AdvanceForm(forms.ModelForm):
    person = PersonChoiceField(label=_("Borrower"), queryset=User.objects.none())
    trip = TripChoiceField(label=_("Trip"), queryset=None, required=False)

    class Meta:
        model = Advance
        fields = ["person", "purpose", "amount", "currency", "trip"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        people = services.claimants_for(user)
        self.fields["person"].queryset = people
        if people.count() == 1:
            self.fields["person"].initial = people.first().pk
        self.fields["trip"].queryset = trips_for(user, people)
        self.fields["trip"].empty_label = _("No trip")
        self.fields["amount"].widget.attrs.update({"step": "0.01", "class": "text-end"})
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("person", css_class="col-md-6"), Column("trip", css_class="col-md-6")),
            Row(
                Column("purpose", css_class="col-md-6"),
                Column("amount", css_class="col-6 col-md-3"),
                Column("currency", css_class="col-6 col-md-3"),
            ),
        )


class RepayForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount repaid"), min_value=0.01, max_digits=14, decimal_places=2)
    comment = forms.CharField(label=_("Comment"), required=False, max_length=300)


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class ClaimFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All statuses")),
        ("to_act", _("Waiting for me")),
        ("open", _("Open (not paid)")),
        ("reused", _("With a reused receipt")),
        *Claim.Status.choices,
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", _("All kinds")), *Claim.Kind.choices], required=False)
    claimant = PersonChoiceField(label=_("Claimant"), queryset=User.objects.none(), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["claimant"].queryset = visible_salespersons(user).order_by("username")
        self.fields["claimant"].empty_label = _("Everyone")
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
