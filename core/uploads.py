"""Uploaded files: type sniffed from the content, size limited, name sanitised, and served
only through a view that has already checked the record is in the user's scope."""

from __future__ import annotations

import mimetypes
import os
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024

# (magic prefix, content type, extension). What the file is, not what its name claims.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
]
PDF_OR_IMAGE = {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp"}


def sniff_content_type(head: bytes) -> str | None:
    for magic, content_type, _ext in SIGNATURES:
        if head.startswith(magic):
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


def validate_upload(uploaded, *, allowed: set[str] = PDF_OR_IMAGE, max_bytes: int = MAX_UPLOAD_BYTES) -> str:
    """Return the sniffed content type, or raise a ValidationError the form shows."""
    if uploaded.size > max_bytes:
        raise ValidationError(
            _("The file is %(size)s MB; the limit is %(limit)s MB."),
            code="file_size",
            params={"size": f"{uploaded.size / 1024 / 1024:.1f}", "limit": max_bytes // 1024 // 1024},
        )
    if uploaded.size == 0:
        raise ValidationError(_("The file is empty."), code="file_empty")
    position = uploaded.tell() if hasattr(uploaded, "tell") else 0
    uploaded.seek(0)
    head = uploaded.read(16)
    uploaded.seek(position)
    content_type = sniff_content_type(head)
    if content_type not in allowed:
        raise ValidationError(_("Only PDF files and images (PNG, JPEG, GIF, WebP) can be uploaded."), code="file_type")
    return content_type


def safe_filename(name: str, content_type: str | None = None) -> str:
    """A file name safe to store and to send back: no path, no control characters."""
    name = unicodedata.normalize("NFKC", os.path.basename(name.replace("\\", "/")))
    name = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]+", "_", name).strip(" .")
    stem, ext = os.path.splitext(name)
    stem = stem[:80] or "file"
    if content_type:
        expected = {ct: e for _m, ct, e in SIGNATURES} | {"image/webp": ".webp"}
        if content_type in expected and ext.lower() not in {expected[content_type], ".jpeg"}:
            ext = expected[content_type]
    return f"{stem}{ext.lower()[:10]}"


def file_response(field_file, *, filename: str, content_type: str | None = None, inline: bool = False) -> FileResponse:
    content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(
        field_file.open("rb"), as_attachment=not inline, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    if content_type == "application/pdf":
        response._csp_exempt = True  # as core.pdf.pdf_response: Chrome's PDF viewer needs it
    return response
