"""Company documents: upload checks, scoped download and delete, the expiring list and the company tab."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from customers.models import CompanyDocument
from customers.services.documents import document_delete, document_upload

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
TODAY = date(2026, 12, 1)
FROZEN = time_machine.travel("2026-12-01 10:00:00+08:00", tick=False)

ROLES = ["sales1", "assistant1", "assistant2", "manager1", "manager2", "gm", "sales3", "assistant3", "finance1"]
# Who sees each cast company (SPEC section 1, accounts/scope.py).
VISIBLE = {
    "customer_of_assistant1": {"sales1", "assistant1", "manager1", "gm"},
    "customer_of_assistant2": {"sales1", "assistant2", "manager1", "gm"},
    "customer_of_sales3": {"sales3", "assistant3", "manager2", "gm"},
}
SCOPE_CASES = [(who, company, who in seen) for company, seen in VISIBLE.items() for who in ROLES]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files() -> list[Path]:
    root = Path(django_settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name="licence.pdf", content=PDF, content_type="application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def make_document(company, *, title="Business licence", expires_on=None, name="licence.pdf", content=PDF):
    return document_upload(
        company=company, actor=company.owner, file=upload(name, content), kind="licence", title=title,
        expires_on=expires_on,
    )  # fmt: skip


def form_data(**overrides):
    data = {"kind": "licence", "title": "营业执照 Business licence", "number": "91310000MA1FL2X43Q",
            "issued_on": "2024-01-01", "expires_on": "2027-01-01", "file": upload()}  # fmt: skip
    data.update(overrides)
    return data


# --- scope: every URL, every role --------------------------------------------------------------


@pytest.mark.parametrize("who, company_name, visible", SCOPE_CASES)
def test_upload_page_in_scope_or_404(client, cast, who, company_name, visible):
    company = getattr(cast, company_name)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:document-upload", args=[company.pk]))
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize("who, company_name, visible", SCOPE_CASES)
def test_upload_post_in_scope_or_404_and_nothing_saved(client, cast, who, company_name, visible):
    company = getattr(cast, company_name)
    user = getattr(cast, who)
    client.force_login(user)
    response = client.post(reverse("customers:document-upload", args=[company.pk]), form_data())
    if visible:
        assert response.status_code == 302
        document = CompanyDocument.objects.get()
        assert response["Location"] == reverse("customers:detail", args=[company.pk]) + "#documents"
        assert (document.company, document.uploaded_by, document.size) == (company, user, len(PDF))
        assert document.content_type == "application/pdf"
        assert len(stored_files()) == 1
    else:
        assert response.status_code == 404
        assert not CompanyDocument.objects.exists()
        assert stored_files() == []


@pytest.mark.parametrize("who, company_name, visible", SCOPE_CASES)
def test_download_in_scope_or_404(client, cast, who, company_name, visible):
    document = make_document(getattr(cast, company_name))
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:document-download", args=[document.pk]))
    assert response.status_code == (200 if visible else 404)


@pytest.mark.parametrize("who, company_name, visible", SCOPE_CASES)
def test_delete_in_scope_or_404(client, cast, who, company_name, visible, django_capture_on_commit_callbacks):
    document = make_document(getattr(cast, company_name))
    client.force_login(getattr(cast, who))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("customers:document-delete", args=[document.pk]))
    if visible:
        assert response.status_code == 302
        assert response["Location"] == document.get_absolute_url()
        assert not CompanyDocument.objects.exists()
        assert stored_files() == []  # the file went with the row
    else:
        assert response.status_code == 404
        assert CompanyDocument.objects.filter(pk=document.pk).exists()
        assert len(stored_files()) == 1


@pytest.mark.parametrize("who", ROLES)
@FROZEN
def test_expiring_list_shows_exactly_the_documents_in_scope(client, cast, who):
    for company_name in VISIBLE:
        make_document(getattr(cast, company_name), title=f"Licence of {company_name}", expires_on=TODAY)
    client.force_login(getattr(cast, who))
    response = client.get(reverse("customers:documents-expiring"))
    assert response.status_code == 200
    shown = {d.title for d in response.context["documents"]}
    assert shown == {f"Licence of {name}" for name, seen in VISIBLE.items() if who in seen}


def test_anonymous_is_sent_to_login_on_every_url(client, cast):
    document = make_document(cast.customer_of_assistant1)
    login = reverse("login")
    gets = [
        reverse("customers:document-upload", args=[cast.customer_of_assistant1.pk]),
        reverse("customers:document-download", args=[document.pk]),
        reverse("customers:documents-expiring"),
    ]
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    posts = [
        (reverse("customers:document-upload", args=[cast.customer_of_assistant1.pk]), form_data()),
        (reverse("customers:document-delete", args=[document.pk]), {}),
    ]
    for url, data in posts:
        response = client.post(url, data)
        assert response.status_code == 302 and response["Location"].startswith(login), url
    assert list(CompanyDocument.objects.all()) == [document]
    assert len(stored_files()) == 1


def test_delete_needs_post(client, cast):
    document = make_document(cast.customer_of_assistant1)
    client.force_login(cast.sales1)
    assert client.get(reverse("customers:document-delete", args=[document.pk])).status_code == 405
    assert CompanyDocument.objects.filter(pk=document.pk).exists()


# --- upload checks ------------------------------------------------------------------------------


def post_upload(client, cast, **overrides):
    client.force_login(cast.assistant1)
    return client.post(
        reverse("customers:document-upload", args=[cast.customer_of_assistant1.pk]), form_data(**overrides)
    )


def assert_refused(response, field, text):
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors, errors
    assert text in " ".join(errors[field])
    assert text in response.content.decode()  # shown on the page, next to the field
    assert not CompanyDocument.objects.exists()
    assert stored_files() == []


def test_a_text_file_named_pdf_is_refused(client, cast):
    response = post_upload(client, cast, file=upload("licence.pdf", b"just some text, not a PDF\n"))
    assert_refused(response, "file", "Only PDF files and images")


def test_an_11_mb_file_is_refused(client, cast):
    big = b"%PDF-1.4\n" + b"0" * (11 * 1024 * 1024)
    response = post_upload(client, cast, file=upload("scan.pdf", big))
    assert_refused(response, "file", "the limit is 10 MB")


def test_an_empty_file_is_refused(client, cast):
    response = post_upload(client, cast, file=upload("empty.pdf", b""))
    assert_refused(response, "file", "empty")


def test_a_missing_file_is_refused(client, cast):
    data = form_data()
    del data["file"]
    client.force_login(cast.sales1)
    response = client.post(reverse("customers:document-upload", args=[cast.customer_of_assistant1.pk]), data)
    assert_refused(response, "file", "This field is required")


def test_expiry_before_issue_is_refused_and_typed_values_kept(client, cast):
    response = post_upload(client, cast, issued_on="2026-05-01", expires_on="2026-04-30", title="ISO 9001")
    assert_refused(response, "expires_on", "cannot be before the issue date")
    assert 'value="ISO 9001"' in response.content.decode()


def test_every_bad_input_is_reported_at_once(client, cast):
    response = post_upload(client, cast, issued_on="2026-05-01", expires_on="2026-04-30", file=upload("a.pdf", b"text"))
    assert set(response.context["form"].errors) == {"file", "expires_on"}
    assert not CompanyDocument.objects.exists()


def test_the_type_comes_from_the_content_not_the_name(client, cast):
    response = post_upload(client, cast, file=upload("photo.pdf", PNG, "application/pdf"))
    assert response.status_code == 302
    document = CompanyDocument.objects.get()
    assert (document.content_type, document.original_name) == ("image/png", "photo.png")


def test_a_database_failure_leaves_no_file_behind(cast, monkeypatch):
    def broken_save(self, *args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(CompanyDocument, "save", broken_save)
    with pytest.raises(DatabaseError):
        make_document(cast.customer_of_assistant1)
    assert stored_files() == []
    assert not CompanyDocument.objects.exists()


def test_service_refuses_before_writing_anything(cast):
    with pytest.raises(ValidationError) as error:
        make_document(cast.customer_of_assistant1, content=b"MZ\x90\x00 an executable")
    assert "file" in error.value.message_dict
    assert stored_files() == []


# --- download and delete ------------------------------------------------------------------------


def test_download_returns_the_exact_bytes_as_an_attachment_with_a_sanitised_name(client, cast):
    document = make_document(cast.customer_of_assistant1, name='../Licence "2026" <scan>.pdf')
    assert document.original_name == "Licence _2026_ _scan_.pdf"
    assert "Licence" not in document.file.name  # stored under a random name
    client.force_login(cast.assistant1)
    response = client.get(reverse("customers:document-download", args=[document.pk]))
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Disposition"] == 'attachment; filename="Licence _2026_ _scan_.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_download_of_a_chinese_name(client, cast):
    document = make_document(cast.customer_of_assistant1, name="营业执照.pdf")
    client.force_login(cast.sales1)
    response = client.get(reverse("customers:document-download", args=[document.pk]))
    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%E8%90%A5%E4%B8%9A%E6%89%A7%E7%85%A7.pdf"


def test_download_of_a_missing_file_is_404(client, cast):
    document = make_document(cast.customer_of_assistant1)
    document.file.storage.delete(document.file.name)
    client.force_login(cast.sales1)
    assert client.get(reverse("customers:document-download", args=[document.pk])).status_code == 404


def test_files_are_never_linked_by_media_url(client, cast):
    document = make_document(cast.customer_of_assistant1, expires_on=TODAY)
    client.force_login(cast.sales1)
    for url in [cast.customer_of_assistant1.get_absolute_url(), reverse("customers:documents-expiring")]:
        html = client.get(url).content.decode()
        assert reverse("customers:document-download", args=[document.pk]) in html
        assert django_settings.MEDIA_URL not in html
        assert document.file.name not in html


def test_delete_keeps_the_file_when_the_transaction_rolls_back(cast, django_capture_on_commit_callbacks):
    document = make_document(cast.customer_of_assistant1)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        document_delete(document=document, actor=cast.sales1)
    assert len(callbacks) == 1  # the file is removed only once the deletion is committed
    assert len(stored_files()) == 1


# --- expiring list and the company tab ----------------------------------------------------------


@FROZEN
def test_expiring_list_sorted_by_date_with_badges(client, cast):
    company = cast.customer_of_assistant1
    for title, days in [("In 20 days", 20), ("Expired", -1), ("In 3 days", 3), ("In 40 days", 40), ("Today", 0)]:
        make_document(company, title=title, expires_on=TODAY + timedelta(days=days))
    make_document(company, title="No expiry")
    client.force_login(cast.assistant1)
    response = client.get(reverse("customers:documents-expiring"))
    assert [d.title for d in response.context["documents"]] == ["Expired", "Today", "In 3 days", "In 20 days"]
    html = response.content.decode()
    assert 'class="badge text-bg-danger" title="' in html
    assert '<span class="badge text-bg-warning">Expires today</span>' in html
    assert '<span class="badge text-bg-warning">in 3\xa0days</span>' in html
    assert '<span class="badge text-bg-info">in 2\xa0weeks, 6\xa0days</span>' in html

    expired = client.get(reverse("customers:documents-expiring"), {"status": "expired"}).context["documents"]
    assert [d.title for d in expired] == ["Expired"]
    soon = client.get(reverse("customers:documents-expiring"), {"status": "soon"}).context["documents"]
    assert [d.title for d in soon] == ["Today", "In 3 days"]


@FROZEN
def test_expiring_list_empty_state(client, cast):
    client.force_login(cast.sales1)
    html = client.get(reverse("customers:documents-expiring")).content.decode()
    assert "No document expires within 30 days." in html


def bulk_documents(company, count):
    CompanyDocument.objects.bulk_create(
        CompanyDocument(
            company=company, title=f"Certificate {i}", expires_on=TODAY + timedelta(days=i % 30), file=f"x/{i}.pdf",
            original_name=f"{i}.pdf", content_type="application/pdf", size=10, uploaded_by=company.owner,
        )
        for i in range(count)
    )  # fmt: skip


@pytest.mark.parametrize("count", [2, 45])
@FROZEN
def test_expiring_list_queries_do_not_grow_with_rows(client, cast, django_assert_max_num_queries, count):
    for company in [cast.customer_of_assistant1, cast.customer_shared, cast.customer_of_sales3]:
        bulk_documents(company, count)
    client.force_login(cast.assistant1)
    with django_assert_max_num_queries(6):
        response = client.get(reverse("customers:documents-expiring"))
    assert len(response.context["documents"]) == min(2 * count, 50)


@FROZEN
def test_company_tab_lists_documents_with_badges_and_actions(client, cast):
    company = cast.customer_of_assistant1
    client.force_login(cast.assistant1)
    html = client.get(company.get_absolute_url()).content.decode()
    assert "No documents yet — upload the business licence." in html
    assert reverse("customers:document-upload", args=[company.pk]) in html

    document = make_document(company, title="ISO 9001", expires_on=TODAY - timedelta(days=2))
    html = client.get(company.get_absolute_url()).content.decode()
    assert "ISO 9001" in html
    assert "text-bg-danger" in html and "Expired" in html
    assert reverse("customers:document-delete", args=[document.pk]) in html
    assert 'data-confirm="Delete ISO 9001 and its file?"' in html


def test_upload_page_shows_a_crispy_form(client, cast):
    client.force_login(cast.sales1)
    html = client.get(reverse("customers:document-upload", args=[cast.customer_of_assistant1.pk])).content.decode()
    assert 'enctype="multipart/form-data"' in html
    for name in ["kind", "title", "number", "issued_on", "expires_on", "file"]:
        assert f'name="{name}"' in html
    assert "<script>" not in html
