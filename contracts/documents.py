"""The contract PDF's context: amounts in figures and in words (大写金额 for CNY)."""

from __future__ import annotations

from decimal import Decimal

import cn2an
from django.conf import settings

from .models import Contract


def amount_in_chinese(amount: Decimal) -> str:
    """壹拾贰万叁仟肆佰伍拾陆元柒角捌分 for 123456.78 (cn2an's RMB mode)."""
    return cn2an.an2cn(str(Decimal(amount).quantize(Decimal("0.01"))), "rmb")


def contract_pdf_context(contract: Contract) -> dict:
    lines = list(contract.lines.select_related("product"))
    # Words only for CNY: no library for English amounts in words is pinned, so other
    # currencies show figures only.
    words_cn = amount_in_chinese(contract.amount) if contract.currency == "CNY" else ""
    return {
        "contract": contract,
        "lines": lines,
        "amount_words_cn": words_cn,
        "company_address": getattr(settings, "COMPANY_ADDRESS", ""),
        "company_name_en": getattr(settings, "COMPANY_NAME_EN", ""),
        "amendment": contract.amendments.order_by("-number").first() if contract.amendment_count else None,
    }
