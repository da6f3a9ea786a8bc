"""Forms for complaints and satisfaction surveys: pickers scoped to the user, crispy layouts."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.scope import visible_salespersons
from core.filters import add_range_fields, clean_range
from core.months import parse_month
from core.widgets import LookupSelect
from customers.models import Company, Complaint, SatisfactionSurvey
from customers.services.complaints import allowed_statuses, handler_choices

DATE_WIDGET = {"type": "date"}


class HandlerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj} · {obj.get_role_display()}" if obj.role else str(obj)


class ComplaintForm(forms.ModelForm):
    """Record a complaint: the customer picker offers only the user's customers."""

    handler = HandlerChoiceField(
        queryset=None,
        required=False,
        label=_("Handler"),
        help_text=_("Who follows the complaint up; they must work on this customer."),
    )

    class Meta:
        model = Complaint
        fields = ["company", "received_on", "channel", "category", "severity", "product", "description", "handler"]
        widgets = {
            "received_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
            "description": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "product": _("Product name, SKU or order the complaint is about, when there is one."),
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if "company" in self.fields:
            self.fields["company"].queryset = Company.objects.visible_to(user).customers().order_by("code")
            self.fields["company"].empty_label = _("Choose a customer")
            # Thousands of customers: type-ahead instead of one huge <select>.
            self.fields["company"].widget = LookupSelect("customers:lookup", params="kind=customer")
            self.fields["company"].widget.choices = self.fields["company"].choices
        self.fields["handler"].queryset = handler_choices()
        self.fields["handler"].empty_label = _("Nobody yet")
        self.fields["category"].choices = [("", _("Choose a category"))] + list(Complaint.Category.choices)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(*self.layout_fields())

    def layout_fields(self):
        first_row = [Column("received_on", css_class="col-md-3"), Column("channel", css_class="col-md-3")]
        if "company" in self.fields:
            first_row.insert(0, Column("company", css_class="col-md-6"))
        return [
            Fieldset(
                _("Complaint"),
                Row(*first_row),
                Row(
                    Column("category", css_class="col-md-3"),
                    Column("severity", css_class="col-md-3"),
                    Column("product", css_class="col-md-6"),
                ),
                Field("description"),
                Row(Column("handler", css_class="col-md-6")),
            )
        ]


class ComplaintUpdateForm(ComplaintForm):
    """Edit a complaint and move it along: status choices are only the steps allowed now."""

    class Meta(ComplaintForm.Meta):
        fields = [
            "received_on",
            "channel",
            "category",
            "severity",
            "product",
            "description",
            "handler",
            "status",
            "resolution",
            "closed_on",
        ]
        widgets = {
            **ComplaintForm.Meta.widgets,
            "closed_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
            "resolution": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            **ComplaintForm.Meta.help_texts,
            "resolution": _("Required to resolve or close the complaint."),
            "closed_on": _("Only for a closed complaint; today when left empty."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = self.instance.status
        allowed = {current, *allowed_statuses(current)}
        self.fields["status"].choices = [(v, label) for v, label in Complaint.Status.choices if v in allowed]

    def layout_fields(self):
        return [
            *super().layout_fields(),
            Fieldset(
                _("Handling"),
                Row(Column("status", css_class="col-md-4"), Column("closed_on", css_class="col-md-4")),
                Field("resolution"),
            ),
        ]


class ComplaintFilterForm(forms.Form):
    """The list's filters, read from the query string; invalid values are ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Number, customer, product, text")}),
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("All categories")), *Complaint.Category.choices]
    )
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[("", _("All severities")), *Complaint.Severity.choices]
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All statuses")), *Complaint.Status.choices]
    )
    month = forms.CharField(label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    company = forms.ModelChoiceField(
        label=_("Customer"),
        required=False,
        queryset=None,
        empty_label=_("All customers"),
        widget=LookupSelect("customers:lookup", params="kind=customer"),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["company"].queryset = Company.objects.visible_to(user).order_by("code")
        add_range_fields(self, user)
        # The dashboard's drill-down for one salesperson: their customers' complaints (hidden, as the team).
        self.fields["salesperson"] = forms.ModelChoiceField(
            label=_("Salesperson"), required=False, queryset=visible_salespersons(user), widget=forms.HiddenInput
        )
        for name, f in self.fields.items():
            css = "form-select form-select-sm" if isinstance(f.widget, forms.Select) else "form-control form-control-sm"
            f.widget.attrs.setdefault("class", css)
            f.widget.attrs.setdefault("aria-label", str(f.label))
            f.widget.attrs.setdefault("id", f"filter-{name}")

    def clean_month(self):
        value = self.cleaned_data.get("month")
        if value and parse_month(value) is None:
            raise forms.ValidationError(_("Enter a month as YYYY-MM."), code="month")
        return parse_month(value)

    def clean(self):
        data = super().clean()
        clean_range(self)
        return data

    def applied(self) -> list[tuple[str, str]]:
        """(label, value) of each filter in force, for the chips above the table."""
        if not self.is_bound or not hasattr(self, "cleaned_data"):
            return []
        chips = []
        for name, f in self.fields.items():
            value = self.cleaned_data.get(name)
            if not value:
                continue
            if name == "month":
                shown = f"{value:%Y-%m}"
            elif isinstance(f, forms.ChoiceField) and not isinstance(f, forms.ModelChoiceField):
                shown = str(dict(f.choices).get(value, value))
            else:
                shown = str(value)
            chips.append((str(f.label), shown))
        return chips


SCORE_CHOICES = [
    (1, _("1 · very dissatisfied")),
    (2, _("2 · dissatisfied")),
    (3, _("3 · neutral")),
    (4, _("4 · satisfied")),
    (5, _("5 · very satisfied")),
]


class SurveyForm(forms.ModelForm):
    """A customer's score for a month: the month input is normalised to its first day."""

    period = forms.DateField(
        label=_("Month surveyed"),
        input_formats=["%Y-%m", "%Y-%m-%d"],
        widget=forms.DateInput(format="%Y-%m", attrs={"type": "month"}),
        help_text=_("One survey per customer and month."),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )
    score = forms.TypedChoiceField(
        label=_("Score"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose a score from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )

    class Meta:
        model = SatisfactionSurvey
        fields = ["period", "score", "comments"]
        widgets = {"comments": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("period", css_class="col-md-4")),
            # Stacked radios: crispy-bootstrap5 hides the error text of inline ones.
            Field("score"),
            Field("comments"),
        )

    def clean_period(self):
        period = self.cleaned_data["period"]
        return period.replace(day=1) if period else period
