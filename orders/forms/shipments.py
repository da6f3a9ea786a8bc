"""Forms for shipments: prepare (header + one quantity per order line), check, list filters."""

from __future__ import annotations

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import limit_dates
from core.months import parse_month
from orders.models import Shipment
from orders.services.shipments import quantity_field

DATE_WIDGET = {"type": "date"}


class ShipmentForm(forms.ModelForm):
    """The shipment's header fields plus ``qty_<line id>`` for each order line.

    ``lines`` are the order's lines, each with ``open_quantity_now`` (ordered − shipped −
    awaiting check); the form refuses more than that next to the row, the service again.
    """

    class Meta:
        model = Shipment
        fields = ["shipped_on", "carrier", "tracking_number", "customs_declaration", "lc_reference", "note"]
        widgets = {"shipped_on": forms.DateInput(format="%Y-%m-%d", attrs=DATE_WIDGET)}
        help_texts = {
            "tracking_number": _("Courier tracking number, or the bill of lading (提单) number for sea freight."),
            "lc_reference": _("When the order is paid by letter of credit."),
        }

    def __init__(self, *args, lines, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "shipped_on")
        self.lines = lines
        for line in lines:
            self.fields[quantity_field(line.pk)] = forms.DecimalField(
                label=str(line.product),
                required=False,
                min_value=Decimal("0"),
                max_digits=12,
                decimal_places=3,
                initial=_plain(line.open_quantity_now),
                widget=forms.NumberInput(
                    attrs={"step": "any", "min": "0", "class": "form-control form-control-sm text-end qty-input"}
                ),
            )
            line.qty_field_name = quantity_field(line.pk)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Fieldset(
                _("Shipment"),
                Row(Column("shipped_on", css_class="col-md-3"), Column("carrier", css_class="col-md-5")),
                Row(
                    Column("tracking_number", css_class="col-md-4"),
                    Column("customs_declaration", css_class="col-md-4"),
                    Column("lc_reference", css_class="col-md-4"),
                ),
                "note",
            )
        )

    def quantity_rows(self):
        """(line, bound field) for the lines table of the template."""
        return [(line, self[quantity_field(line.pk)]) for line in self.lines]

    def quantities(self) -> dict[int, Decimal]:
        return {line.pk: self.cleaned_data.get(quantity_field(line.pk)) or Decimal("0") for line in self.lines}

    def clean(self):
        cleaned = super().clean()
        any_quantity = False
        for line in self.lines:
            name = quantity_field(line.pk)
            value = cleaned.get(name)
            if value is None:
                continue
            if value > line.open_quantity_now:
                self.add_error(
                    name,
                    _("Only %(open)s %(unit)s of this line are still open to ship.")
                    % {"open": _plain(line.open_quantity_now), "unit": line.product.get_unit_display()},
                )
            elif value > 0:
                any_quantity = True
        if not any_quantity and not any(quantity_field(line.pk) in self.errors for line in self.lines):
            raise forms.ValidationError(_("Enter a quantity to ship on at least one line."), code="empty")
        return cleaned


class ShipmentCheckForm(forms.Form):
    action = forms.ChoiceField(choices=[("check", _("Check and confirm")), ("cancel", _("Cancel shipment"))])
    comment = forms.CharField(label=_("Comment"), required=False, max_length=100)


STATUS_FILTER_CHOICES = [
    ("", _("All statuses")),
    (Shipment.Status.PREPARED, _("Awaiting check")),
    (Shipment.Status.CHECKED, _("Checked")),
]


class ShipmentFilterForm(forms.Form):
    """The list's filters, read from the query string; invalid values are ignored."""

    q = forms.CharField(
        label=_("Search"),
        required=False,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Shipment, order, PO or tracking number, customer")}
        ),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUS_FILTER_CHOICES)
    month = forms.CharField(label=_("Month"), required=False, widget=forms.TextInput(attrs={"type": "month"}))
    carrier = forms.CharField(label=_("Carrier"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
            elif isinstance(f, forms.ChoiceField):
                shown = str(dict(f.choices).get(value, value))
            else:
                shown = str(value)
            chips.append((str(f.label), shown))
        return chips


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text
