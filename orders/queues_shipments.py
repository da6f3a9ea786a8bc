"""Home queue of shipments (core.home), imported by OrdersConfig.ready().

"Shipments to check": prepared shipments of orders the user sees that somebody else prepared
(双人复核: the preparer never checks their own). At most two queries: the first items and,
when more are waiting than fit on the card, their count for the link to the full list.
"""

from __future__ import annotations

from datetime import date

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from core import home
from orders.models import Shipment


def shipments_to_check_for(user, today: date) -> list[home.QueueItem]:
    queryset = (
        Shipment.objects.visible_to(user)
        .filter(status=Shipment.Status.PREPARED)
        .exclude(prepared_by=user)
        .select_related("order", "order__customer", "prepared_by")
        .order_by("prepared_at", "pk")
    )

    def item(shipment: Shipment) -> home.QueueItem:
        waiting = (today - timezone.localtime(shipment.prepared_at).date()).days
        return home.QueueItem(
            label=f"{shipment.number} · {shipment.order.number} {shipment.order.customer.display_name}",
            detail=_("Prepared by %(who)s · ship %(date)s · %(carrier)s")
            % {
                "who": shipment.prepared_by,
                "date": formats.date_format(shipment.shipped_on, "SHORT_DATE_FORMAT"),
                "carrier": shipment.carrier,
            },
            url=shipment.get_absolute_url(),
            badge=_("Today") if waiting <= 0 else _waiting(waiting),
        )

    url = reverse("orders:shipment-list") + "?" + urlencode({"status": Shipment.Status.PREPARED})
    return home.first_items(queryset, item, url=url, more_label=_("All %(count)s shipments awaiting check"))


def _waiting(days: int) -> str:
    return ngettext("%(count)d day waiting", "%(count)d days waiting", days) % {"count": days}


home.register(
    home.QueueSection(
        key="shipments_to_check",
        title=gettext_lazy("Shipments to check"),
        icon="truck",
        roles=("assistant", "salesperson", "manager"),
        items=shipments_to_check_for,
        order=40,
    )
)
