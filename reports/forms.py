"""Weekly report forms: the report text, its opportunity lines (a formset), the list filters."""

from __future__ import annotations

from datetime import timedelta

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import visible_salespersons
from core.widgets import LookupSelect
from customers.models import Company

from .models import Stage, WeeklyReport, parse_week, week_label, week_start
from .services import OpportunityData, writable_salespersons

SMALL = {"class": "form-control form-control-sm"}


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return str(obj)


class WeekField(forms.CharField):
    """An ISO week ("2026-W47", the browser's week input) or any date of it → its Monday."""

    widget = forms.TextInput(attrs={"type": "week"})

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        week = parse_week(value)
        if week is None:
            raise forms.ValidationError(_("Enter a week as 2026-W47."))
        return week

    def prepare_value(self, value):
        if hasattr(value, "isocalendar"):
            return week_label(value)
        return value


class WeeklyReportForm(forms.ModelForm):
    salesperson = PersonChoiceField(queryset=None, label=_("Salesperson"))
    week = WeekField(label=_("Week"), help_text=_("The week the report covers; it is due the next Monday at 10:30."))

    class Meta:
        model = WeeklyReport
        fields = ["salesperson", "week", "visit_count", "visits", "orders", "problems", "next_week_plan"]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3}) for name in ("visits", "orders", "problems", "next_week_plan")
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if self.instance.pk:
            del self.fields["salesperson"]
            del self.fields["week"]
        else:
            self.fields["salesperson"].queryset = writable_salespersons(user).order_by("display_name", "username")
            if user.role == "salesperson":
                self.fields["salesperson"].widget = forms.HiddenInput()
        self.helper = FormHelper()
        self.helper.form_tag = False
        head = []
        if "salesperson" in self.fields and user.role != "salesperson":
            head.append(Column("salesperson", css_class="col-md-4"))
        if "week" in self.fields:
            head.append(Column("week", css_class="col-md-4"))
        head.append(Column("visit_count", css_class="col-md-4"))
        hidden = ["salesperson"] if "salesperson" in self.fields and user.role == "salesperson" else []
        self.helper.layout = Layout(
            *hidden,
            Fieldset(
                _("This week"),
                Row(*head),
                Row(Column("visits", css_class="col-md-6"), Column("orders", css_class="col-md-6")),
                Row(Column("problems", css_class="col-md-6"), Column("next_week_plan", css_class="col-md-6")),
            ),
        )

    def clean_week(self):
        week = self.cleaned_data.get("week")
        if week and week > week_start(timezone.localdate()):
            raise forms.ValidationError(_("A weekly report cannot be written for a future week."))
        return week


class OpportunityForm(forms.Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput())
    customer = forms.ModelChoiceField(queryset=None, label=_("Customer"))
    description = forms.CharField(label=_("Description"), max_length=200)
    stage = forms.ChoiceField(label=_("Stage"), choices=Stage.choices, initial=Stage.LEAD)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2, min_value=0)
    currency = forms.ChoiceField(label=_("Currency"), choices=settings.CURRENCIES, initial=settings.BASE_CURRENCY)
    probability = forms.IntegerField(label=_("Probability %"), min_value=0, max_value=100)

    def __init__(self, *args, user, salesperson_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        customers = Company.objects.visible_to(user).customers().order_by("code")
        params = "kind=customer"
        if salesperson_id:
            customers = customers.filter(owner_id=salesperson_id)
            params += f"&owner={salesperson_id}"
        self.fields["customer"].queryset = customers
        self.fields["customer"].empty_label = _("Choose a customer")
        self.fields["customer"].widget = LookupSelect("customers:lookup", params=params)
        self.fields["customer"].widget.choices = self.fields["customer"].choices
        self.fields["customer"].widget.attrs.update({"class": "form-select form-select-sm"})
        self.fields["stage"].widget.attrs.update({"class": "form-select form-select-sm"})
        self.fields["currency"].widget.attrs.update({"class": "form-select form-select-sm"})
        self.fields["description"].widget.attrs.update(SMALL)
        for name in ("amount", "probability"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm text-end"})
        self.fields["amount"].widget.attrs["step"] = "0.01"


class BaseOpportunityFormSet(forms.BaseFormSet):
    def __init__(self, *args, user, salesperson_id=None, **kwargs):
        self.user, self.salesperson_id = user, salesperson_id
        super().__init__(*args, **kwargs)

    def get_form_kwargs(self, index):
        return {**super().get_form_kwargs(index), "user": self.user, "salesperson_id": self.salesperson_id}

    @property
    def empty_form(self):
        form = self.form(
            auto_id=self.auto_id,
            prefix=self.add_prefix("__prefix__"),
            empty_permitted=True,
            use_required_attribute=False,
            user=self.user,
            salesperson_id=self.salesperson_id,
        )
        self.add_fields(form, None)
        return form

    def lines(self) -> list[OpportunityData]:
        return [
            OpportunityData(**{k: form.cleaned_data[k] for k in OpportunityData.__dataclass_fields__})
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("customer")
        ]

    def replaced_ids(self) -> list[int]:
        """Every line shown in the form is replaced by what was posted (kept, edited or removed)."""
        return [form.cleaned_data["id"] for form in self.forms if form.cleaned_data and form.cleaned_data.get("id")]


OpportunityFormSet = forms.formset_factory(
    OpportunityForm, formset=BaseOpportunityFormSet, extra=0, can_delete=True, max_num=50, validate_max=True
)


def opportunity_initial(opportunities) -> list[dict]:
    return [
        {"id": o.pk, "customer": o.customer_id, "description": o.description, "stage": o.stage,
         "amount": o.amount, "currency": o.currency, "probability": o.probability}
        for o in opportunities
    ]  # fmt: skip


class ReportFilterForm(forms.Form):
    week = WeekField(label=_("Week"), required=False)
    salesperson = PersonChoiceField(queryset=None, label=_("Salesperson"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *WeeklyReport.Status.choices, ("late", _("Late"))]
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["salesperson"].queryset = visible_salespersons(user).order_by("display_name", "username")
        self.fields["salesperson"].empty_label = _("All salespersons")
        for field in self.fields.values():
            css = (
                "form-select form-select-sm"
                if isinstance(field.widget, forms.Select)
                else "form-control form-control-sm"
            )
            field.widget.attrs.setdefault("class", css)

    def applied(self) -> list[tuple[str, str]]:
        data = getattr(self, "cleaned_data", {}) or {}
        out = []
        if data.get("week"):
            out.append((str(self.fields["week"].label), week_label(data["week"])))
        if data.get("salesperson"):
            out.append((str(self.fields["salesperson"].label), str(data["salesperson"])))
        if data.get("status"):
            out.append((str(self.fields["status"].label), dict(self.fields["status"].choices)[data["status"]]))
        return out


def previous_weeks(today, count: int = 8) -> list:
    this_week = week_start(today)
    return [this_week - timedelta(days=7 * i) for i in range(count)]
