"""Template helpers shared by every module."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.html import format_html

register = template.Library()

CURRENCY_SYMBOLS = {"CNY": "¥", "USD": "$", "EUR": "€", "HKD": "HK$", "TWD": "NT$", "JPY": "¥", "GBP": "£"}
ZERO_DECIMAL_CURRENCIES = {"JPY", "TWD"}


@register.filter
def money(amount, currency: str) -> str:
    """``{{ inv.amount|money:inv.currency }}``: Decimal with its currency, never a bare number.

    Raises when the currency is missing, so a template cannot show an amount without one.
    """
    if not currency:
        raise ValueError("money filter needs a currency")
    if amount is None or amount == "":
        return ""
    try:
        value = Decimal(amount)
    except (InvalidOperation, TypeError) as exc:
        raise ValueError(f"money filter needs a Decimal, got {amount!r}") from exc
    places = Decimal("1") if currency in ZERO_DECIMAL_CURRENCIES else Decimal("0.01")
    value = value.quantize(places, rounding=ROUND_HALF_UP)
    return format_html('<span class="money">{}\u00a0{}</span>', currency, intcomma(value, use_l10n=False))
