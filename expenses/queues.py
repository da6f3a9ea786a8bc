"""What the expenses module puts on the home queues (core.home), imported by ExpensesConfig.ready().

Each section is one query: the first items and their total together (core.home.first_items).
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q, QuerySet
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


def waiting_q(user) -> Q:
    """Claims on which ``user`` is the next to act: the first review (assistants, for the salespersons
    they serve), the approval (managers), the payment (finance), a claim returned to its claimant.
    The claim list's "waiting for me" filter and the home section use this one rule."""
    q = Q(pk__in=[])
    if user.role == User.Role.ASSISTANT:
        q |= Q(status=Claim.Status.SUBMITTED, claimant__in=served_salesperson_ids(user))
    if user.role == User.Role.MANAGER or user.is_superuser:
        mine = Q(claimant__team__manager=user) & ~Q(claimant__role=User.Role.MANAGER)
        if user.is_gm or user.is_superuser:
            mine |= Q(claimant__role=User.Role.MANAGER) | Q(claimant__team__manager__isnull=True)
        q |= Q(status=Claim.Status.REVIEWED) & mine
    if user.is_finance:
        q |= Q(status=Claim.Status.APPROVED)
    q |= Q(status=Claim.Status.RETURNED, claimant=user)
    return q


def claims_waiting_for(user, today: date) -> list[home.QueueItem]:
    # One section (one query) for every step rather than one per step: an assistant's or a manager's
    # home stays within its query budget, and "more" opens the same list filter.
    queryset = (
        Claim.objects.filter(waiting_q(user))
        .exclude(~Q(status=Claim.Status.RETURNED), claimant=user)  # nobody reviews or pays their own claim
        .select_related("claimant")
        .order_by("submitted_at", "pk")
    )
    url = reverse("expenses:list") + "?status=to_act"
    return _with_more(queryset, _claim_item, url=url, label=_("All %(count)s claims waiting for you"))


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
        key="claims_waiting",
        title=gettext_lazy("Expense claims waiting for you"),
        icon="receipt",
        roles=("assistant", "salesperson", "manager", "finance"),
        items=claims_waiting_for,
        order=60,
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
