from __future__ import annotations

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row, Submit
from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from customers import rules
from customers.models import Company, Contact


class CompanyForm(forms.ModelForm):
    class Meta:
        model = Company
        fields = [
            "kind", "code", "name", "name_en", "short_name", "grade", "owner", "region", "address", "industry",
            "source", "currency", "payment_terms", "payment_days", "settlement_method", "credit_limit", "tax_id",
            "bank_name", "bank_account", "invoice_address", "follow_up_days",
        ]  # fmt: skip

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        creating = self.instance.pk is None
        if creating and (user.is_manager or user.is_superuser):
            self.fields["owner"].queryset = rules.owner_choices(user)
        else:
            # A salesperson owns what they create; moving a company is the transfer action.
            del self.fields["owner"]
        self.fields["name"].widget.attrs["autofocus"] = True
        # The tax id is checked by the model validator after clean_tax_id normalised it
        # ("91310000 mA1fl2x4 3q" is a valid code typed with spaces and lower case).
        self.fields["tax_id"].validators = []
        self.fields["credit_limit"].widget.attrs["step"] = "0.01"
        self.helper = FormHelper()
        self.helper.form_tag = False
        owner = Column("owner", css_class="col-md-3") if "owner" in self.fields else Column(css_class="col-md-3")
        basics = [
            Row(Column("kind", css_class="col-md-3"), Column("code", css_class="col-md-3"),
                Column("grade", css_class="col-md-3"), owner),
            Row(Column("name", css_class="col-md-6"), Column("name_en", css_class="col-md-6")),
            Row(Column("short_name", css_class="col-md-3"), Column("region", css_class="col-md-3"),
                Column("industry", css_class="col-md-3"), Column("source", css_class="col-md-3")),
            "address",
        ]  # fmt: skip
        self.helper.layout = Layout(
            Fieldset(_("Company"), *basics),
            Fieldset(
                _("Trading terms"),
                Row(
                    Column("currency", css_class="col-md-3"),
                    Column("settlement_method", css_class="col-md-3"),
                    Column("payment_days", css_class="col-md-3"),
                    Column("credit_limit", css_class="col-md-3"),
                ),
                "payment_terms",
            ),  # fmt: skip
            Fieldset(
                _("Invoicing information"),
                Row(
                    Column("tax_id", css_class="col-md-4"),
                    Column("bank_name", css_class="col-md-4"),
                    Column("bank_account", css_class="col-md-4"),
                ),
                "invoice_address",
            ),  # fmt: skip
            Fieldset(_("Follow-up"), Row(Column("follow_up_days", css_class="col-md-4"))),
        )

    def clean_code(self) -> str:
        return self.cleaned_data["code"].strip().upper()

    def clean_tax_id(self) -> str:
        value = self.cleaned_data.get("tax_id", "")
        return value.replace(" ", "").upper()


class CompanyFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False, choices=[("", _("All kinds")), *Company.Kind.choices])
    grade = forms.ChoiceField(label=_("Grade"), required=False, choices=[("", _("All grades")), *Company.Grade.choices])
    owner = forms.ModelChoiceField(
        label=_("Owner"), required=False, queryset=User.objects.none(), empty_label=_("All owners")
    )
    region = forms.CharField(label=_("Region"), required=False)
    follow_up = forms.ChoiceField(
        label=_("Follow-up"), required=False, choices=[("", _("Any")), ("due", _("Call due"))]
    )

    def __init__(self, *args, owners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"


class AssignForm(forms.Form):
    assistant = forms.ModelChoiceField(label=_("Assistant"), queryset=User.objects.none())

    def __init__(self, *args, company: Company, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assistant"].queryset = rules.assignable_assistants(company).exclude(
            company_assignments__company=company
        )


class TransferForm(forms.Form):
    new_owner = forms.ModelChoiceField(label=_("New owner"), queryset=User.objects.none())
    reason = forms.CharField(label=_("Reason"), max_length=300, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, company: Company, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].queryset = rules.owner_choices(user).exclude(pk=company.owner_id)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Move the company")))


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "title", "phone", "mobile", "email", "is_primary", "is_billing", "notes"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("name", css_class="col-md-6"), Column("title", css_class="col-md-6")),
            Row(Column("phone", css_class="col-md-4"), Column("mobile", css_class="col-md-4"),
                Column("email", css_class="col-md-4")),
            Row(Column("is_primary", css_class="col-md-6"), Column("is_billing", css_class="col-md-6")),
            "notes",
        )  # fmt: skip

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("phone") or cleaned.get("mobile") or cleaned.get("email")):
            raise forms.ValidationError(_("Give at least a phone, a mobile or an email address."))
        if cleaned.get("is_billing") and not cleaned.get("email"):
            self.add_error("email", _("The billing contact needs an email address: statements and reminders go there."))
        return cleaned
