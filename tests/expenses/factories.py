"""Helpers for expense tests: claims built through the services, small receipt files."""

from __future__ import annotations

import struct
import zlib
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from expenses import services
from expenses.models import Claim


def png_bytes(width: int = 2, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def receipt_png(name: str = "receipt.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def receipt_pdf(name: str = "receipt.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def yesterday() -> date:
    return timezone.localdate() - timedelta(days=1)


def make_claim(
    claimant,
    *,
    actor=None,
    lines=None,
    kind: str = Claim.Kind.SALES,
    purpose: str = "Customer visit",
    trip=None,
    submit: bool = False,
) -> Claim:
    """A draft (or submitted) claim; each line a dict overriding a 100.00 CNY meal with a receipt."""
    actor = actor or claimant
    claim = services.claim_create(actor=actor, claimant=claimant, kind=kind, purpose=purpose, trip=trip)
    for index, overrides in enumerate(lines if lines is not None else [{}]):
        data = {
            "date": yesterday(),
            "category": "meals",
            "amount": Decimal("100.00"),
            "currency": "CNY",
            "receipt_number": f"R{claim.pk}-{index}",
            "receipt_issuer": "上海餐饮有限公司",
        }
        data.update(overrides)
        services.line_add(claim=claim, actor=actor, **data)
    if submit:
        claim = services.claim_submit(claim=claim, actor=actor)
    return claim


def approve_path(claim: Claim, cast, *, to: str = "approved") -> Claim:
    """Move a salesperson's submitted claim of sales1/sales2 through review, approval, payment."""
    claim = services.claim_review(
        claim=claim, actor=cast.assistant2, receipts_ok=True, content_ok=True, amounts_ok=True
    )
    if to == "reviewed":
        return claim
    claim = services.claim_approve(claim=claim, actor=cast.manager1, override_reason="ok")
    if to == "approved":
        return claim
    return services.claim_pay(claim=claim, actor=cast.finance1)
