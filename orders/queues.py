"""Home queue sections of production follow-up, imported by OrdersConfig.ready().

Each section is at most two queries: one for the first items and, only when there are more
than fit on the card, one to count them.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import home
from orders.models import AbnormalOrder, Milestone
from orders.services.production import late_milestones


def late_milestones_for(user, today: date) -> list[home.QueueItem]:
    def item(milestone: Milestone) -> home.QueueItem:
        order = milestone.order
        days = (today - milestone.planned_on).days
        return home.QueueItem(
            label=f"{order.number} {order.customer.display_name}",
            detail=_("%(milestone)s planned %(date)s")
            % {
                "milestone": milestone.get_kind_display(),
                "date": formats.date_format(milestone.planned_on, "SHORT_DATE_FORMAT"),
            },
            url=order.get_absolute_url() + "#production",
            badge=ngettext("%(count)d day late", "%(count)d days late", days) % {"count": days},
        )

    queryset = (
        late_milestones(Milestone.objects.visible_to(user), today)
        .select_related("order", "order__customer")
        .order_by("planned_on", "order__number", "pk")
    )
    return home.first_items(
        queryset, item, url=reverse("orders:list"), more_label=_("%(count)s late milestones in all")
    )


def open_abnormal_for(user, today: date) -> list[home.QueueItem]:
    def item(abnormal: AbnormalOrder) -> home.QueueItem:
        order = abnormal.order
        days = (today - abnormal.reported_on).days
        return home.QueueItem(
            label=f"{order.number} {order.customer.display_name}",
            detail=f"{abnormal.get_kind_display()}: {abnormal.cause[:80]}",
            url=order.get_absolute_url() + "#production",
            badge=ngettext("open %(count)d day", "open %(count)d days", days) % {"count": days},
        )

    queryset = (
        AbnormalOrder.objects.visible_to(user)
        .filter(resolved_on__isnull=True)
        .select_related("order", "order__customer")
        .order_by("reported_on", "pk")
    )
    return home.first_items(
        queryset,
        item,
        url=reverse("orders:abnormal-list") + "?status=open",
        more_label=_("All %(count)s open abnormal orders"),
    )


home.register(
    home.QueueSection(
        key="late_milestones",
        title=gettext_lazy("Late production milestones"),
        icon="hourglass-split",
        roles=("assistant", "salesperson", "manager"),
        items=late_milestones_for,
        order=10,
    )
)
home.register(
    home.QueueSection(
        key="open_abnormal",
        title=gettext_lazy("Open abnormal orders"),
        icon="exclamation-triangle",
        roles=("manager",),
        items=open_abnormal_for,
        order=60,
    )
)
