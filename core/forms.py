"""Form helpers shared by every module's views."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def add_error(form, error: ValidationError, *, renames: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the field it names, or on top of the form.

    ``renames`` maps a service's field name to the form's where they differ.
    """
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            target = (renames or {}).get(name, name)
            form.add_error(target if target in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Dates a business form takes: wide enough for any real document, narrow enough that adding a
# payment term or a year never leaves Python's date range (year 9999 + 30 days is an OverflowError).
FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2100, 12, 31)


def check_date_range(value):
    """For a form's clean_<date>(): a date between 2000 and 2100 (or empty) passes through."""
    if value is not None and not FIRST_DATE <= value <= LAST_DATE:
        raise ValidationError(
            _("Enter a date between %(first)s and %(last)s.") % {"first": FIRST_DATE, "last": LAST_DATE},
            code="date_range",
        )
    return value


class DecimalField(forms.DecimalField):
    """``forms.DecimalField`` that refuses NaN and Infinity already in ``to_python``.

    Django checks finiteness only in ``validate()``; ``has_changed()`` (formsets, a field with an
    initial value) compares the raw Decimal first, and a signalling NaN ("sNaN") raises
    InvalidOperation there: a 500 instead of "Enter a number."
    """

    def to_python(self, value):
        value = super().to_python(value)
        if value is not None and not value.is_finite():
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return value


def limit_dates(form, *names: str) -> None:
    """In a form's ``__init__``: these date fields take 2000-01-01 to 2100-12-31 only."""
    for name in names:
        if name in form.fields:
            form.fields[name].validators.append(check_date_range)


# What a money column (max_digits=14, decimal_places=2) holds. A line amount (quantity × price) or
# a total is computed after the form checked each field: checked here too, so an overflow is a
# form error and never a database error (PostgreSQL refuses it; SQLite stores it anyway).
MAX_AMOUNT = Decimal("999999999999.99")


def amount_too_large(amount) -> bool:
    return amount is not None and abs(amount) > MAX_AMOUNT


def amount_too_large_error() -> ValidationError:
    return ValidationError(
        _("This amount is too large: at most %(max)s.") % {"max": "999,999,999,999.99"}, code="too_large"
    )


def check_lines_total(lines, *, amount=lambda line: line["quantity"] * line["unit_price"]) -> None:
    """For a formset's clean(): each line's amount and their sum fit a money column."""
    total = Decimal("0")
    for line in lines:
        try:
            total += amount(line)
        except TypeError:  # a blank quantity or price: the form says so on its own
            continue
    if amount_too_large(total):
        raise ValidationError(
            _("The total of the lines is too large: at most %(max)s.") % {"max": "999,999,999,999.99"},
            code="too_large",
        )
