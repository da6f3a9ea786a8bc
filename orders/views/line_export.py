"""Order lines as Excel: one row per line of the orders the order list shows (its filters, sort, scope).

The lines are read with values() in chunks and written by openpyxl in write-only mode, so 400,000
rows keep memory flat; past settings.EXPORT_INLINE_MAX_ROWS a worker builds the file
(BackgroundExportMixin) and the user watches its progress.
"""

from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from core.background_exports import BackgroundExportMixin
from core.exports import DATE_FORMAT, MONEY_FORMAT, Column, choice_labels
from orders.models import Order, OrderLine
from orders.views.orders import SORTS, _person, filtered_orders

QUANTITY_FORMAT = "#,##0.###"


def filtered_lines(request):
    """Lines of the orders the list would show, in the list's order (then line by line)."""
    _form, orders, sort = filtered_orders(request)
    fields = SORTS[sort.lstrip("-")]
    descending = sort.startswith("-")
    ordering = [f"{'-' if descending else ''}order__{f}" for f in fields if f != "pk"]
    ordering += ["-order_id" if descending else "order_id", "pk"]
    # The order filters as a subquery (scope included); the lines' own scope is the same rule.
    matching = orders.order_by().values("pk")
    return OrderLine.objects.visible_to(request.user).filter(order_id__in=matching).order_by(*ordering)


class OrderLineExportView(LoginRequiredMixin, BackgroundExportMixin, View):
    export_title = gettext_lazy("Order lines")

    def export_row_count(self, request) -> int:
        return filtered_lines(request).order_by().count()

    def build_export(self, request):
        labels = choice_labels(Order.Status.choices)
        rows = (
            filtered_lines(request)
            .values(
                "order__number", "order__received_on", "order__customer__code", "order__customer__name",
                "order__customer_po", "order__salesperson__username", "order__salesperson__display_name",
                "order__salesperson__first_name", "order__salesperson__last_name", "order__status",
                "order__confirmed_delivery", "order__currency", "product__sku", "product__name", "description",
                "quantity", "unit_price", "amount", "shipped_quantity",
            )
            .iterator(chunk_size=2000)
        )  # fmt: skip
        columns = [
            Column(_("Order number"), lambda r: r["order__number"], 16),
            Column(_("Received on"), lambda r: r["order__received_on"], 12, DATE_FORMAT),
            Column(_("Customer code"), lambda r: r["order__customer__code"], 12),
            Column(_("Customer"), lambda r: r["order__customer__name"], 32),
            Column(_("Customer PO"), lambda r: r["order__customer_po"], 18),
            Column(_("Salesperson"), lambda r: _person(r, "order__salesperson"), 16),
            Column(_("Status"), lambda r: labels.get(r["order__status"], r["order__status"]), 14),
            Column(_("SKU"), lambda r: r["product__sku"], 14),
            Column(_("Product"), lambda r: r["product__name"], 28),
            Column(_("Description"), lambda r: r["description"], 28),
            Column(_("Quantity"), lambda r: r["quantity"], 12, QUANTITY_FORMAT),
            Column(_("Unit price"), lambda r: r["unit_price"], 12, MONEY_FORMAT),
            Column(_("Currency"), lambda r: r["order__currency"], 8),
            Column(_("Amount"), lambda r: r["amount"], 14, MONEY_FORMAT),
            Column(_("Shipped"), lambda r: r["shipped_quantity"], 12, QUANTITY_FORMAT),
            Column(_("Open quantity"), lambda r: r["quantity"] - r["shipped_quantity"], 12, QUANTITY_FORMAT),
            Column(_("Confirmed delivery"), lambda r: r["order__confirmed_delivery"], 12, DATE_FORMAT),
        ]
        stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
        return f"order-lines-{stamp}.xlsx", [(_("Order lines"), columns, rows)]
