"""What contracts put on the home queues (core.home), imported by ContractsConfig.ready()."""

from __future__ import annotations

from datetime import date

from django.db.models import F, Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import home

from .models import Contract


def _items(queryset, *, url: str, more: str, detail) -> list[home.QueueItem]:
    def item(c: Contract) -> home.QueueItem:
        return home.QueueItem(
            label=f"{c.number} {c.customer.display_name}",
            url=c.get_absolute_url(),
            detail=detail(c),
            badge=c.get_status_display(),
        )

    return home.first_items(queryset.select_related("customer", "salesperson"), item, url=url, more_label=more)


def awaiting_approval_queryset(user):
    """The contracts waiting for this user's decision (never their own)."""
    contracts = Contract.objects.visible_to(user).exclude(Q(maker=user) | Q(salesperson=user))
    if user.is_gm or user.is_superuser:
        # The GM decides the GM step, and the manager step when no team manager can.
        return contracts.filter(
            Q(status=Contract.Status.MANAGER_APPROVED)
            | Q(status=Contract.Status.SUBMITTED, salesperson__team__manager__isnull=True)
            | Q(status=Contract.Status.SUBMITTED, salesperson__team__manager=F("maker"))
            | Q(status=Contract.Status.SUBMITTED, salesperson__team__manager=F("salesperson"))
        ).order_by("submitted_at", "pk")
    return contracts.filter(status=Contract.Status.SUBMITTED, salesperson__team__manager=user).order_by(
        "submitted_at", "pk"
    )


def awaiting_approval_for(user, today: date) -> list[home.QueueItem]:
    def detail(c: Contract) -> str:
        when = formats.date_format(c.submitted_at, "SHORT_DATE_FORMAT") if c.submitted_at else ""
        return f"{c.salesperson} · {c.currency} {c.amount:,.2f} · {when}"

    return _items(
        awaiting_approval_queryset(user),
        url=reverse("contracts:list") + "?status=awaiting&mine=1",
        more=_("All %(count)s contracts awaiting your approval"),
        detail=detail,
    )


def returned_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        Contract.objects.visible_to(user)
        .filter(status=Contract.Status.DRAFT, returned=True)
        .filter(Q(maker=user) | Q(salesperson=user))
        .order_by("-updated_at", "-pk")
    )

    def detail(c: Contract) -> str:
        return f"{c.salesperson} · {c.currency} {c.amount:,.2f}"

    return _items(
        queryset,
        url=reverse("contracts:list") + "?status=returned",
        more=_("All %(count)s contracts returned for changes"),
        detail=detail,
    )


home.register(
    home.QueueSection(
        key="contracts_awaiting_approval",
        title=gettext_lazy("Contracts awaiting your approval"),
        icon="file-earmark-check",
        roles=("manager",),
        items=awaiting_approval_for,
        order=20,
    )
)
home.register(
    home.QueueSection(
        key="contracts_returned",
        title=gettext_lazy("Contracts returned for changes"),
        icon="file-earmark-arrow-down",
        roles=("assistant", "salesperson"),
        items=returned_for,
        order=25,
    )
)
