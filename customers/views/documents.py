"""Company documents: upload, download, delete, and the list of those to renew.

Every URL fetches through ``visible_to(user)``: a document or company outside the user's
scope is a 404. Files are never served from a media URL, only by the download view.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import DeleteView, FormView, ListView
from django.views.generic.detail import SingleObjectMixin

from core.exports import DATE_FORMAT, Column
from core.list_exports import ListExportMixin
from core.mixins import ScopedMixin
from core.uploads import file_response, safe_filename
from customers.forms.documents import DocumentForm
from customers.models import Company, CompanyDocument
from customers.services.documents import (
    EXPIRY_WARNING_DAYS,
    EXPIRY_WINDOW_DAYS,
    document_delete,
    document_upload,
    documents_expiring,
)


class DocumentUploadView(ScopedMixin, SingleObjectMixin, FormView):
    model = Company
    context_object_name = "company"
    form_class = DocumentForm
    template_name = "customers/document_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.object = self.get_object()  # outside scope: 404
        return super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        try:
            document = document_upload(company=self.object, actor=self.request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
            return self.form_invalid(form)
        messages.success(self.request, _("%(title)s was uploaded.") % {"title": document.title})
        return redirect(document)


class DocumentDownloadView(ScopedMixin, SingleObjectMixin, View):
    model = CompanyDocument

    def get(self, request, pk):
        document = self.get_object()  # outside scope: 404
        try:
            return file_response(
                document.file,
                filename=safe_filename(document.original_name, document.content_type),
                content_type=document.content_type,
            )
        except FileNotFoundError as error:
            raise Http404(_("The file of this document is missing.")) from error


class DocumentDeleteView(ScopedMixin, DeleteView):
    model = CompanyDocument
    http_method_names = ["post"]

    def form_valid(self, form):
        document = self.object
        url, title = document.get_absolute_url(), document.title
        document_delete(document=document, actor=self.request.user)
        messages.success(self.request, _("%(title)s was deleted.") % {"title": title})
        return redirect(url)


class ExpiringDocumentListView(ScopedMixin, ListView):
    """Documents of the user's companies expiring within 30 days or already expired, soonest first."""

    model = CompanyDocument
    template_name = "customers/document_expiring.html"
    context_object_name = "documents"
    paginate_by = 50

    def get_queryset(self):
        self.today = timezone.localdate()
        self.status = self.request.GET.get("status", "")
        queryset = documents_expiring(super().get_queryset(), today=self.today)
        if self.status == "expired":
            queryset = queryset.filter(expires_on__lt=self.today)
        elif self.status == "soon":
            queryset = queryset.filter(
                expires_on__gte=self.today, expires_on__lte=self.today + timedelta(days=EXPIRY_WARNING_DAYS)
            )
        return queryset.select_related("company", "company__owner")

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            **kwargs,
            today=self.today,
            status=self.status,
            window_days=EXPIRY_WINDOW_DAYS,
            warning_days=EXPIRY_WARNING_DAYS,
        )


class ExpiringDocumentExportView(ListExportMixin, ExpiringDocumentListView):
    """The expiring documents as Excel: same scope, the same status choice and order."""

    export_title = gettext_lazy("Expiring documents")
    export_name = "expiring-documents"

    def export_columns(self):
        return [
            Column(_("Expires on"), lambda d: d.expires_on, 12, DATE_FORMAT),
            Column(_("Code"), lambda d: d.company.code, 12),
            Column(_("Company"), lambda d: d.company.name, 32),
            Column(_("Owner"), lambda d: d.company.owner, 16),
            Column(_("Kind"), lambda d: d.get_kind_display(), 14),
            Column(_("Title"), lambda d: d.title, 30),
            Column(_("Number"), lambda d: d.number, 16),
            Column(_("Issued on"), lambda d: d.issued_on, 12, DATE_FORMAT),
            Column(_("Days left"), lambda d: (d.expires_on - self.today).days if d.expires_on else None, 10, "0"),
        ]
