"""What the samples module puts on the home queues (core.home), imported by SamplesConfig.ready().

Each section is at most two queries: the first items and, when there are more than fit on the
card, a count for the link to the full list.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Q
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import home
from samples.models import SampleLoan, SampleRequest

Status = SampleRequest.Status


def _label(sample: SampleRequest) -> str:
    return f"{sample.number} · {sample.customer.code} {sample.customer.display_name}"


def decisions_for(user, today: date) -> list[home.QueueItem]:
    """Special sample charges waiting for this manager (the salesperson's team manager; GM: all)."""
    queryset = SampleRequest.objects.visible_to(user).filter(status=Status.DECISION)
    if not (user.is_superuser or user.is_gm):
        queryset = queryset.filter(salesperson__team__manager=user)
    queryset = queryset.select_related("customer", "salesperson").order_by("created_at", "pk")

    def item(sample: SampleRequest) -> home.QueueItem:
        return home.QueueItem(
            label=_label(sample),
            detail=_("%(person)s · %(purpose)s") % {"person": sample.salesperson, "purpose": sample.purpose},
            url=sample.get_absolute_url(),
            badge=_("Decide"),
        )

    return home.first_items(
        queryset,
        item,
        url=reverse("samples:list") + "?status=decision",
        more_label=_("All %(count)s samples to decide"),
    )


def to_dispatch_for(user, today: date) -> list[home.QueueItem]:
    """Approved samples to send, and dispatches a colleague prepared that wait for this user's check."""
    queryset = (
        SampleRequest.objects.visible_to(user)
        .filter(Q(status=Status.APPROVED) | Q(status=Status.PREPARED) & ~Q(prepared_by=user))
        .select_related("customer")
        .order_by("needed_by", "created_at", "pk")
    )

    def item(sample: SampleRequest) -> home.QueueItem:
        if sample.status == Status.PREPARED:
            badge = _("Check")
        elif sample.needed_by:
            badge = formats.date_format(sample.needed_by, "SHORT_DATE_FORMAT")
        else:
            badge = ""
        return home.QueueItem(label=_label(sample), detail=sample.purpose, url=sample.get_absolute_url(), badge=badge)

    return home.first_items(
        queryset, item, url=reverse("samples:list") + "?status=to_send", more_label=_("All %(count)s samples to send")
    )


def feedback_due_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        SampleRequest.objects.visible_to(user)
        .feedback_due(today)
        .select_related("customer")
        .order_by("follow_up_on", "pk")
    )

    def item(sample: SampleRequest) -> home.QueueItem:
        days = (today - sample.sent_on).days
        return home.QueueItem(
            label=_label(sample),
            detail=_("Sent %(date)s by %(courier)s")
            % {"date": formats.date_format(sample.sent_on, "SHORT_DATE_FORMAT"), "courier": sample.courier},
            url=reverse("samples:feedback", args=[sample.pk]),
            badge=ngettext("%(count)d day", "%(count)d days", days) % {"count": days},
        )

    return home.first_items(
        queryset, item, url=reverse("samples:follow-ups"), more_label=_("All %(count)s samples due for feedback")
    )


def loans_overdue_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        SampleLoan.objects.visible_to(user).overdue(today).select_related("item", "customer").order_by("due_back", "pk")
    )

    def item(loan: SampleLoan) -> home.QueueItem:
        days = (today - loan.due_back).days
        return home.QueueItem(
            label=f"{loan.item.code} {loan.item.name}",
            detail=_("With %(borrower)s since %(date)s")
            % {"borrower": loan.borrower_label, "date": formats.date_format(loan.lent_on, "SHORT_DATE_FORMAT")},
            url=reverse("samples:loan-list") + "?state=overdue",
            badge=ngettext("%(count)d day overdue", "%(count)d days overdue", days) % {"count": days},
        )

    return home.first_items(
        queryset,
        item,
        url=reverse("samples:loan-list") + "?state=overdue",
        more_label=_("All %(count)s overdue returns"),
    )


home.register(
    home.QueueSection(
        key="sample_decisions",
        title=gettext_lazy("Sample charges to decide"),
        icon="droplet-half",
        roles=("manager",),
        items=decisions_for,
        order=35,
    )  # fmt: skip
)
home.register(
    home.QueueSection(
        key="samples_to_send",
        title=gettext_lazy("Samples to send"),
        icon="send",
        roles=("assistant", "salesperson"),
        items=to_dispatch_for,
        order=60,
    )  # fmt: skip
)
home.register(
    home.QueueSection(
        key="sample_feedback_due",
        title=gettext_lazy("Sample feedback due"),
        icon="chat-square-quote",
        roles=("assistant", "salesperson"),
        items=feedback_due_for,
        order=61,
    )  # fmt: skip
)
home.register(
    home.QueueSection(
        key="sample_loans_overdue",
        title=gettext_lazy("Sample returns overdue"),
        icon="arrow-return-left",
        roles=("assistant", "salesperson"),
        items=loans_overdue_for,
        order=62,
    )  # fmt: skip
)
