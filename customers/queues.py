"""What the customers module puts on the home queues (core.home), imported by CustomersConfig.ready().

Each section is at most two queries: one for the first items and, when there are more than
fit on the card, one to count them for the link to the full page.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import home
from customers.models import Company, CompanyDocument
from customers.services.documents import documents_expiring


def documents_expiring_for(user, today: date) -> list[home.QueueItem]:
    def item(document: CompanyDocument) -> home.QueueItem:
        days = (document.expires_on - today).days
        if days < 0:
            badge = _("Expired")
        elif days == 0:
            badge = _("Today")
        else:
            badge = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        return home.QueueItem(
            label=f"{document.company.code} {document.company.display_name}",
            detail=f"{document.get_kind_display()}: {document.title} · "
            f"{formats.date_format(document.expires_on, 'SHORT_DATE_FORMAT')}",
            url=document.get_absolute_url(),
            badge=badge,
        )

    queryset = documents_expiring(CompanyDocument.objects.visible_to(user), today=today).select_related("company")
    return home.first_items(
        queryset, item, url=reverse("customers:documents-expiring"), more_label=_("All %(count)s expiring documents")
    )


def key_customers_due_for(user, today: date) -> list[home.QueueItem]:
    def item(company: Company) -> home.QueueItem:
        overdue = (today - company.next_follow_up_on).days
        if company.last_contact_on:
            detail = _("Last contact %(date)s") % {
                "date": formats.date_format(company.last_contact_on, "SHORT_DATE_FORMAT")
            }
        else:
            detail = _("Never contacted")
        badge = (
            ngettext("%(count)d day overdue", "%(count)d days overdue", overdue) % {"count": overdue}
            if overdue
            else _("Due today")
        )
        return home.QueueItem(
            label=f"{company.code} {company.display_name}",
            detail=detail,
            url=company.get_absolute_url() + "#interactions",
            badge=badge,
        )

    queryset = (
        Company.objects.visible_to(user)
        .filter(follow_up_days__isnull=False)
        .follow_up_due(today)
        .order_by("next_follow_up_on", "code")
    )
    return home.first_items(
        queryset, item, url=reverse("customers:follow-ups"), more_label=_("All %(count)s calls due")
    )


home.register(
    home.QueueSection(
        key="key_customers_due",
        title=gettext_lazy("Customers to call"),
        icon="telephone-outbound",
        roles=("assistant", "salesperson"),
        items=key_customers_due_for,
        order=40,
    )
)
home.register(
    home.QueueSection(
        key="documents_expiring",
        title=gettext_lazy("Documents expiring"),
        icon="file-earmark-medical",
        roles=("assistant", "salesperson"),
        items=documents_expiring_for,
        order=50,
    )
)
