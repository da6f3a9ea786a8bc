from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404

from ..forms import customers_for


def add_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError next to the field it names, or on top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


def visible_customer(user, pk: int):
    """A customer whose receivables the user may see, else 404."""
    return get_object_or_404(customers_for(user), pk=pk)


def require(condition: bool) -> None:
    if not condition:
        raise Http404
