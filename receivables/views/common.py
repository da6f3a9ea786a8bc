from __future__ import annotations

from django.http import Http404
from django.shortcuts import get_object_or_404

from ..forms import customers_for


def visible_customer(user, pk: int):
    """A customer whose receivables the user may see, else 404."""
    return get_object_or_404(customers_for(user), pk=pk)


def require(condition: bool) -> None:
    if not condition:
        raise Http404
