"""Company documents (许可证、证书): upload, delete, and which ones need renewing.

The file and its row are saved together or not at all: the upload is checked in full
before anything touches the disk, and the stored file is removed again when the row
cannot be saved. Files are stored under a random name and only ever sent back through
the scope-checked download view.
"""

from __future__ import annotations

import logging
import os
import uuid
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from core.uploads import safe_filename, validate_upload
from customers.models import Company, CompanyDocument

logger = logging.getLogger(__name__)

# SPEC section 3: licences and certificates expiring within 30 days.
EXPIRY_WINDOW_DAYS = 30
# Expiring this soon is urgent (warning badge); already expired is danger.
EXPIRY_WARNING_DAYS = 7


def expiry_horizon(today: date) -> date:
    return today + timedelta(days=EXPIRY_WINDOW_DAYS)


def documents_expiring(queryset: QuerySet[CompanyDocument], *, today: date) -> QuerySet[CompanyDocument]:
    """Documents expiring within the window, and those already expired, soonest first."""
    return queryset.filter(expires_on__lte=expiry_horizon(today)).order_by("expires_on", "company__code", "pk")


def document_upload(
    *,
    company: Company,
    actor: User,
    file: UploadedFile,
    kind: str,
    title: str,
    number: str = "",
    issued_on: date | None = None,
    expires_on: date | None = None,
) -> CompanyDocument:
    """Store an uploaded PDF or image for ``company``; raise ValidationError (by field) on bad input."""
    errors: dict[str, list[ValidationError]] = {}
    try:
        content_type = validate_upload(file)  # what the bytes are, not what the name says
    except ValidationError as error:
        errors["file"] = error.error_list
    if issued_on and expires_on and expires_on < issued_on:
        errors["expires_on"] = [
            ValidationError(_("The expiry date cannot be before the issue date."), code="expiry_before_issue")
        ]
    if errors:  # all of them at once, next to their fields
        raise ValidationError(errors)
    document = CompanyDocument(
        company=company,
        kind=kind,
        title=title.strip(),
        number=number.strip(),
        issued_on=issued_on,
        expires_on=expires_on,
        original_name=safe_filename(file.name or "", content_type),
        content_type=content_type,
        size=file.size,
        uploaded_by=actor,
    )
    # Everything but the file is checked before the file is written (the foreign keys
    # come from scoped objects, so no query is spent re-checking them).
    document.full_clean(exclude=["file", "company", "uploaded_by"])

    extension = os.path.splitext(document.original_name)[1]
    document.file.save(f"{uuid.uuid4().hex}{extension}", file, save=False)
    stored_name = document.file.name
    try:
        with transaction.atomic():
            document.save()
    except BaseException:
        # The row did not make it (or, as the outermost transaction, did not commit): no orphan file.
        document.file.storage.delete(stored_name)
        raise
    logger.info("document %s uploaded for company %s by %s", document.pk, company.pk, actor.pk)
    return document


@transaction.atomic
def document_delete(*, document: CompanyDocument, actor: User) -> None:
    """Delete the row, and its file once the deletion is committed (a rollback keeps both)."""
    storage, stored_name = document.file.storage, document.file.name
    pk, company_id = document.pk, document.company_id
    document.delete()
    transaction.on_commit(lambda: storage.delete(stored_name))
    logger.info("document %s of company %s deleted by %s", pk, company_id, actor.pk)
