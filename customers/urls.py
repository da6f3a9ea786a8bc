from django.urls import path

from .views import companies, complaints, contacts, documents, interactions, surveys

app_name = "customers"

urlpatterns = [
    # companies (customers/views/companies.py)
    path("", companies.CompanyListView.as_view(), name="list"),
    path("export.xlsx", companies.CompanyExportView.as_view(), name="export"),
    path("new/", companies.CompanyCreateView.as_view(), name="create"),
    path("lookup/", companies.CompanyLookupView.as_view(), name="lookup"),
    path("<int:pk>/", companies.CompanyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", companies.CompanyUpdateView.as_view(), name="edit"),
    path("<int:pk>/assign/", companies.CompanyAssignView.as_view(), name="assign"),
    path("<int:pk>/unassign/<int:assistant_pk>/", companies.CompanyUnassignView.as_view(), name="unassign"),
    path("<int:pk>/transfer/", companies.CompanyTransferView.as_view(), name="transfer"),
    # contacts (customers/views/contacts.py)
    path("<int:pk>/contacts/new/", contacts.ContactCreateView.as_view(), name="contact-create"),
    path("contacts/<int:pk>/edit/", contacts.ContactUpdateView.as_view(), name="contact-edit"),
    path("contacts/<int:pk>/delete/", contacts.ContactDeleteView.as_view(), name="contact-delete"),
    # documents (customers/views/documents.py)
    path("<int:pk>/documents/new/", documents.DocumentUploadView.as_view(), name="document-upload"),
    path("documents/<int:pk>/download/", documents.DocumentDownloadView.as_view(), name="document-download"),
    path("documents/<int:pk>/delete/", documents.DocumentDeleteView.as_view(), name="document-delete"),
    path("documents/expiring/", documents.ExpiringDocumentListView.as_view(), name="documents-expiring"),
    path(
        "documents/expiring/export.xlsx",
        documents.ExpiringDocumentExportView.as_view(),
        name="documents-expiring-export",
    ),
    # interactions and follow-ups (customers/views/interactions.py)
    path("<int:pk>/interactions/new/", interactions.InteractionCreateView.as_view(), name="interaction-create"),
    path("follow-ups/", interactions.FollowUpListView.as_view(), name="follow-ups"),
    path("follow-ups/export.xlsx", interactions.FollowUpExportView.as_view(), name="follow-ups-export"),
    # complaints (customers/views/complaints.py)
    path("complaints/", complaints.ComplaintListView.as_view(), name="complaint-list"),
    path("complaints/export.xlsx", complaints.ComplaintExportView.as_view(), name="complaint-export"),
    path("complaints/new/", complaints.ComplaintCreateView.as_view(), name="complaint-create"),
    path("complaints/analysis/", complaints.ComplaintAnalysisView.as_view(), name="complaint-analysis"),
    path(
        "complaints/analysis/export.xlsx",
        complaints.ComplaintAnalysisExportView.as_view(),
        name="complaint-analysis-export",
    ),
    path("complaints/<int:pk>/", complaints.ComplaintDetailView.as_view(), name="complaint-detail"),
    path("complaints/<int:pk>/edit/", complaints.ComplaintUpdateView.as_view(), name="complaint-edit"),
    # satisfaction surveys (customers/views/surveys.py)
    path("<int:pk>/surveys/new/", surveys.SurveyCreateView.as_view(), name="survey-create"),
    path("surveys/", surveys.SurveyTrendView.as_view(), name="survey-trend"),
]
