"""Trip and visit forms. Pickers are scoped to the user and the chosen traveller; the services
check the same rules again, so a forged id is refused either way."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.forms import amount_too_large, amount_too_large_error, limit_dates
from core.widgets import LookupSelect
from customers.models import Company
from orders.forms.orders import CompanyChoiceField, PersonChoiceField, date_input

from .models import ESTIMATE_FIELDS, REVIEW_CHECKLIST, Booking, CheckIn, Trip, TripLeg, Visit
from .services import customers_for, travellers_for

SM_SELECT = "form-select form-select-sm"
SM_INPUT = "form-control form-control-sm"


def _small(form: forms.BaseForm) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", SM_SELECT)
        else:
            widget.attrs.setdefault("class", SM_INPUT)


class TripFilterForm(forms.Form):
    STATUS_CHOICES = [
        ("", _("All statuses")),
        ("awaiting", _("Awaiting review or approval")),
        ("returned", _("Returned for changes")),
        ("on_the_road", _("On the road today")),
        ("to_report", _("Visit report due")),
        *Trip.Status.choices,
    ]

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    traveller = PersonChoiceField(label=_("Traveller"), queryset=User.objects.none(), required=False)
    month = forms.DateField(label=_("Starting from"), required=False, widget=date_input())

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["traveller"].queryset = travellers_for(user).order_by("username")
        self.fields["traveller"].empty_label = _("Everyone")
        _small(self)


class TravellerForm(forms.Form):
    """Step one: who travels (an assistant drafts for a salesperson they serve)."""

    traveller = PersonChoiceField(label=_("Traveller"), queryset=User.objects.none(), empty_label=None)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["traveller"].queryset = travellers_for(user).order_by("username")
        self.fields["traveller"].widget.attrs["class"] = "form-select"


class TripForm(forms.ModelForm):
    class Meta:
        model = Trip
        fields = ["destination", "purpose", "hotel_nights", "currency", *ESTIMATE_FIELDS]
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "purpose": _("Why this trip, whom you meet and what you expect from it: the reviewer checks the reason."),
            "destination": _("e.g. Nanjing, Suzhou"),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.CURRENCIES
        for name in ESTIMATE_FIELDS:
            self.fields[name].widget.attrs.update(step="0.01", min="0")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Fieldset(
                _("The trip"),
                Row(Column("destination", css_class="col-md-6"), Column("hotel_nights", css_class="col-md-3")),
                "purpose",
            ),
            Fieldset(
                _("Estimated cost"),
                Row(
                    Column("currency", css_class="col-md-2"),
                    *(Column(name, css_class="col") for name in ESTIMATE_FIELDS),
                ),
            ),
        )

    def clean(self):
        data = super().clean()
        # The estimated total is stored too: it must fit a money column like each estimate.
        if amount_too_large(sum((data.get(name) or 0 for name in ESTIMATE_FIELDS), Decimal("0"))):
            self.add_error(ESTIMATE_FIELDS[-1], amount_too_large_error())
        return data


class LegForm(forms.ModelForm):
    class Meta:
        model = TripLeg
        fields = ["day", "origin", "destination", "transport", "note"]
        widgets = {"day": date_input()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "day")
        _small(self)


class BaseLegFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if not any(self.errors) and not self.rows():
            raise forms.ValidationError(_("A trip needs at least one leg (date, from, to)."))

    def rows(self) -> list[dict]:
        return [
            {k: form.cleaned_data.get(k) or ("" if k == "note" else None) for k in LegForm.Meta.fields}
            for form in self.forms
            if form.has_changed() and not self._should_delete_form(form) and form.cleaned_data
        ]


def leg_formset(*, data=None, initial=None, extra: int = 1):
    FormSet = forms.formset_factory(LegForm, formset=BaseLegFormSet, extra=extra, can_delete=True, max_num=60)
    return FormSet(data=data, initial=initial, prefix="lines")


class StopForm(forms.Form):
    customer = CompanyChoiceField(label=_("Customer"), queryset=Company.objects.none(), required=False)
    agenda = forms.CharField(label=_("What to discuss"), max_length=300, required=False)

    def __init__(self, *args, customers, traveller, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = customers
        self.fields["customer"].empty_label = _("Choose a customer")
        self.fields["customer"].widget = LookupSelect(
            "customers:lookup",
            params="kind=customer" + (f"&owner={traveller.pk}" if traveller.role == User.Role.SALESPERSON else ""),
        )
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["agenda"].widget.attrs["class"] = SM_INPUT

    def clean(self):
        data = super().clean()
        if data.get("agenda") and not data.get("customer"):
            self.add_error("customer", _("Choose the customer for this line."))
        return data


class BaseStopFormSet(forms.BaseFormSet):
    def rows(self) -> list[dict]:
        return [
            {"customer": f.cleaned_data["customer"], "agenda": f.cleaned_data.get("agenda", "")}
            for f in self.forms
            if f.cleaned_data.get("customer")
        ]


def stop_formset(*, actor, traveller, data=None, initial=None, trip=None):
    FormSet = forms.formset_factory(StopForm, formset=BaseStopFormSet, extra=3, max_num=30)
    customers = customers_for(actor, traveller)
    if trip is not None:  # customers already on the trip stay choosable (the service checks them again)
        customers = Company.objects.filter(
            Q(pk__in=customers.values("pk")) | Q(pk__in=trip.stops.values("customer_id"))
        )
    customers = customers.order_by("code")
    return FormSet(
        data=data, initial=initial, prefix="stops", form_kwargs={"customers": customers, "traveller": traveller}
    )


class CommentForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)


class ReviewForm(forms.Form):
    comment = forms.CharField(label=_("Comment"), required=False, max_length=1000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in REVIEW_CHECKLIST:
            self.fields[key] = forms.BooleanField(label=label, required=False)

    def checklist(self) -> dict[str, bool]:
        return {key: bool(self.cleaned_data.get(key)) for key, _label in REVIEW_CHECKLIST}


class BookingForm(forms.ModelForm):
    class Meta:
        model = Booking
        fields = ["kind", "supplier", "reference", "starts_on", "ends_on", "details", "cost", "currency"]
        widgets = {"starts_on": date_input(), "ends_on": date_input()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["currency"].choices = settings.CURRENCIES
        self.fields["cost"].widget.attrs.update(step="0.01", min="0")
        _small(self)


class CheckInForm(forms.ModelForm):
    class Meta:
        model = CheckIn
        fields = ["location", "progress", "needs"]
        widgets = {"progress": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)


class ReportForm(forms.Form):
    visited = forms.BooleanField(label=_("Visited"), required=False, initial=True)
    visited_on = forms.DateField(label=_("Visited on"), required=False, widget=date_input())
    outcome = forms.CharField(
        label=_("Outcome"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_steps = forms.CharField(label=_("Next steps"), max_length=300, required=False)
    next_follow_up_on = forms.DateField(label=_("Next follow-up"), required=False, widget=date_input())
    important = forms.BooleanField(label=_("Important: tell the manager"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)


def report_formset(*, stops, data=None):
    FormSet = forms.formset_factory(ReportForm, extra=0)
    initial = [{"visited": True, "visited_on": stop.trip.start_on} for stop in stops]
    formset = FormSet(data=data, initial=initial, prefix="report")
    for form, stop in zip(formset.forms, stops, strict=False):
        form.stop = stop
    return formset


class VisitFilterForm(forms.Form):
    WHEN = [("upcoming", _("Upcoming")), ("past", _("Past")), ("all", _("All"))]
    when = forms.ChoiceField(label=_("When"), choices=WHEN, required=False)
    q = forms.CharField(label=_("Search"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _small(self)


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = [
            "customer", "visitors", "arrives_at", "arrival_details", "departs_on", "pickup_by", "pickup_where",
            "hotel", "programme", "attendees",
        ]  # fmt: skip
        widgets = {
            "arrives_at": forms.DateTimeInput(format="%Y-%m-%dT%H:%M", attrs={"type": "datetime-local"}),
            "departs_on": date_input(),
            "programme": forms.Textarea(attrs={"rows": 4}),
        }
        field_classes = {"customer": CompanyChoiceField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].queryset = Company.objects.visible_to(user).customers().order_by("code")
        self.fields["customer"].empty_label = _("Choose a customer")
        self.fields["customer"].widget = LookupSelect("customers:lookup", params="kind=customer")
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["arrives_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
        self.fields["attendees"].queryset = User.objects.filter(is_active=True).exclude(role="").order_by("username")
        self.fields["attendees"].widget.attrs["size"] = 6
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            Row(Column("customer", css_class="col-md-6"), Column("visitors", css_class="col-md-6")),
            Row(
                Column("arrives_at", css_class="col-md-4"),
                Column("arrival_details", css_class="col-md-5"),
                Column("departs_on", css_class="col-md-3"),
            ),
            Row(
                Column("pickup_by", css_class="col-md-4"),
                Column("pickup_where", css_class="col-md-4"),
                Column("hotel", css_class="col-md-4"),
            ),
            Row(Column("programme", css_class="col-md-8"), Column("attendees", css_class="col-md-4")),
        )
