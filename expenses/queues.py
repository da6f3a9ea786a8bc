"""What the expenses module puts on the home queues (core.home), imported by ExpensesConfig.ready().

Each section is one query: the first items and their total together (core.home.first_items).
"""

from __future__ import annotations

from datetime import date

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.scope import served_salesperson_ids
from core import home

from .models import Advance, Claim

MAX_ITEMS = 10


def _with_more(queryset: QuerySet, item, *, url: str, label: str) -> list[home.QueueItem]:
    # one query a section: the rows and their total together (core.home.first_items)
    return home.first_items(queryset, item, url=url, more_label=label, limit=MAX_ITEMS)


def _claim_item(claim: Claim) -> home.QueueItem:
    when = claim.submitted_at or claim.created_at
    return home.QueueItem(
        label=f"{claim.number} {claim.claimant}",
        detail=f"{claim.get_kind_display()} · {claim.purpose[:60]} · {formats.date_format(when, 'SHORT_DATE_FORMAT')}",
        url=claim.get_absolute_url(),
        badge=claim.get_status_display(),
    )


def claims_to_review_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        Claim.objects.filter(status=Claim.Status.SUBMITTED, claimant__in=served_salesperson_ids(user))
        .select_related("claimant")
        .order_by("submitted_at", "pk")
    )
    url = reverse("expenses:list") + "?status=to_act"
    return _with_more(queryset, _claim_item, url=url, label=_("All %(count)s claims to review"))


def _approvable(model, person: str, status: str, user) -> QuerySet:
    """Claims or advances whose approver is ``user``: their team's people; managers' own for the GM."""
    queryset = model.objects.filter(status=status).exclude(**{person: user})
    if user.is_gm or user.is_superuser:
        return (
            queryset.filter(**{f"{person}__role": User.Role.MANAGER})
            | queryset.filter(**{f"{person}__team__manager__isnull": True})
            | queryset.filter(**{f"{person}__team__manager": user})
        )
    return queryset.filter(**{f"{person}__team__manager": user}).exclude(**{f"{person}__role": User.Role.MANAGER})


def claims_to_approve_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        _approvable(Claim, "claimant", Claim.Status.REVIEWED, user)
        .select_related("claimant")
        .order_by("submitted_at", "pk")
    )
    url = reverse("expenses:list") + "?status=to_act"
    return _with_more(queryset, _claim_item, url=url, label=_("All %(count)s claims to approve"))


def claims_to_pay_for(user, today: date) -> list[home.QueueItem]:
    if not user.is_finance:
        return []
    queryset = (
        Claim.objects.filter(status=Claim.Status.APPROVED).select_related("claimant").order_by("approved_at", "pk")
    )
    url = reverse("expenses:list") + "?status=approved"
    return _with_more(queryset, _claim_item, url=url, label=_("All %(count)s claims to pay"))


def claims_returned_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        Claim.objects.filter(status=Claim.Status.RETURNED, claimant=user)
        .select_related("claimant")
        .order_by("-updated_at", "pk")
    )
    url = reverse("expenses:list") + "?status=returned"
    return _with_more(queryset, _claim_item, url=url, label=_("All %(count)s returned claims"))


def _advance_item(advance: Advance) -> home.QueueItem:
    from core.templatetags.backdesk import money

    return home.QueueItem(
        label=f"{advance.number} {advance.person}",
        detail=f"{money(advance.amount, advance.currency)} · {advance.purpose[:60]}",
        url=advance.get_absolute_url(),
        badge=advance.get_status_display(),
    )


def advances_to_act_for(user, today: date) -> list[home.QueueItem]:
    if user.is_finance:
        queryset = Advance.objects.filter(status=Advance.Status.APPROVED).exclude(person=user)
    elif user.role == User.Role.MANAGER or user.is_superuser:
        queryset = _approvable(Advance, "person", Advance.Status.REQUESTED, user)
    else:
        return []
    queryset = queryset.select_related("person").order_by("created_at", "pk")
    return _with_more(
        queryset, _advance_item, url=reverse("expenses:advances"), label=_("All %(count)s advances to act on")
    )


home.register(
    home.QueueSection(
        key="claims_to_review",
        title=gettext_lazy("Expense claims to review"),
        icon="receipt",
        roles=("assistant",),
        items=claims_to_review_for,
        order=60,
    )
)
home.register(
    home.QueueSection(
        key="claims_to_approve",
        title=gettext_lazy("Expense claims to approve"),
        icon="receipt-cutoff",
        roles=("manager",),
        items=claims_to_approve_for,
        order=60,
    )
)
home.register(
    home.QueueSection(
        key="claims_to_pay",
        title=gettext_lazy("Expense claims to pay"),
        icon="cash-coin",
        roles=("finance",),
        items=claims_to_pay_for,
        order=61,
    )
)
home.register(
    home.QueueSection(
        key="claims_returned",
        title=gettext_lazy("Expense claims returned to you"),
        icon="arrow-return-left",
        roles=("salesperson", "assistant", "manager"),
        items=claims_returned_for,
        order=62,
    )
)
home.register(
    home.QueueSection(
        key="advances_to_act",
        title=gettext_lazy("Advances to approve or pay"),
        icon="wallet2",
        roles=("finance", "manager"),
        items=advances_to_act_for,
        order=63,
    )
)
