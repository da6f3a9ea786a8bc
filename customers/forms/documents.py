from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.utils.translation import gettext_lazy as _

from customers.models import CompanyDocument


class DocumentForm(forms.ModelForm):
    """Upload a licence, certificate or permit. The file's type, size and the dates are checked by
    ``customers.services.documents.document_upload``; its errors come back next to the fields."""

    class Meta:
        model = CompanyDocument
        fields = ["kind", "title", "number", "issued_on", "expires_on", "file"]
        widgets = {
            "issued_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "expires_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "file": forms.FileInput(attrs={"accept": "application/pdf,image/png,image/jpeg,image/gif,image/webp"}),
        }
        help_texts = {
            "title": _("e.g. Business licence 营业执照, ISO 9001 certificate"),
            "expires_on": _("Leave empty if it does not expire. You are reminded 30 days before."),
            "file": _("PDF or image (PNG, JPEG, GIF, WebP), 10 MB at most."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Stored under a random name; the original name is shortened, not refused.
        self.fields["file"].max_length = None
        self.fields["title"].widget.attrs["autofocus"] = True
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("kind", css_class="col-md-4"), Column("title", css_class="col-md-8")),
            Row(
                Column("number", css_class="col-md-4"),
                Column("issued_on", css_class="col-md-4"),
                Column("expires_on", css_class="col-md-4"),
            ),
            "file",
        )
