"""core.forms.add_error: a service's ValidationError lands next to the field it names."""

from django import forms
from django.core.exceptions import ValidationError

from core.forms import add_error


class _Form(forms.Form):
    quantity = forms.IntegerField(required=False)
    quotation_number = forms.CharField(required=False)


def _bound():
    form = _Form({})
    form.is_valid()
    return form


def test_field_error_goes_to_its_field_and_unknown_to_the_top():
    form = _bound()
    add_error(form, ValidationError({"quantity": "Too many.", "elsewhere": "Not on this form."}))
    assert form.errors["quantity"] == ["Too many."]
    assert form.non_field_errors() == ["Not on this form."]


def test_plain_error_goes_to_the_top_and_renames_apply():
    form = _bound()
    add_error(form, ValidationError("Closed."))
    add_error(form, ValidationError({"quotation": "Unknown."}), renames={"quotation": "quotation_number"})
    assert form.non_field_errors() == ["Closed."]
    assert form.errors["quotation_number"] == ["Unknown."]
