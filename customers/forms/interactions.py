from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.forms import limit_dates
from customers.models import Company, Interaction


class InteractionForm(forms.ModelForm):
    """Log a call, visit, email or meeting; the contact picker offers only this company's contacts."""

    class Meta:
        model = Interaction
        fields = ["kind", "occurred_on", "contact", "summary", "next_step", "next_step_on"]
        widgets = {
            "occurred_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "next_step_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "summary": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {"next_step": _("e.g. Send the revised quotation")}

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        limit_dates(self, "occurred_on", "next_step_on")
        self.fields["contact"].queryset = company.contacts.all()
        self.fields["contact"].empty_label = _("— nobody in particular —")
        self.fields["occurred_on"].initial = timezone.localdate()
        self.fields["summary"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(
                Column("kind", css_class="col-md-4"),
                Column("occurred_on", css_class="col-md-4"),
                Column("contact", css_class="col-md-4"),
            ),
            "summary",
            Row(Column("next_step", css_class="col-md-8"), Column("next_step_on", css_class="col-md-4")),
        )
