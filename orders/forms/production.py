"""Forms of production follow-up: the milestone plan, the QC checklist, abnormal orders and their filters."""

from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Field, Fieldset, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scope import visible_salespersons
from core.filters import add_range_fields, clean_range
from core.forms import limit_dates
from core.months import parse_month
from orders.models import AbnormalOrder, Milestone, Order, QualityCheck

DATE_WIDGET = {"type": "date"}


def date_field(label, **kw) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, widget=forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET), **kw
    )


class MilestonePlanForm(forms.Form):
    """All five milestones edited together: ``<kind>_planned``, ``<kind>_actual``, ``<kind>_note``."""

    def __init__(self, *args, order: Order, **kwargs):
        existing = {m.kind: m for m in order.milestones.all()}
        initial = kwargs.pop("initial", None) or {}
        for kind, m in existing.items():
            initial.setdefault(f"{kind}_planned", m.planned_on)
            initial.setdefault(f"{kind}_actual", m.actual_on)
            initial.setdefault(f"{kind}_note", m.note)
        super().__init__(*args, initial=initial, **kwargs)
        self.order = order
        for kind, label in Milestone.Kind.choices:
            self.fields[f"{kind}_planned"] = date_field(_("%(milestone)s: planned") % {"milestone": label})
            self.fields[f"{kind}_actual"] = date_field(_("%(milestone)s: done on") % {"milestone": label})
            self.fields[f"{kind}_note"] = forms.CharField(
                label=_("%(milestone)s: note") % {"milestone": label}, required=False, max_length=300
            )
            for suffix in ("planned", "actual", "note"):
                widget = self.fields[f"{kind}_{suffix}"].widget
                widget.attrs.update({"class": "form-control form-control-sm"})
            self.fields[f"{kind}_actual"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"

    def rows(self):
        """(kind, label, planned, actual, note) bound fields, for the table in the template."""
        return [
            (kind, label, self[f"{kind}_planned"], self[f"{kind}_actual"], self[f"{kind}_note"])
            for kind, label in Milestone.Kind.choices
        ]

    def clean(self):
        data = super().clean()
        today = timezone.localdate()
        for kind, _label in Milestone.Kind.choices:
            planned, actual, note = (data.get(f"{kind}_{s}") for s in ("planned", "actual", "note"))
            if actual and actual > today:
                self.add_error(f"{kind}_actual", _("The actual date cannot be in the future."))
            if not planned and (actual or note):
                self.add_error(f"{kind}_planned", _("Give the planned date of this milestone."))
        return data

    def milestone_rows(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "kind": kind,
                "planned_on": data.get(f"{kind}_planned"),
                "actual_on": data.get(f"{kind}_actual"),
                "note": data.get(f"{kind}_note") or "",
            }
            for kind in Milestone.Kind.values
        ]


class QualityCheckForm(forms.ModelForm):
    """The QC checklist of seed 001: tick what passed; what is not ticked failed."""

    open_abnormal = forms.BooleanField(
        label=_("If an item failed, record an abnormal order (quality) next"),
        required=False,
        initial=True,
    )

    class Meta:
        model = QualityCheck
        fields = ["checked_on", *QualityCheck.ITEMS, "note"]
        widgets = {
            "checked_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
            "note": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["checked_on"].widget.attrs["max"] = f"{timezone.localdate():%Y-%m-%d}"
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("checked_on", css_class="col-md-4")),
            Fieldset(
                _("Checklist"),
                Row(*[Column(Field(item), css_class="col-sm-6 col-lg-3") for item in QualityCheck.ITEMS]),
            ),
            Field("note"),
            Field("open_abnormal"),
        )

    def clean_checked_on(self):
        value = self.cleaned_data["checked_on"]
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The check date cannot be in the future."), code="future")
        return value


class AbnormalForm(forms.ModelForm):
    class Meta:
        model = AbnormalOrder
        fields = ["kind", "reported_on", "cause", "action", "cost", "currency", "resolved_on"]
        widgets = {
            "reported_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
            "resolved_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET),
            "cause": forms.Textarea(attrs={"rows": 3}),
            "action": forms.Textarea(attrs={"rows": 3}),
        }
        help_texts = {
            "cost": _("What the problem cost: rework, air freight, discount, penalty."),
            "resolved_on": _("Leave empty while it is still open."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Choose a kind")), *AbnormalOrder.Kind.choices]
        today = f"{timezone.localdate():%Y-%m-%d}"
        self.fields["reported_on"].widget.attrs["max"] = today
        self.fields["resolved_on"].widget.attrs["max"] = today
        limit_dates(self, "reported_on", "resolved_on")
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("kind", css_class="col-md-4"), Column("reported_on", css_class="col-md-4")),
            Field("cause"),
            Field("action"),
            Row(
                Column("cost", css_class="col-md-4"),
                Column("currency", css_class="col-md-2"),
                Column("resolved_on", css_class="col-md-4"),
            ),
        )


class AbnormalFilterForm(forms.Form):
    """The abnormal-order list's filters, read from the query string; invalid values are ignored."""

    STATUS_CHOICES = [("", _("Open and resolved")), ("open", _("Open")), ("resolved", _("Resolved"))]

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Order number, PO, customer")}),
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All kinds")), *AbnormalOrder.Kind.choices]
    )
    month = forms.CharField(label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    salesperson = forms.ModelChoiceField(label=_("Salesperson"), required=False, queryset=None, empty_label=_("All"))
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_CHOICES)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only salespersons whose records the user may see, by role (nobody else's name leaks),
        # without scanning the orders themselves (0.1 s for an assistant at scale 100).
        self.fields["salesperson"].queryset = visible_salespersons(user).order_by("username")
        add_range_fields(self, user)
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
